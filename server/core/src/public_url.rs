//! The URL people reach the console at: the only source of links
//! (setup, invitations, resets), never the request's Host header.

use std::net::SocketAddr;
use url::Url;

/// The public URL with no trailing slash, so links are `{base}/path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn new(url: &Url) -> anyhow::Result<Self> {
        anyhow::ensure!(matches!(url.scheme(), "http" | "https") && url.host().is_some(), "the public URL must be an http(s) URL with a host, got {url}");
        anyhow::ensure!(url.query().is_none() && url.fragment().is_none(), "the public URL takes no query or fragment");
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// Default when none is configured: the address actually bound; for
    /// all addresses (`0.0.0.0`, `[::]`, as in a container), `localhost` on
    /// its port, which a browser can open (it cannot open `0.0.0.0`).
    pub fn for_bound(addr: SocketAddr) -> Self {
        if addr.ip().is_unspecified() {
            return Self(format!("http://localhost:{}", addr.port()));
        }
        Self(format!("http://{addr}"))
    }

    pub fn link(&self, path: &str) -> String {
        format!("{}/{}", self.0, path.trim_start_matches('/'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// The host part, used as our name when greeting an SMTP relay (EHLO).
    pub fn host(&self) -> String {
        Url::parse(&self.0).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_else(|| "localhost".into())
    }

    /// `scheme://host[:port]`, as browsers send it in the Origin header.
    pub fn origin(&self) -> String {
        Url::parse(&self.0).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_builds_links_and_origin() {
        let p = PublicUrl::new(&Url::parse("https://console.example.com/gh/").unwrap()).unwrap();
        assert_eq!(p.link("/setup/abc"), "https://console.example.com/gh/setup/abc");
        assert_eq!(p.origin(), "https://console.example.com");
        assert!(p.is_https());
        assert!(PublicUrl::new(&Url::parse("ftp://x.example").unwrap()).is_err());
    }

    #[test]
    fn the_default_is_the_bound_address_or_localhost_for_all_of_them() {
        assert_eq!(PublicUrl::for_bound("127.0.0.1:3000".parse().unwrap()).as_str(), "http://127.0.0.1:3000");
        assert_eq!(PublicUrl::for_bound("0.0.0.0:3000".parse().unwrap()).as_str(), "http://localhost:3000");
        assert_eq!(PublicUrl::for_bound("[::]:8080".parse().unwrap()).as_str(), "http://localhost:8080");
    }
}
