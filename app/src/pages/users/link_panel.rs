//! The result of making a link: whether an email went out, the link itself to
//! copy, and when it stops working. With SMTP off the admin is the mail
//! carrier, so the link is always shown, never only emailed.

use super::super::widgets::local_time;
use crate::i18n::{use_i18n, Texts};
use leptos::html;
use leptos::prelude::*;
use shared::invite::{EmailDelivery, InvitationCreated, InvitationLink, ResetLink};

/// What the link is for; it decides the sentences and the label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Invitation,
    /// A replacement invitation: the previous link has just died.
    NewInvitation,
    Reset,
}

/// A link just made for one user, in the shape the panel shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedLink {
    pub purpose: Purpose,
    pub email: String,
    pub link: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub delivery: EmailDelivery,
}

impl IssuedLink {
    pub fn invitation(made: InvitationCreated) -> Self {
        Self { purpose: Purpose::Invitation, email: made.user.email.to_string(), link: made.invitation_link, expires_at: made.expires_at, delivery: made.email }
    }

    pub fn new_invitation(email: String, made: InvitationLink) -> Self {
        Self { purpose: Purpose::NewInvitation, email, link: made.invitation_link, expires_at: made.expires_at, delivery: made.email }
    }

    pub fn reset(email: String, made: ResetLink) -> Self {
        Self { purpose: Purpose::Reset, email, link: made.reset_link, expires_at: made.expires_at, delivery: made.email }
    }
}

#[component]
pub fn LinkPanel(link: IssuedLink, on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let IssuedLink { purpose, email, link, expires_at, delivery } = link;
    let headline = move || {
        let t = i18n.t();
        match (delivery, purpose) {
            (EmailDelivery::SmtpDisabled, _) => t.smtp_off_copy.to_owned(),
            (EmailDelivery::Queued, Purpose::Invitation) => (t.invite_sent)(&email),
            (EmailDelivery::Queued, Purpose::NewInvitation) => (t.new_invite_sent)(&email),
            (EmailDelivery::Queued, Purpose::Reset) => (t.reset_sent)(&email),
        }
    };
    // The emailed sentence already says the old link died; without an email it must be said here.
    let old_link_dead =
        (purpose == Purpose::NewInvitation && delivery == EmailDelivery::SmtpDisabled).then(|| view! { <p>{move || i18n.t().previous_link_dead}</p> });
    let (label, testid): (fn(&Texts) -> &'static str, &'static str) = match purpose {
        Purpose::Reset => (|t| t.reset_link, "reset-link"),
        Purpose::Invitation | Purpose::NewInvitation => (|t| t.invitation_link, "invitation-link"),
    };
    // Formatted once: the browser's locale does not change while the panel is open.
    let expires = local_time(expires_at);
    // None until Copy is pressed; then whether the clipboard took the link.
    let copied = RwSignal::new(None::<bool>);
    let input = NodeRef::<html::Input>::new();
    let to_copy = link.clone();
    let copy = move |_| {
        copied.set(None);
        copy_to_clipboard(&to_copy, move |ok| {
            if !ok {
                // The browser would not let us write; leave the link ready for the keyboard.
                select_all(input);
            }
            copied.set(Some(ok));
        });
    };
    // The button that led here may be far below, or gone (the invite form
    // closes): the result takes the focus, which also scrolls it into view if needed.
    Effect::new(move || focus(input));
    view! {
        <section class="panel link-panel" data-testid="link-panel">
            <p class="lead" role="status">{headline}</p>
            {old_link_dead}
            <div class="field">
                <label for="issued-link">{move || label(i18n.t())}</label>
                <div class="copy-row">
                    <input id="issued-link" type="text" readonly=true data-testid=testid node_ref=input prop:value=link/>
                    <button type="button" on:click=copy>{move || i18n.t().copy}</button>
                </div>
                <p class="copy-status" class:fallback=move || copied.get() == Some(false) aria-live="polite" data-testid="copy-status">
                    {move || copied.get().map(|ok| if ok { i18n.t().copied } else { i18n.t().press_ctrl_c })}
                </p>
            </div>
            <p class="muted">{move || (i18n.t().link_expires)(&expires)}</p>
            <div class="actions">
                <button type="button" on:click=move |_| on_close.run(())>{move || i18n.t().close}</button>
            </div>
        </section>
    }
}

/// Puts `text` on the clipboard and calls `done` with whether that worked.
#[cfg(feature = "csr")]
fn copy_to_clipboard(text: &str, done: impl Fn(bool) + 'static) {
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsValue;
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return done(false);
    };
    // `navigator.clipboard` is missing outside secure contexts (plain http to
    // a LAN address, say); calling through it would throw.
    let present = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard")).is_ok_and(|c| !c.is_undefined());
    if !present {
        return done(false);
    }
    let done = Rc::new(done);
    let on_ok = {
        let done = done.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |_| done(true))
    };
    let on_err = Closure::<dyn FnMut(JsValue)>::new(move |_| done(false));
    let _ = navigator.clipboard().write_text(text).then2(&on_ok, &on_err);
    // The promise settles after this returns, so JS must own the two
    // callbacks; they are a few bytes per click.
    on_ok.forget();
    on_err.forget();
}

/// Outside the browser there is no clipboard.
#[cfg(not(feature = "csr"))]
fn copy_to_clipboard(_text: &str, done: impl Fn(bool) + 'static) {
    done(false)
}

#[cfg(feature = "csr")]
fn select_all(input: NodeRef<html::Input>) {
    if let Some(el) = input.get_untracked() {
        let _ = el.focus();
        el.select();
    }
}

#[cfg(not(feature = "csr"))]
fn select_all(_input: NodeRef<html::Input>) {}

#[cfg(feature = "csr")]
fn focus(input: NodeRef<html::Input>) {
    if let Some(el) = input.get() {
        let _ = el.focus();
    }
}

#[cfg(not(feature = "csr"))]
fn focus(_input: NodeRef<html::Input>) {}
