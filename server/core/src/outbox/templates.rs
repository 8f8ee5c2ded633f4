//! Email texts: one template per kind, language and format (text and HTML)
//! under `server/core/templates/`, rendered with minijinja (HTML auto-escaped).

use crate::error::{Failure, Result};
use minijinja::Environment;
use serde::Serialize;
use shared::outbox::EmailKind;
use shared::{Language, Role};
use std::sync::OnceLock;

/// How an email names a role after "as", in `language` ("as an account admin").
pub fn role_name(language: Language, role: Role) -> &'static str {
    use Role::*;
    match (language, role) {
        (Language::En, HostAdmin) => "a host admin",
        (Language::En, HostUser) => "a host user",
        (Language::En, AccountAdmin) => "an account admin",
        (Language::En, AccountUser) => "an account user",
        (Language::It, HostAdmin) => "amministratore host",
        (Language::It, HostUser) => "utente host",
        (Language::It, AccountAdmin) => "amministratore account",
        (Language::It, AccountUser) => "utente account",
    }
}

/// The subject names what the recipient joins or signs in to: their account, else the host.
fn subject(language: Language, kind: EmailKind, name: &str) -> String {
    match (language, kind) {
        (Language::En, EmailKind::Invitation) => format!("You are invited to join {name}"),
        (Language::It, EmailKind::Invitation) => format!("Sei stato invitato in {name}"),
        (Language::En, EmailKind::Reset) => format!("Reset your {name} password"),
        (Language::It, EmailKind::Reset) => format!("Reimposta la password di {name}"),
    }
}

/// What the templates can say.
#[derive(Serialize)]
pub struct Context<'a> {
    /// The host's name (as host admins last set it, else `GATEHOUSE_ORGANISATION`).
    pub organisation: &'a str,
    /// The recipient's account, for an account's users; `None` for host users.
    pub account: Option<&'a str>,
    /// Who made the link (empty for a "forgot password" reset).
    pub inviter: &'a str,
    pub role: &'a str,
    pub recipient: &'a str,
    pub link: &'a str,
    pub expires: &'a str,
}

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("en/invitation.txt", include_str!("../../templates/en/invitation.txt")),
            ("en/invitation.html", include_str!("../../templates/en/invitation.html")),
            ("it/invitation.txt", include_str!("../../templates/it/invitation.txt")),
            ("it/invitation.html", include_str!("../../templates/it/invitation.html")),
            ("en/reset.txt", include_str!("../../templates/en/reset.txt")),
            ("en/reset.html", include_str!("../../templates/en/reset.html")),
            ("it/reset.txt", include_str!("../../templates/it/reset.txt")),
            ("it/reset.html", include_str!("../../templates/it/reset.html")),
        ] {
            env.add_template(name, source).expect("templates parse (checked by tests)");
        }
        env
    })
}

/// Renders the email of `kind` in `language`.
pub fn render(kind: EmailKind, language: Language, ctx: &Context) -> Result<Rendered> {
    let env = environment();
    let render = |ext: &str| {
        env.get_template(&format!("{}/{}.{ext}", language.code(), kind.as_str()))
            .and_then(|t| t.render(ctx))
            .map_err(|e| Failure::internal("rendering an email template", e))
    };
    Ok(Rendered { subject: subject(language, kind, ctx.account.unwrap_or(ctx.organisation)), text: render("txt")?, html: render("html")? })
}

/// "Fri, 04 Dec 2026 10:00:00 GMT": unambiguous in any language.
pub fn expiry(unix_secs: i64) -> String {
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix_secs.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_and_html_is_escaped() {
        let ctx = Context {
            organisation: "Acme <b>Media</b>",
            account: None,
            inviter: "ada@example.com",
            role: "a host user",
            recipient: "bob@example.com",
            link: "https://console.example.com/invite/abc",
            expires: &expiry(0),
        };
        for lang in Language::ALL {
            for kind in EmailKind::ALL {
                let r = render(kind, lang, &ctx).unwrap();
                assert!(r.text.contains("https://console.example.com/invite/abc"));
                assert!(r.html.contains("Acme &lt;b&gt;Media") && !r.html.contains("<b>Media"), "{}", r.html);
                assert!(r.text.contains("Acme <b>Media</b>"));
                assert!(!r.subject.is_empty());
            }
        }
        assert_eq!(expiry(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    /// An account's users hear of their account, who invited them and as
    /// what, in their language; the host is named as who runs it.
    #[test]
    fn an_accounts_emails_name_the_account_and_the_inviter() {
        let ctx = |role: &'static str| Context {
            organisation: "Agency",
            account: Some("Acme"),
            inviter: "admin@agency.example",
            role,
            recipient: "bob@acme.example",
            link: "https://console.example.com/invite/abc",
            expires: "Thu, 01 Jan 1970 00:00:00 GMT",
        };
        let en = render(EmailKind::Invitation, Language::En, &ctx(role_name(Language::En, Role::AccountAdmin))).unwrap();
        assert!(en.text.contains("admin@agency.example invites you to join Acme as an account admin"), "{}", en.text);
        assert!(en.text.contains("Agency"), "{}", en.text);
        assert_eq!(en.subject, "You are invited to join Acme");
        let it = render(EmailKind::Invitation, Language::It, &ctx(role_name(Language::It, Role::AccountUser))).unwrap();
        assert!(it.text.contains("admin@agency.example ti invita a entrare in Acme come utente account"), "{}", it.text);
        assert!(it.html.contains("<strong>Acme</strong>"), "{}", it.html);
        let reset = render(EmailKind::Reset, Language::En, &ctx("")).unwrap();
        assert!(reset.text.contains("Acme") && reset.subject == "Reset your Acme password", "{}", reset.text);

        let host = Context { account: None, ..ctx(role_name(Language::En, Role::HostUser)) };
        let en = render(EmailKind::Invitation, Language::En, &host).unwrap();
        assert!(en.text.contains("admin@agency.example invites you to join Agency as a host user"), "{}", en.text);
        assert_eq!(en.subject, "You are invited to join Agency");
    }
}
