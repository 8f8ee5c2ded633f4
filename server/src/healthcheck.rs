//! `gatehouse healthcheck`: exit 0 when the server at `GATEHOUSE_BIND`
//! answers `/readyz` with 200, non-zero otherwise. It is what the container
//! image's HEALTHCHECK runs: a `FROM scratch` image has no curl or wget.

use anyhow::{bail, Context};
use clap::Args;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, Args)]
pub struct HealthcheckSettings {
    /// The address the server listens on (an unspecified one, like 0.0.0.0, is asked on loopback).
    #[arg(long, env = "GATEHOUSE_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// Seconds to wait for the whole answer.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub timeout: u64,
}

pub async fn run(settings: HealthcheckSettings) -> anyhow::Result<()> {
    let target = reachable(settings.bind);
    let status = tokio::time::timeout(Duration::from_secs(settings.timeout), ask(target))
        .await
        .with_context(|| format!("http://{target}/readyz did not answer within {} s", settings.timeout))??;
    if !status.starts_with("HTTP/1.1 200 ") {
        bail!("http://{target}/readyz answered {status}");
    }
    println!("ready");
    Ok(())
}

/// Where to reach a server listening on `bind`.
fn reachable(bind: SocketAddr) -> SocketAddr {
    match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), bind.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), bind.port()),
        _ => bind,
    }
}

/// The status line of `GET /readyz`, over plain HTTP/1.1.
async fn ask(target: SocketAddr) -> anyhow::Result<String> {
    let mut stream = TcpStream::connect(target).await.with_context(|| format!("connecting to {target}"))?;
    stream.write_all(format!("GET /readyz HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n").as_bytes()).await?;
    // The status line and the short body fit here; the rest is not needed.
    let mut answer = vec![0; 1024];
    let mut read = 0;
    while read < answer.len() {
        let n = stream.read(&mut answer[read..]).await?;
        if n == 0 {
            break;
        }
        read += n;
    }
    let answer = String::from_utf8_lossy(&answer[..read]);
    let status = answer.lines().next().unwrap_or_default();
    if status.is_empty() {
        bail!("{target} closed the connection without an answer");
    }
    // The body says why it is not ready (a storage fault, the database).
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.trim()).unwrap_or_default();
    Ok(if body.is_empty() { status.to_owned() } else { format!("{status}: {body}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_bind_address_is_asked_on_loopback() {
        assert_eq!(reachable("0.0.0.0:3000".parse().unwrap()), "127.0.0.1:3000".parse().unwrap());
        assert_eq!(reachable("[::]:3000".parse().unwrap()), "[::1]:3000".parse().unwrap());
        assert_eq!(reachable("10.0.0.5:80".parse().unwrap()), "10.0.0.5:80".parse().unwrap());
    }
}
