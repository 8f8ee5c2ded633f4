//! Which address a request came from, for throttling and the audit log: the
//! TCP peer, unless the peer is a proxy the operator trusts
//! (`GATEHOUSE_TRUSTED_PROXIES`), in which case the address that proxy reports
//! in `X-Forwarded-For`. Anyone can write that header, so it is believed only
//! from the listed proxies; by default none is. Addresses are compared in
//! canonical form: an IPv4 peer reaching a server listening on `[::]` arrives
//! as `::ffff:a.b.c.d`, which is that IPv4 address.
//!
//! [`resolve`] works it out once per request and leaves it, as a
//! `RequestContext`, in the request's extensions, where the REST extractors
//! and the dashboard's server functions find it.

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_core::auth::RequestContext;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The proxies whose `X-Forwarded-For` is believed: addresses or networks.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self(Arc::new(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The client's address, from the peer's and the forwarding headers.
    /// Read right to left, `X-Forwarded-For` is the chain of hops: the first
    /// address that is not a trusted proxy is the client (earlier entries
    /// were written by the client itself and prove nothing).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).map(str::trim).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>().map(canonical) {
                Ok(ip) if self.trusts(ip) => client = ip,
                Ok(ip) => return ip,
                // Garbage in the chain: stop at the last address we could vouch for.
                Err(_) => return client,
            }
        }
        client
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is its IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// An address a reverse proxy in front of us would have: loopback, private
/// (RFC 1918), unique local (fc00::/7) or link-local.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// Said once per process: with no trusted proxy, a proxy's requests all count as one client.
static WARNED_NO_PROXY: AtomicBool = AtomicBool::new(false);

/// Works out the request's client address and leaves its `RequestContext`
/// in the extensions. The first request from a private address while no
/// proxy is trusted brings a warning: if a reverse proxy sits in front,
/// every client shares its address (and its throttling).
pub async fn resolve(mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| canonical(c.0.ip()));
    let trusted = req.extensions().get::<TrustedProxies>().cloned().unwrap_or_default();
    if trusted.is_empty() && is_private(peer) && !WARNED_NO_PROXY.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            %peer,
            "requests arrive from a private address and GATEHOUSE_TRUSTED_PROXIES is empty: if a reverse proxy is in front, every client shares its address for throttling and the audit log; set GATEHOUSE_TRUSTED_PROXIES to it"
        );
    }
    let client = trusted.client(peer, req.headers());
    req.extensions_mut().insert(RequestContext::new(client));
    next.run(req).await
}

/// The request's context, as [`resolve`] left it (or, outside the router, the unspecified address's).
pub fn context(parts: &Parts) -> RequestContext {
    parts.extensions.get::<RequestContext>().cloned().unwrap_or_else(|| RequestContext::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
}

/// Parses `GATEHOUSE_TRUSTED_PROXIES` entries: `10.0.0.0/8`, `127.0.0.1`, `::1`.
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>().or_else(|_| s.parse::<IpAddr>().map(IpNet::from)).map_err(|_| format!("{s:?} is neither an IP address nor a network like 10.0.0.0/8"))
}

/// The request's client address (see the module).
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(ClientIp(context(parts).client))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let none = TrustedProxies::default();
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(none.client(peer, &headers(&["203.0.113.9"])), peer, "by default nobody is trusted");

        let proxies = TrustedProxies::new(vec![parse_net("127.0.0.1").unwrap(), parse_net("10.0.0.0/8").unwrap()]);
        assert_eq!(proxies.client(peer, &headers(&["203.0.113.9"])), "203.0.113.9".parse::<IpAddr>().unwrap());
        // The client wrote the left part itself; the proxies appended the rest.
        assert_eq!(proxies.client(peer, &headers(&["6.6.6.6, 203.0.113.9, 10.1.2.3"])), "203.0.113.9".parse::<IpAddr>().unwrap());
        assert_eq!(proxies.client(peer, &headers(&["6.6.6.6", "203.0.113.9"])), "203.0.113.9".parse::<IpAddr>().unwrap());
        assert_eq!(proxies.client(peer, &headers(&["nonsense, 10.1.2.3"])), "10.1.2.3".parse::<IpAddr>().unwrap());
        assert_eq!(proxies.client(peer, &headers(&[])), peer);
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(proxies.client(stranger, &headers(&["203.0.113.9"])), stranger, "an untrusted peer's header is ignored");
        assert!(parse_net("not an address").is_err());
    }

    #[test]
    fn an_ipv4_mapped_peer_is_its_ipv4_address() {
        let proxies = TrustedProxies::new(vec![parse_net("127.0.0.1").unwrap()]);
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert_eq!(proxies.client(mapped, &headers(&["203.0.113.9"])), "203.0.113.9".parse::<IpAddr>().unwrap(), "the mapped proxy is trusted");
        let client: IpAddr = "::ffff:198.51.100.7".parse().unwrap();
        assert_eq!(TrustedProxies::default().client(client, &headers(&[])), "198.51.100.7".parse::<IpAddr>().unwrap());
    }
}
