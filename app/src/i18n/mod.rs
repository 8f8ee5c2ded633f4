//! Every word the dashboard shows, in English and Italian.
//!
//! One struct of texts ([`Texts`], in `texts.rs`) and one file per language
//! (`en.rs`, `it.rs`): a text missing from a language is a compile error, not
//! a blank on screen. The language comes from the user's choice (kept in
//! localStorage), else the browser's languages.

mod en;
mod it;
mod texts;

pub use en::EN;
pub use it::IT;
pub use texts::Texts;

use leptos::prelude::*;

/// The dashboard's language: the same one the server writes emails in.
pub use shared::Language as Lang;

/// Every text of `lang`.
pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &EN,
        Lang::It => &IT,
    }
}

#[cfg_attr(not(feature = "csr"), allow(dead_code))]
const STORAGE_KEY: &str = "gatehouse.lang";

/// The language in force, shared through context.
#[derive(Clone, Copy)]
pub struct I18n {
    pub lang: RwSignal<Lang>,
}

impl I18n {
    pub fn detect() -> Self {
        Self { lang: RwSignal::new(initial_lang()) }
    }

    pub fn t(&self) -> &'static Texts {
        texts(self.lang.get())
    }

    pub fn set(&self, lang: Lang) {
        self.lang.set(lang);
        remember(lang);
    }
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

#[cfg(feature = "csr")]
fn initial_lang() -> Lang {
    let window = web_sys::window();
    let stored = window
        .as_ref()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|code| Lang::from_code(&code));
    stored
        .or_else(|| {
            let nav = window?.navigator();
            nav.languages().iter().filter_map(|v| v.as_string()).chain(nav.language()).find_map(|code| Lang::from_code(&code))
        })
        .unwrap_or(Lang::En)
}

#[cfg(not(feature = "csr"))]
fn initial_lang() -> Lang {
    Lang::En
}

#[cfg(feature = "csr")]
fn remember(lang: Lang) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(STORAGE_KEY, lang.code());
    }
    if let Some(doc) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = doc.set_attribute("lang", lang.code());
    }
}

#[cfg(not(feature = "csr"))]
fn remember(_lang: Lang) {}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::Role;

    #[test]
    fn every_role_and_code_has_words_in_both_languages() {
        for t in [&EN, &IT] {
            for role in Role::ALL {
                assert!(!t.role(role).is_empty());
            }
        }
        assert_ne!(EN.sign_in, IT.sign_in);
    }

    #[test]
    fn email_states_read_as_words() {
        use shared::outbox::{EmailKind, EmailStatus};
        assert_eq!(EN.last_email(Some(EmailStatus::Retrying)), "Retrying");
        assert_eq!(IT.last_email(Some(EmailStatus::Sent)), "Inviata");
        assert_eq!(EN.last_email(None), "—");
        assert_eq!(IT.last_email(Some(EmailStatus::Cancelled)), "Annullata");
        assert_eq!(EN.email_kind(EmailKind::Reset), "Password reset");
        assert_eq!(IT.email_kind(EmailKind::Invitation), "Invito");
        for t in [&EN, &IT] {
            for s in EmailStatus::ALL {
                assert!(!t.last_email(Some(s)).is_empty());
            }
        }
        assert_eq!(EN.unsent_invitation(EmailStatus::Failed, false), "Invitation email not sent: delivery failed.");
        assert_eq!(EN.unsent_invitation(EmailStatus::Queued, true), EN.unsent_held, "held says why, whatever the state");
        assert_ne!(IT.unsent_invitation(EmailStatus::Retrying, false), EN.unsent_retrying);
    }

    #[test]
    fn every_audit_action_has_its_own_name_in_both_languages() {
        use shared::audit::AuditAction;
        for action in AuditAction::ALL {
            let (en, it) = (EN.audit_action_name(action), IT.audit_action_name(action));
            assert!(!en.trim().is_empty() && !it.trim().is_empty(), "{action:?} has no name");
            // A name is a phrase for people, never the wire code shown as is.
            assert!(en != action.as_str() && it != action.as_str(), "{action:?} shows its code");
            assert_ne!(en, it, "{action:?} is not translated");
        }
        // The filter's drop-down lists them all: two alike could not be told apart.
        for t in [&EN, &IT] {
            let names: std::collections::BTreeSet<_> = AuditAction::ALL.into_iter().map(|a| t.audit_action_name(a)).collect();
            assert_eq!(names.len(), AuditAction::ALL.len(), "two actions share a name in {}", t.language_name);
        }
    }

    #[test]
    fn every_test_stage_has_a_sentence() {
        use shared::smtp::TestStage::*;
        for t in [&EN, &IT] {
            for stage in [Connect, Tls, Token, Auth, Sender, Recipient, Data, Send, Sent] {
                assert!(!t.test_stage(stage).is_empty());
            }
        }
    }
}
