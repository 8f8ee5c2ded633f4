//! Which address a request came from, for sign-in throttling: the TCP peer,
//! unless the peer is a proxy the operator trusts (`GATEHOUSE_TRUSTED_PROXIES`),
//! in which case the address that proxy reports in `X-Forwarded-For`. Anyone
//! can write that header, so it is believed only from the listed proxies;
//! by default none is.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
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

    /// The client's address, from the peer's and the forwarding headers.
    /// Read right to left, `X-Forwarded-For` is the chain of hops: the first
    /// address that is not a trusted proxy is the client (earlier entries
    /// were written by the client itself and prove nothing).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).map(str::trim).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if self.trusts(ip) => client = ip,
                Ok(ip) => return ip,
                // Garbage in the chain: stop at the last address we could vouch for.
                Err(_) => return client,
            }
        }
        client
    }
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
        // Served without connection info (never, with `startup::serve`): no address to throttle by but "unknown".
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let trusted = parts.extensions.get::<TrustedProxies>().cloned().unwrap_or_default();
        Ok(ClientIp(trusted.client(peer, &parts.headers)))
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
}
