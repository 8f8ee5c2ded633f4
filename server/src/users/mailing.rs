//! The emails that carry invitation and reset links: rendered from the
//! templates and queued in the outbox inside the caller's transaction, when
//! SMTP is on. With SMTP off nothing is queued and no connection is opened.

use crate::error::Result;
use crate::outbox::storage::Kind;
use crate::outbox::templates::{self, Context};
use crate::outbox::{enqueue, NewEmail};
use crate::state::AppState;
use crate::users::User;
use shared::invite::EmailDelivery;

pub struct LinkEmail<'a> {
    pub kind: Kind,
    pub to: &'a User,
    pub inviter: &'a str,
    pub link: &'a str,
    pub expires_at: i64,
}

/// Queues the email when SMTP is on; says what happened either way.
pub async fn queue_if_enabled(conn: &mut sqlx::AnyConnection, state: &AppState, email: LinkEmail<'_>) -> Result<EmailDelivery> {
    if !crate::smtp::service::is_enabled(&state.db.pool).await? {
        return Ok(EmailDelivery::SmtpDisabled);
    }
    let language = state.emails.language;
    let template = match email.kind {
        Kind::Invitation => "invitation",
        Kind::Reset => "reset",
    };
    let rendered = templates::render(
        template,
        language,
        &Context {
            organisation: &state.emails.organisation,
            inviter: email.inviter,
            role: language.role(email.to.role),
            recipient: email.to.email.as_str(),
            link: email.link,
            expires: &templates::expiry(email.expires_at),
        },
    )?;
    let new = NewEmail {
        kind: email.kind,
        user_id: email.to.id,
        to: email.to.email.to_string(),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
    };
    enqueue(conn, state.db.engine, &new, &state.public_url.host()).await?;
    Ok(EmailDelivery::Queued)
}
