//! The result of making a link: whether an email went out, the link itself to
//! copy, and when it stops working. With SMTP off the admin is the mail
//! carrier, so the link is always shown, never only emailed; while delivery
//! is failing the panel says the queued email is not getting out.

use super::super::copy_field::CopyField;
use super::super::widgets::local_time;
use crate::i18n::{use_i18n, Texts};
use leptos::prelude::*;
use shared::delivery::DeliveryState;
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
    // Queued while the relay refuses everything: the admin had better carry this one too.
    let refused = (delivery == EmailDelivery::Queued).then(|| {
        let health = LocalResource::new(|| async { crate::server_fns::load_delivery_health().await });
        move || {
            health.get().and_then(Result::ok).filter(|h| h.state == DeliveryState::Failing).map(|_| {
                view! { <p class="note" role="alert" data-testid="relay-refusing">{move || i18n.t().delivery_failing_copy}</p> }
            })
        }
    });
    // Formatted once: the browser's locale does not change while the panel is open.
    let expires = local_time(expires_at);
    view! {
        <section class="panel link-panel" data-testid="link-panel">
            <p class="lead" role="status">{headline}</p>
            {old_link_dead}
            {refused}
            <CopyField label=Signal::derive(move || label(i18n.t())) id="issued-link" testid=testid value=link/>
            <p class="muted">{move || (i18n.t().link_expires)(&expires)}</p>
            <div class="actions">
                <button type="button" on:click=move |_| on_close.run(())>{move || i18n.t().close}</button>
            </div>
        </section>
    }
}
