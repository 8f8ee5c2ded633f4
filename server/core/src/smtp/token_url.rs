//! Where OAuth2 token requests, and Microsoft Graph's requests, may go. A
//! token request carries a client secret or a signed assertion, its answer
//! is a credential, and a Graph request carries that token: so the
//! endpoint is `https://`, or plain `http://` only to this machine (a local
//! proxy, the tests), where nothing crosses a network. Decided on the URL as
//! a URL parser reads it, the same parser the HTTP client then connects with,
//! never on its text: `http://127.0.0.1:x@evil.example/token` is a request
//! to evil.example (the part before `@` is userinfo), and is refused.

use std::fmt;
use std::net::IpAddr;
use url::{Host, Url};

/// A URL token requests may be sent to (see the module's comment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenUrl(Url);

impl TokenUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = Url::parse(text.trim()).map_err(|e| format!("is not a URL ({e})"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry a user name or password (user@host): a token request goes to the host after the @".into());
        }
        let host = url.host().ok_or("names no host")?;
        match url.scheme() {
            "https" => Ok(Self(url)),
            "http" if is_loopback(&host) => Ok(Self(url)),
            _ => Err("must be https:// (plain http:// only to this machine: 127.0.0.1, [::1] or localhost)".into()),
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// This URL with `path` added to its own (which is kept), e.g. Microsoft's
    /// `{login}/{tenant}/oauth2/v2.0/token`; the host stays this one.
    pub fn with_path(&self, path: &str) -> Result<Self, String> {
        let mut url = self.0.clone();
        let joined = format!("{}/{}", url.path().trim_end_matches('/'), path.trim_start_matches('/'));
        url.set_path(&joined);
        // Re-parsed, so the result is held to the same rules as any other.
        Self::parse(url.as_str())
    }
}

impl TokenUrl {
    /// This URL with `segments` added to its path, each percent-encoded as
    /// one segment (so a mailbox's `/`, `?` or `#` stays inside its segment),
    /// e.g. Graph's `{graph}/v1.0/users/{mailbox}/sendMail`.
    pub fn with_segments(&self, segments: &[&str]) -> Result<Self, String> {
        let mut url = self.0.clone();
        url.path_segments_mut().map_err(|()| "cannot take a path".to_owned())?.pop_if_empty().extend(segments);
        Self::parse(url.as_str())
    }
}

impl fmt::Display for TokenUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_only_to_this_machine() {
        for ok in [
            "https://login.microsoftonline.com",
            "https://oauth2.googleapis.com/token",
            "http://127.0.0.1:9/t",
            "http://127.8.9.10/t",
            "http://[::1]:9/t",
            "http://localhost:8080/t",
            "http://LOCALHOST/t",
        ] {
            assert!(TokenUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://login.example/t",
            "http://10.0.0.1/t",
            "http://169.254.169.254/latest/meta-data",
            "ftp://127.0.0.1/t",
            "file:///etc/passwd",
            "http://127.0.0.1.evil.example/t",
            "http://localhost.evil.example/t",
            "not a url",
            "",
        ] {
            assert!(TokenUrl::parse(bad).is_err(), "{bad}");
        }
    }

    /// The text looks like loopback; the URL is evil.example's.
    #[test]
    fn userinfo_is_refused_whatever_the_host_looks_like() {
        for bad in [
            "http://127.0.0.1:x@evil.example/token",
            "http://127.0.0.1@evil.example/token",
            "https://user:pass@oauth2.googleapis.com/token",
            "http://evil.example@127.0.0.1/token",
        ] {
            let refused = TokenUrl::parse(bad).unwrap_err();
            assert!(refused.contains("user name or password"), "{bad}: {refused}");
        }
    }

    #[test]
    fn a_path_is_added_on_the_same_host() {
        let login = TokenUrl::parse("https://login.microsoftonline.com").unwrap();
        assert_eq!(
            login.with_path("contoso.onmicrosoft.com/oauth2/v2.0/token").unwrap().as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        let proxied = TokenUrl::parse("http://127.0.0.1:8080/microsoft/").unwrap();
        assert_eq!(proxied.with_path("t/oauth2/v2.0/token").unwrap().as_str(), "http://127.0.0.1:8080/microsoft/t/oauth2/v2.0/token");
        // Dots climb the path, never to another host.
        assert_eq!(login.with_path("../../evil.example/token").unwrap().as_str(), "https://login.microsoftonline.com/evil.example/token");
    }

    #[test]
    fn a_mailbox_stays_one_segment() {
        let graph = TokenUrl::parse("https://graph.microsoft.com").unwrap();
        assert_eq!(
            graph.with_segments(&["v1.0", "users", "noreply@contoso.com", "sendMail"]).unwrap().as_str(),
            "https://graph.microsoft.com/v1.0/users/noreply@contoso.com/sendMail"
        );
        let odd = graph.with_segments(&["v1.0", "users", "a/../b?c#d@x.com", "sendMail"]).unwrap();
        assert_eq!(odd.as_str(), "https://graph.microsoft.com/v1.0/users/a%2F..%2Fb%3Fc%23d@x.com/sendMail");
        let proxied = TokenUrl::parse("http://127.0.0.1:9/graph/").unwrap();
        assert_eq!(proxied.with_segments(&["v1.0", "users", "m@x.com", "sendMail"]).unwrap().as_str(), "http://127.0.0.1:9/graph/v1.0/users/m@x.com/sendMail");
    }
}
