//! `GET /api/v1/openapi.json`: the REST API described from the handlers'
//! own annotations and the shared types, so it cannot drift from the code.

mod request_rules;

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(info(title = "Gatehouse", description = "The host console's REST API, for the gateway backend."))]
pub struct ApiDoc;

/// Bearer tokens (`gatehouse token create`) and the dashboard's session cookie.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("ght_…").build()));
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            "gh_session",
            "the dashboard's session; named `__Host-gh_session` when the public URL is https. A change (POST, PUT, PATCH, DELETE) signed in by it must also send the console's `Origin` or `Sec-Fetch-Site: same-origin`",
        ))));
    }
}

/// The answers any operation can give besides its own, added to each so that
/// the document lists every status the server really sends (checked by
/// schemathesis in `make test`): a body that is not JSON (400), too large
/// (413), not sent as JSON (415) or of the wrong shape (422); a path or
/// query parameter that does not parse (400); no or bad credentials (401), a role
/// that may not (403); a change sent by a page of another origin, or signed in
/// by cookie alone without proof it comes from the console's pages (403); a
/// `Host` the console does not answer to (421, the DNS-rebinding guard); and
/// storage that cannot answer now (503, with `Retry-After`). Every 429 gets
/// its `Retry-After` header stated too.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, HeaderBuilder, ObjectBuilder, Ref, ResponseBuilder, Type};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorEnvelope"))).build())
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [(false, &mut item.get), (true, &mut item.put), (true, &mut item.post), (true, &mut item.delete), (true, &mut item.patch)];
            for (changes, op) in operations.into_iter().filter_map(|(changes, op)| op.as_mut().map(|op| (changes, op))) {
                let mut add = |status: &str, response: ResponseBuilder| {
                    op.responses.responses.entry(status.to_owned()).or_insert_with(|| response.build().into());
                };
                let has_body = op.request_body.is_some();
                let has_params = !op.parameters.as_ref().is_none_or(Vec::is_empty);
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                if has_body {
                    add("400", error("the body is not valid JSON"));
                    add("413", error("the body is too large"));
                    add("415", error("the body is not sent as `application/json`"));
                    add("422", error("the body has the wrong shape, or fields that need fixing (each named in `fields`)"));
                } else if has_params {
                    add("400", error("a path or query parameter does not parse (or is repeated)"));
                }
                if secured {
                    add("401", error("no valid bearer token or session"));
                    add("403", error("the caller's role does not allow this"));
                } else if changes {
                    add("403", error("sent by a page of another origin"));
                }
                add("421", error("the request's `Host` is not a name this console answers to (its public URL or bind address)"));
                let retry_after = HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::Integer))
                    .description(Some("seconds to wait before trying again"))
                    .build();
                add(
                    "503",
                    error("storage cannot serve the request now (`unavailable`: busy; `storage_unavailable`: unreachable or restarting; `storage_full`: its disk is full); nothing changed: try again after `Retry-After` seconds")
                        .header("Retry-After", retry_after.clone()),
                );
                // Every 429 says how long to wait, as its message and `retry_after_secs` do.
                if let Some(utoipa::openapi::RefOr::T(limited)) = op.responses.responses.get_mut("429") {
                    limited.headers.insert("Retry-After".to_owned(), retry_after);
                }
            }
        }
    }
}

/// The document served at `GET /api/v1/openapi.json`: each capability's
/// part (its file's `Doc`, beside its handlers and its router, so a new
/// route is one file's change), then what every operation shares.
pub fn json() -> serde_json::Value {
    let mut api = ApiDoc::openapi();
    for part in [
        crate::api::auth::Doc::openapi(),
        crate::api::accounts::Doc::openapi(),
        crate::api::backups::Doc::openapi(),
        crate::api::invitations::Doc::openapi(),
        crate::api::emails::Doc::openapi(),
        crate::api::delivery::Doc::openapi(),
        crate::api::host::Doc::openapi(),
        crate::api::smtp::Doc::openapi(),
        crate::api::tokens::Doc::openapi(),
    ] {
        api.merge(part);
    }
    Credentials.modify(&mut api);
    CommonErrors.modify(&mut api);
    let mut doc = serde_json::to_value(api).expect("the document serialises");
    request_rules::apply(&mut doc);
    doc
}

pub async fn document() -> Json<serde_json::Value> {
    Json(json())
}
