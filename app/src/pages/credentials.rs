//! What the public forms (signup, forgot and reset password) say under their
//! fields as the user types. The parsers are the ones the server runs again,
//! so the form and the server agree on what is acceptable.

use crate::i18n::use_i18n;
use leptos::prelude::*;
use shared::{EmailAddress, NewPassword};

/// The address's problem once something is typed, else what `server` says.
pub fn email_problem(email: RwSignal<String>, server: impl Fn() -> Option<String> + Send + Sync + 'static) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || {
        let v = email.get();
        (!v.is_empty()).then(|| EmailAddress::parse(&v).err().map(|e| i18n.t().email_error(e))).flatten().or_else(&server)
    })
}

/// The new password's problem once something is typed, else what `server` says.
pub fn password_problem(password: RwSignal<String>, server: impl Fn() -> Option<String> + Send + Sync + 'static) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || {
        let v = password.get();
        (!v.is_empty()).then(|| NewPassword::parse(&v).err().map(|e| i18n.t().password_error(e))).flatten().or_else(&server)
    })
}

/// Speaks only once the confirmation differs from a non-empty entry: an
/// empty confirmation is not yet a mistake.
pub fn confirm_problem(password: RwSignal<String>, confirm: RwSignal<String>) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || {
        let c = confirm.get();
        (!c.is_empty() && c != password.get()).then(|| i18n.t().passwords_differ.to_owned())
    })
}

/// Whether the password meets the policy and was typed the same twice.
pub fn passwords_ready(password: RwSignal<String>, confirm: RwSignal<String>) -> bool {
    NewPassword::parse(&password.get()).is_ok() && confirm.get() == password.get()
}
