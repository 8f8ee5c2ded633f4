//! A configuration resolved for sending: addresses as lettre types, the
//! password in clear (in memory only), and the TLS parameters.

use super::oauth::{TokenSource, Tokens};
pub use crate::tls_roots::ExtraRoots;
use lettre::message::Mailbox;
use lettre::transport::smtp::client::{Certificate, CertificateStore, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::Address;
use shared::smtp::{Security, SmtpConfig};
use std::sync::Arc;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

pub struct Relay {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub from: Mailbox,
    pub auth: Option<RelayAuth>,
    pub extra_roots: ExtraRoots,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("from", &self.from.to_string())
            .field("username", &self.auth.as_ref().map(RelayAuth::username))
            .finish_non_exhaustive()
    }
}

/// How the session signs in: a password (AUTH PLAIN/LOGIN), or an OAuth2
/// token (AUTH XOAUTH2) asked for when the session opens.
pub enum RelayAuth {
    Password { username: String, password: String },
    OAuth { username: String, source: TokenSource, tokens: Tokens },
}

impl RelayAuth {
    pub fn username(&self) -> &str {
        match self {
            RelayAuth::Password { username, .. } | RelayAuth::OAuth { username, .. } => username,
        }
    }
}

/// Why a configuration cannot be turned into a relay.
#[derive(Debug)]
pub enum RelayError {
    /// lettre's address rules are the final word on what can be sent.
    FromEmail(String),
}

impl Relay {
    /// `auth` is how to sign in, built by `Sender::smtp` from the
    /// configuration and its secret (which `smtp::service` alone opens).
    pub fn new(config: &SmtpConfig, auth: Option<RelayAuth>, extra_roots: ExtraRoots) -> Result<Self, RelayError> {
        let from = from_mailbox(config)?;
        // DNS and TLS want the ASCII (punycode) form of an internationalised name.
        let host = match url::Host::parse(config.host.as_str()) {
            Ok(url::Host::Domain(ascii)) => ascii,
            _ => config.host.as_str().to_owned(),
        };
        Ok(Self { host, port: config.port, security: config.security, from, auth, extra_roots })
    }

    /// Certificates are always verified: webpki roots plus the extra CA file.
    pub fn tls_parameters(&self) -> Result<TlsParameters, lettre::transport::smtp::Error> {
        let mut builder = TlsParameters::builder(self.host.clone()).certificate_store(CertificateStore::WebpkiRoots);
        for pem in self.extra_roots.pems() {
            builder = builder.add_root_certificate(Certificate::from_pem(pem)?);
        }
        builder.build_rustls()
    }

    /// The same trust as [`Relay::tls_parameters`] (webpki roots plus the
    /// extra CA file, ring, TLS 1.2 and up), as a rustls configuration: for
    /// implicit TLS, where we do the handshake ourselves (see `connect`).
    pub fn rustls_config(&self) -> Result<Arc<ClientConfig>, String> {
        rustls_config(&self.extra_roots)
    }
}

/// The relays' trust as a rustls configuration: webpki roots plus the extra
/// CA file, ring, TLS 1.2 and up. Also what OAuth2 token requests go over.
pub fn rustls_config(extra_roots: &ExtraRoots) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for pem in extra_roots.pems() {
        for cert in CertificateDer::pem_slice_iter(pem) {
            roots.add(cert.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
        }
    }
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The From mailbox of a configuration, by lettre's address rules: the final
/// word on what can be sent, checked when saving and when sending alike.
pub fn from_mailbox(config: &SmtpConfig) -> Result<Mailbox, RelayError> {
    let address: Address = config.from_email.as_str().parse().map_err(|e| RelayError::FromEmail(format!("{e}")))?;
    let name = Some(config.from_name.as_str().to_owned()).filter(|n| !n.is_empty());
    Ok(Mailbox::new(name, address))
}

/// How we name ourselves in EHLO: our public host, as an address literal when it is an IP.
pub fn client_id(hello: &str) -> ClientId {
    match hello.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ClientId::Ipv4(ip),
        Ok(std::net::IpAddr::V6(ip)) => ClientId::Ipv6(ip),
        Err(_) => ClientId::Domain(hello.to_owned()),
    }
}
