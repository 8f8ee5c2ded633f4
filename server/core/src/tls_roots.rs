//! Which certificate authorities the SMTP relay's TLS is checked against,
//! besides the built-in (Mozilla) roots. Loaded at start, held in the
//! application state, used by `smtp`.

use lettre::transport::smtp::client::Certificate;
use std::path::Path;

/// Extra PEM roots (from `GATEHOUSE_SMTP_CA_FILE`) trusted besides the
/// webpki (Mozilla) roots. Loaded and checked once at start.
#[derive(Clone, Default)]
pub struct ExtraRoots(Vec<Vec<u8>>);

impl ExtraRoots {
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = path else { return Ok(Self::default()) };
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("reading GATEHOUSE_SMTP_CA_FILE {}: {e}", path.display()))?;
        const END: &str = "-----END CERTIFICATE-----";
        let blocks: Vec<Vec<u8>> =
            text.split_inclusive(END).filter(|b| b.contains("-----BEGIN CERTIFICATE-----")).map(|b| b.trim().as_bytes().to_vec()).collect();
        anyhow::ensure!(!blocks.is_empty(), "{} holds no PEM certificate", path.display());
        for block in &blocks {
            Certificate::from_pem(block).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        Ok(Self(blocks))
    }
}

impl ExtraRoots {
    /// The PEM blocks, one certificate each.
    pub fn pems(&self) -> &[Vec<u8>] {
        &self.0
    }
}
