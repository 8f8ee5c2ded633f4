//! The dashboard inside the binary (issue 20): started from `/`, the one
//! file serves the console with its precompressed copies, caching and CSP;
//! a binary built without one says so at start and on every dashboard page;
//! `GATEHOUSE_DIST_DIR` serves a folder instead, and refuses one that holds
//! no dashboard.

use crate::support::{Backend, TestApp, TestDb, BIN};
use reqwest::header;
use std::process::Command;

const NO_DASHBOARD: &str = "built without its dashboard";

/// `make test` builds the binary with its dashboard; a plain `cargo test`
/// builds one without. Either way the binary must say which it is, and
/// behave accordingly.
#[tokio::test]
async fn the_binary_serves_its_own_dashboard_from_any_folder_or_says_it_has_none() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = db.process().await; // from `/`
    let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    let get = |path: &str, encodings: &str| client.get(app.url(path)).header(header::ACCEPT_ENCODING, encodings).send();

    if app.output().contains(NO_DASHBOARD) {
        for path in ["/", "/users", "/signin"] {
            let res = get(path, "br").await.unwrap();
            assert_eq!(res.status(), 404, "{path}");
            assert!(res.text().await.unwrap().contains(NO_DASHBOARD), "{path} says why there is nothing");
        }
        assert_eq!(client.get(app.url("/readyz")).send().await.unwrap().status(), 200, "the API still works");
        return;
    }

    let index = get("/", "identity").await.unwrap();
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()[header::CACHE_CONTROL], "no-cache");
    assert!(index.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let policy = index.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(policy.contains("'sha256-"), "the loader is allowed by its hash: {policy}");
    let html = index.text().await.unwrap();
    assert!(html.contains("<script type=\"module\""), "trunk's loader: {html}");

    // A route of the dashboard answers its index; a hashed file is kept a year, in brotli.
    let route = get("/users", "gzip, br").await.unwrap();
    assert_eq!(route.status(), 200);
    assert_eq!(route.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(route.headers()[header::VARY], "accept-encoding");
    let wasm = hashed_name(&html, "_bg.wasm").expect("the index names the wasm");
    let res = get(&wasm, "gzip, deflate, br").await.unwrap();
    assert_eq!(res.status(), 200, "{wasm}");
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/wasm");
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(res.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    let brotli_len = res.bytes().await.unwrap().len();
    let res = get(&wasm, "gzip").await.unwrap();
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
    let etag = res.headers()[header::ETAG].clone();
    let gzip_len = res.bytes().await.unwrap().len();
    let raw_len = get(&wasm, "identity").await.unwrap().bytes().await.unwrap().len();
    assert!(brotli_len < gzip_len && gzip_len < raw_len, "br {brotli_len} < gzip {gzip_len} < raw {raw_len}");

    // Revalidation costs a 304, for the form asked for only.
    let again = client.get(app.url(&wasm)).header(header::ACCEPT_ENCODING, "gzip").header(header::IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    let other = client.get(app.url(&wasm)).header(header::ACCEPT_ENCODING, "br").header(header::IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(other.status(), 200, "the gzip tag is not the brotli form's");

    let post = client.post(app.url("/")).send().await.unwrap();
    assert_eq!(post.status(), 405);
}

/// The first `/name-<hash><suffix>` the index names.
fn hashed_name(html: &str, suffix: &str) -> Option<String> {
    let end = html.find(suffix)? + suffix.len();
    let start = html[..end].rfind(['/', '\'', '"'])?;
    let name = &html[start..end];
    Some(if name.starts_with('/') { name.to_owned() } else { format!("/{}", &name[1..]) })
}

/// `GATEHOUSE_DIST_DIR` serves a folder instead (read at start, its loader's
/// hash in the policy); one without an `index.html` stops the start with
/// the setting's name.
#[tokio::test]
async fn a_dashboard_folder_overrides_the_built_in_one_and_a_wrong_one_is_refused() {
    let db = TestDb::new(Backend::Sqlite).await;
    let dist = tempfile::tempdir().unwrap();
    let loader = "import init from '/app.js';";
    std::fs::write(dist.path().join("index.html"), format!("<html><head><script type=\"module\">{loader}</script></head></html>")).unwrap();
    std::fs::create_dir(dist.path().join("pkg")).unwrap();
    std::fs::write(dist.path().join("pkg/app-0123456789abcdef.js"), "console.log(1)").unwrap();
    let folder = dist.path().to_str().unwrap();
    let app = TestApp::process(&db, &[("GATEHOUSE_DIST_DIR", folder)]).await;
    assert!(app.output().contains(&format!("Dashboard from {folder}")), "{}", app.output());
    let res = reqwest::get(app.url("/")).await.unwrap();
    let policy = res.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(res.text().await.unwrap().contains(loader));
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(loader));
    assert!(policy.contains(&format!("'sha256-{hash}'")), "{policy}");
    let js = reqwest::get(app.url("/pkg/app-0123456789abcdef.js")).await.unwrap();
    assert_eq!(js.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert_eq!(js.text().await.unwrap(), "console.log(1)");
    drop(app);

    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("GATEHOUSE_DATA_DIR", db.dir.path())
        .env("GATEHOUSE_DATABASE_URL", &db.url)
        .env("GATEHOUSE_DIST_DIR", empty.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("GATEHOUSE_DIST_DIR") && stderr.contains("not a built dashboard"), "{stderr}");
}

/// `gatehouse healthcheck` (the image's HEALTHCHECK) exits 0 only while the
/// server at GATEHOUSE_BIND is ready, and says why not.
#[tokio::test]
async fn the_healthcheck_exits_zero_only_while_the_server_is_ready() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = db.process().await;
    let port = app.base.rsplit(':').next().unwrap().to_owned();
    let check = |bind: String| Command::new(BIN).arg("healthcheck").env("GATEHOUSE_BIND", bind).output().unwrap();
    for bind in [format!("127.0.0.1:{port}"), format!("0.0.0.0:{port}")] {
        let out = check(bind.clone());
        assert!(out.status.success(), "{bind}: {}", String::from_utf8_lossy(&out.stderr));
    }
    drop(app);
    let out = check(format!("127.0.0.1:{port}"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("127.0.0.1:{port}")), "names what it asked");
}
