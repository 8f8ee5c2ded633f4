//! The rules the server's parsers (in `shared`) apply to request bodies,
//! stated in the OpenAPI document as JSON Schema, so that a request valid
//! under the schema is one the server accepts, and a client generated from
//! it is right. utoipa derives the shapes from the types; the rules that a
//! type's parser enforces (lengths, formats, conditions between fields) are
//! added here, next to each other, with the parsers' own constants.
//! `scripts/api-conformance` (schemathesis, in `make test`) fails when the
//! two drift apart.

use serde_json::{json, Value};
use shared::{account, email, oauth, password, smtp, token};

/// One line of text with something in it: no control characters (CR, LF,
/// …), and not only spaces (the parsers trim).
const NON_BLANK_LINE: &str = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$";
/// One line of text, possibly empty.
const ONE_LINE: &str = r"^[^\u0000-\u001f\u007f-\u009f]*$";
/// A name or a search term: no control characters, nor the invisible and
/// text-direction ones `shared::text` refuses (U+200B–U+200F, U+202A–U+202E, U+2066–U+2069).
const VISIBLE: &str = r"^[^\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]*$";
/// The same, with something in it besides spaces.
const VISIBLE_NON_BLANK: &str = r"^[^\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]*$";

pub fn apply(doc: &mut Value) {
    query_rules(doc);
    // The parsers take internationalised names (IDN domains, non-ASCII local parts).
    // (Invisible and text-direction characters are refused too, which the
    // format already excludes.)
    let email = json!({"type": "string", "format": "idn-email", "maxLength": email::MAX_LEN});
    // Beyond its length, a new password must not be one of the most common
    // (a list JSON Schema cannot carry): a format names the rule, and
    // scripts/schemathesis_hooks.py generates passwords that keep it.
    let new_password = json!({
        "type": "string", "minLength": password::MIN_CHARS, "maxLength": password::MAX_CHARS, "format": "gatehouse-new-password",
        "description": "At least 10 characters, and not one of the 10,000 most common passwords (compared lower-cased)",
    });
    let schemas = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut).expect("the document has component schemas");
    // A schema or field renamed in `shared` must not silently lose its rule:
    // the OpenAPI test and the conformance run fail on this panic.
    let mut set = |schema: &str, field: &str, rule: &Value| {
        let property = schemas.get_mut(schema).and_then(|s| s.pointer_mut(&format!("/properties/{field}")));
        merge(property.unwrap_or_else(|| panic!("no {schema}.{field} in the OpenAPI schemas")), rule);
    };
    for schema in ["SetupRequest", "AcceptInvitation"] {
        set(schema, "email", &email);
        set(schema, "password", &new_password);
    }
    set("ResetPassword", "password", &new_password);
    set("ChangePassword", "new_password", &new_password);
    set("InviteRequest", "email", &email);
    set("InviteRequest", "account_id", &json!({"minimum": 1}));
    set("UserUpdate", "account_id", &json!({"minimum": 1}));
    set("AccountRequest", "name", &json!({"maxLength": account::MAX_NAME_CHARS, "pattern": VISIBLE_NON_BLANK}));
    set("HostUpdate", "name", &json!({"maxLength": account::MAX_NAME_CHARS, "pattern": VISIBLE_NON_BLANK}));
    set("AccountUpdate", "name", &json!({"maxLength": account::MAX_NAME_CHARS, "pattern": VISIBLE_NON_BLANK}));
    // A domain with at least two labels (`SenderDomains::parse`; blanks are skipped).
    // A blank entry of any length is skipped, so the length is the name's only.
    let domain = json!({"type": "string", "anyOf": [{"pattern": r"^\s*$"}, {"format": "idn-hostname", "pattern": r"\.", "maxLength": 253}]});
    set("HostUpdate", "account_sender_domains", &json!({"items": domain}));
    // An account's sender: the relay's rules for a From (`AccountSender::parse`);
    // the host's allowed domains are beyond the schema (422 naming the field).
    set("AccountSender", "from_name", &json!({"maxLength": smtp::MAX_FROM_NAME_CHARS, "pattern": ONE_LINE}));
    set("AccountSender", "from_email", &email);
    // Optional: null, or a blank (taken as none), or an address. No "type" here:
    // it would drop the null that `Option` allows.
    set("AccountSender", "reply_to", &json!({"anyOf": [{"pattern": r"^\s*$"}, {"format": "idn-email", "maxLength": email::MAX_LEN}]}));
    set("SmtpDraft", "from_name", &json!({"maxLength": smtp::MAX_FROM_NAME_CHARS, "pattern": ONE_LINE}));
    set("SmtpDraft", "from_email", &email);
    set("NewApiToken", "name", &json!({"maxLength": token::MAX_NAME_CHARS, "pattern": NON_BLANK_LINE}));
    set("NewApiToken", "expires_in_days", &json!({"minimum": 1, "maximum": token::MAX_EXPIRES_IN_DAYS}));

    // OAuth2 relays: each provider's fields, by the parsers' rules.
    let variants = schemas.get_mut("OAuthDraft").and_then(|s| s.get_mut("oneOf")).and_then(Value::as_array_mut).expect("OAuthDraft is a oneOf");
    for variant in variants {
        let provider = variant.pointer("/properties/provider/enum/0").and_then(Value::as_str).unwrap_or_default().to_owned();
        let mut rule = |field: &str, rule: Value| {
            let property = variant.pointer_mut(&format!("/properties/{field}")).unwrap_or_else(|| panic!("no OAuthDraft({provider}).{field}"));
            merge(property, &rule);
        };
        match oauth::Provider::parse(&provider).unwrap_or_else(|| panic!("unknown provider {provider:?} in OAuthDraft")) {
            oauth::Provider::Microsoft365 => {
                rule("tenant_id", json!({"pattern": format!("^[A-Za-z0-9.-]{{1,{}}}$", oauth::MAX_ID_CHARS)}));
                rule("client_id", json!({"pattern": format!(r"^[^\s\u0000-\u001f\u007f-\u009f]{{1,{}}}$", oauth::MAX_ID_CHARS)}));
                rule("client_secret", json!({"maxLength": oauth::MAX_SECRET_CHARS}));
            }
            // The key file's JSON text; its shape is beyond JSON Schema, so a
            // format names it (scripts/schemathesis_hooks.py generates it).
            oauth::Provider::Google => rule("service_account_key", json!({"format": "google-service-account-key", "maxLength": oauth::MAX_SECRET_CHARS})),
        }
    }

    // Account roles join an account; host roles join none.
    add_condition(
        schemas,
        "InviteRequest",
        json!({
            "if": {"properties": {"role": {"enum": ["account_admin", "account_user"]}}},
            "then": {"required": ["account_id"], "properties": {"account_id": {"type": "integer"}}},
            "else": {"properties": {"account_id": {"type": "null"}}},
        }),
    );
    // A role change says its account outright: account roles name one, host
    // roles none; an account without a role (the `else`) is refused too.
    add_condition(
        schemas,
        "UserUpdate",
        json!({
            "if": {"properties": {"role": {"enum": ["account_admin", "account_user"]}}, "required": ["role"]},
            "then": {"required": ["account_id"], "properties": {"account_id": {"type": "integer"}}},
            "else": {"properties": {"account_id": {"type": "null"}}},
        }),
    );
    // Microsoft Graph names no relay: host, port, security, auth and
    // username are ignored (`SmtpDraft::parse`). Any other configuration
    // names its relay, and the rules below hold for it.
    add_condition(
        schemas,
        "SmtpDraft",
        json!({
            "if": {"properties": {"oauth": {"type": "object", "required": ["provider", "transport"], "properties": {
                "provider": {"const": oauth::Provider::Microsoft365.as_str()},
                "transport": {"const": oauth::Transport::Graph.as_str()},
            }}}, "required": ["oauth"]},
            // (So the relay's host and port rules hold only here: Graph takes any.)
            "else": {"allOf": [
                {"required": ["host", "port"], "properties": {
                    "host": {"maxLength": 253, "anyOf": [{"format": "idn-hostname"}, {"format": "ipv4"}, {"format": "ipv6"}]},
                    "port": {"minimum": 1, "maximum": 65535},
                }},
                // OAuth2 signs in as a mailbox: it needs authentication and a username.
                {
                    "if": {"properties": {"oauth": {"type": "object"}}, "required": ["oauth"]},
                    "then": {"required": ["auth", "username"], "properties": {"auth": {"const": true}}},
                },
                // With authentication, a username is required. A blank password keeps
                // the stored one: 409 when none is stored for this relay.
                {
                    "if": {"properties": {"auth": {"const": true}}, "required": ["auth"]},
                    "then": {"required": ["username"], "properties": {
                        "username": {"type": "string", "maxLength": smtp::MAX_USERNAME_CHARS, "pattern": NON_BLANK_LINE},
                        "password": {"maxLength": smtp::MAX_PASSWORD_CHARS},
                        // A password only over an encrypted connection.
                        "security": {"enum": ["ssl", "starttls"]},
                    }},
                },
            ]},
        }),
    );
}

/// Rules on query parameters, from the services' own bounds.
fn query_rules(doc: &mut Value) {
    let mut set = |path: &str, name: &str, rule: &Value| {
        let parameters = doc.pointer_mut(&format!("/paths/{}/get/parameters", path.replace('/', "~1"))).and_then(Value::as_array_mut);
        let parameter = parameters.and_then(|ps| ps.iter_mut().find(|p| p["name"] == name));
        let schema = parameter.and_then(|p| p.get_mut("schema")).unwrap_or_else(|| panic!("no parameter {name} of GET {path} in the document"));
        merge(schema, rule);
    };
    set("/api/v1/audit", "limit", &json!({"minimum": 1, "maximum": gatehouse_core::audit::MAX_PAGE}));
    for list in ["/api/v1/users", "/api/v1/emails"] {
        set(list, "limit", &json!({"minimum": 1, "maximum": shared::api::PAGE_MAX}));
    }
    // Search terms and cursors: bounded, printable (`shared::text::check_query`).
    let query_text = json!({"maxLength": shared::text::MAX_QUERY_CHARS, "pattern": VISIBLE});
    for (list, name) in [("/api/v1/users", "q"), ("/api/v1/users", "cursor"), ("/api/v1/emails", "recipient"), ("/api/v1/audit", "actor")] {
        set(list, name, &query_text);
    }
}

fn merge(target: &mut Value, rule: &Value) {
    if let (Some(target), Some(rule)) = (target.as_object_mut(), rule.as_object()) {
        for (k, v) in rule {
            target.insert(k.clone(), v.clone());
        }
    }
}

fn add_condition(schemas: &mut serde_json::Map<String, Value>, schema: &str, condition: Value) {
    let s = schemas.get_mut(schema).and_then(Value::as_object_mut).unwrap_or_else(|| panic!("no {schema} in the OpenAPI schemas"));
    s.entry("allOf").or_insert_with(|| json!([])).as_array_mut().expect("allOf is a list").push(condition);
}
