//! The dashboard's files (trunk's `dist/`, with the brotli and gzip copy
//! `scripts/precompress` writes beside each), held in memory and served by
//! `api::dashboard`.
//!
//! They come from one of two places:
//! - **built in**: `make` packs `dist/` into one tar file that the binary
//!   includes (`src/main.rs`), so the one file serves the console from any
//!   folder. The entries are read in place, from the binary's own bytes;
//! - **a folder** named by `GATEHOUSE_DIST_DIR`, for working on the dashboard
//!   without rebuilding the server: read once at start, like the built-in one
//!   (a rebuilt dashboard needs a restart, as its loader's hash is in the CSP).
//!
//! A binary built without a dashboard (plain `cargo build`) has an empty
//! bundle: it serves the API and says at start, and on every dashboard page,
//! that it has no dashboard.

use anyhow::{bail, Context};
use axum::body::Bytes;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One file of the dashboard in each form it was built in.
#[derive(Debug)]
pub struct Asset {
    pub content_type: String,
    /// The raw bytes' SHA-256, shortened: the ETag of every form.
    pub tag: String,
    pub raw: Bytes,
    pub brotli: Option<Bytes>,
    pub gzip: Option<Bytes>,
}

/// Where the dashboard was found, as the start-up banner says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    Folder(PathBuf),
}

/// A complete dashboard: an `index.html` and the files it names, by path
/// without the leading `/`.
#[derive(Debug)]
pub struct Dashboard {
    pub origin: Origin,
    files: HashMap<String, Asset>,
}

impl Dashboard {
    /// The dashboard this process serves: the folder if one is named (it must
    /// hold a built dashboard), else the one built in, else none.
    pub fn load(folder: Option<&Path>, built_in: &'static [u8]) -> anyhow::Result<Option<Self>> {
        if let Some(folder) = folder {
            let files = read_folder(folder).with_context(|| format!("reading the dashboard from GATEHOUSE_DIST_DIR={}", folder.display()))?;
            return Self::from_files(Origin::Folder(folder.to_owned()), files)
                .with_context(|| format!("GATEHOUSE_DIST_DIR={} is not a built dashboard (make dashboard writes one to dist/)", folder.display()))
                .map(Some);
        }
        if built_in.is_empty() {
            return Ok(None);
        }
        let files = read_bundle(built_in).context("reading the built-in dashboard")?;
        Self::from_files(Origin::BuiltIn, files).context("the built-in dashboard").map(Some)
    }

    /// `path` (without its leading `/`), or None.
    pub fn get(&self, path: &str) -> Option<&Asset> {
        self.files.get(path)
    }

    pub fn index(&self) -> &Asset {
        &self.files[INDEX]
    }

    /// How many files (not counting their compressed copies).
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Groups `name.br` and `name.gz` with `name`; a compressed copy without
    /// its original stays a file of its own.
    fn from_files(origin: Origin, files: Vec<(String, Bytes)>) -> anyhow::Result<Self> {
        let mut originals: HashMap<String, Bytes> = HashMap::new();
        let mut copies = Vec::new();
        for (name, bytes) in files {
            match name.strip_suffix(".br").map(|o| (o, true)).or_else(|| name.strip_suffix(".gz").map(|o| (o, false))) {
                Some((original, is_brotli)) => copies.push((original.to_owned(), is_brotli, name.clone(), bytes)),
                None => {
                    originals.insert(name, bytes);
                }
            }
        }
        let mut assets: HashMap<String, Asset> = originals.into_iter().map(|(name, raw)| (name.clone(), Asset::new(&name, raw))).collect();
        for (original, is_brotli, name, bytes) in copies {
            match assets.get_mut(&original) {
                Some(asset) if is_brotli => asset.brotli = Some(bytes),
                Some(asset) => asset.gzip = Some(bytes),
                None => {
                    let asset = Asset::new(&name, bytes);
                    assets.insert(name, asset);
                }
            }
        }
        if !assets.contains_key(INDEX) {
            bail!("no {INDEX}");
        }
        Ok(Self { origin, files: assets })
    }
}

const INDEX: &str = "index.html";

impl Asset {
    fn new(name: &str, raw: Bytes) -> Self {
        let content_type = mime_guess::from_path(name).first_or_octet_stream().to_string();
        let digest = Sha256::digest(&raw);
        let tag = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Self { content_type, tag, raw, brotli: None, gzip: None }
    }
}

/// The regular files of a tar archive, read in place: each file's bytes are
/// a slice of `bundle`, which lives as long as the process.
fn read_bundle(bundle: &'static [u8]) -> anyhow::Result<Vec<(String, Bytes)>> {
    let mut archive = tar::Archive::new(bundle);
    let mut files = Vec::new();
    for entry in archive.entries()? {
        let entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = clean_name(&entry.path()?)?;
        let start = usize::try_from(entry.raw_file_position())?;
        let end = start + usize::try_from(entry.size())?;
        let bytes = bundle.get(start..end).context("a file runs past the end of the archive")?;
        files.push((name, Bytes::from_static(bytes)));
    }
    Ok(files)
}

/// Every regular file under `folder`, by its path relative to it.
fn read_folder(folder: &Path) -> anyhow::Result<Vec<(String, Bytes)>> {
    let mut files = Vec::new();
    let mut folders = vec![folder.to_owned()];
    while let Some(current) = folders.pop() {
        for entry in std::fs::read_dir(&current).with_context(|| format!("listing {}", current.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.is_file() {
                let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                files.push((clean_name(path.strip_prefix(folder)?)?, Bytes::from(bytes)));
            }
        }
    }
    Ok(files)
}

/// `a/b.js` from `./a/b.js`: the URL path a file answers at, `/`-separated.
fn clean_name(path: &Path) -> anyhow::Result<String> {
    let mut parts = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::Normal(p) => parts.push(p.to_str().with_context(|| format!("{} is not UTF-8", path.display()))?),
            std::path::Component::CurDir => {}
            _ => bail!("{} leaves the dashboard's folder", path.display()),
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> Vec<(String, Bytes)> {
        names.iter().map(|n| (n.to_string(), Bytes::from(n.to_string()))).collect()
    }

    #[test]
    fn compressed_copies_join_their_original() {
        let d =
            Dashboard::from_files(Origin::BuiltIn, files(&["index.html", "index.html.br", "index.html.gz", "a/app.wasm", "a/app.wasm.br", "lone.gz"])).unwrap();
        assert_eq!(d.len(), 3, "index.html, a/app.wasm and lone.gz");
        assert_eq!(d.index().brotli.as_deref(), Some(&b"index.html.br"[..]));
        assert_eq!(d.index().gzip.as_deref(), Some(&b"index.html.gz"[..]));
        let wasm = d.get("a/app.wasm").unwrap();
        assert_eq!(wasm.content_type, "application/wasm");
        assert!(wasm.gzip.is_none());
        assert_eq!(d.get("lone.gz").unwrap().raw, Bytes::from("lone.gz"), "a .gz without its original is served as itself");
    }

    #[test]
    fn a_dashboard_needs_its_index() {
        let err = Dashboard::from_files(Origin::BuiltIn, files(&["app.js"])).unwrap_err();
        assert!(err.to_string().contains("index.html"), "{err}");
    }

    #[test]
    fn the_bundle_is_read_in_place_with_its_folders() {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, body) in [("./index.html", &b"<html>"[..]), ("./pkg/app.js", b"js"), ("./pkg/app.js.br", b"br")] {
            let mut header = tar::Header::new_gnu();
            header.set_size(body.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, body).unwrap();
        }
        let bundle: &'static [u8] = builder.into_inner().unwrap().leak();
        let d = Dashboard::load(None, bundle).unwrap().unwrap();
        assert_eq!(d.origin, Origin::BuiltIn);
        assert_eq!(d.index().raw, Bytes::from_static(b"<html>"));
        assert_eq!(d.get("pkg/app.js").unwrap().brotli.as_deref(), Some(&b"br"[..]));
        assert_eq!(d.index().content_type, "text/html");
    }

    #[test]
    fn an_empty_bundle_is_no_dashboard_and_a_folder_without_index_is_an_error() {
        assert!(Dashboard::load(None, b"").unwrap().is_none());
        let empty = tempfile::tempdir().unwrap();
        let err = format!("{:#}", Dashboard::load(Some(empty.path()), b"").unwrap_err());
        assert!(err.contains("GATEHOUSE_DIST_DIR") && err.contains("no index.html"), "{err}");
    }
}
