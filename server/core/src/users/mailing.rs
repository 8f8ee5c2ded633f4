//! Issuing an invitation or reset link and the email that carries it: the link
//! is made, the email rendered from the templates and queued in the outbox in
//! the same transaction, when SMTP is on. With SMTP off nothing is queued and
//! no connection is opened; the link is returned to be shared by hand. An
//! earlier email of the same kind still waiting is cancelled: its link died.

use super::links::{self, Purpose};
use super::Users;
use crate::error::Result;
use crate::identity::User;
use crate::outbox::templates::{self, Context};
use crate::outbox::{enqueue, NewEmail};
use crate::storage::Tx;
use shared::invite::EmailDelivery;
use shared::outbox::EmailKind;

/// A link just made, and what happened to its email.
pub struct IssuedLink {
    pub url: String,
    pub expires_at: i64,
    pub delivery: EmailDelivery,
}

/// Makes a fresh link of `purpose` for `user` (the previous one dies at once),
/// queues the email carrying it when SMTP is on, and commits `tx` with
/// whatever the caller already wrote in it (a new pending user, say).
/// `inviter`: the address of whoever made it (kept with the link, for its
/// page to name), `None` for a "forgot password" link.
pub async fn issue_link(users: &Users, mut tx: Tx, user: &User, purpose: Purpose, inviter: Option<&str>) -> Result<IssuedLink> {
    let (kind, ttl, path) = match purpose {
        Purpose::Invite => (EmailKind::Invitation, users.emails.invite_ttl_secs, "invite"),
        Purpose::Reset => (EmailKind::Reset, users.emails.reset_ttl_secs, "reset"),
    };
    let issued = links::replace(&mut tx, user.id, purpose, ttl, inviter).await?;
    // The emails still carrying the link this one replaced would deliver it dead.
    crate::outbox::storage::cancel_replaced_link_emails(&mut tx, user.id, kind).await?;
    let url = users.public_url.link(&format!("{path}/{}", issued.secret));
    let email = LinkEmail { kind, to: user, inviter: inviter.unwrap_or(""), link: &url, secret: &issued.secret, expires_at: issued.expires_at };
    let delivery = queue_if_enabled(&mut tx, users, email).await?;
    tx.commit().await?;
    if delivery == EmailDelivery::Queued {
        users.wake.ring();
    }
    Ok(IssuedLink { url, expires_at: issued.expires_at, delivery })
}

struct LinkEmail<'a> {
    kind: EmailKind,
    to: &'a User,
    inviter: &'a str,
    link: &'a str,
    /// The link's secret, kept sealed beside the email (Users offers the link while it has not gone out).
    secret: &'a str,
    expires_at: i64,
}

/// Queues the email when SMTP is on; says what happened either way.
async fn queue_if_enabled(conn: &mut sqlx::AnyConnection, users: &Users, email: LinkEmail<'_>) -> Result<EmailDelivery> {
    // On the transaction: asking the pool while holding it could starve it (storage rule).
    if !crate::smtp::service::is_enabled(&mut *conn).await? {
        return Ok(EmailDelivery::SmtpDisabled);
    }
    // The person's own language, else the instance's.
    let language = email.to.language.unwrap_or(users.emails.language);
    // The names as they are now, read on the transaction: an account's users
    // hear of their account, and everyone of the host by its current name.
    let host = super::host_name::current(&mut *conn, &users.emails.organisation).await?;
    let account = match email.to.account_id {
        Some(id) => crate::identity::account(&mut *conn, id).await?,
        None => None,
    };
    // An account with its own sender speaks for itself (From, Reply-To),
    // while its addresses are still on the host's allowed domains; else the
    // email says the relay's From, as a host user's does.
    let voice = match account.as_ref().and_then(|a| a.sender.as_ref()) {
        Some(sender) => {
            let policy = super::sender_policy::current(&mut *conn, &users.emails.account_sender_domains).await?;
            match sender.parse(&policy.domains) {
                Ok(voice) => Some(voice),
                Err(why) => {
                    tracing::warn!(account = ?account.as_ref().map(|a| a.id), error = %why.message, "the account's sender is no longer allowed; the email says the host's From");
                    None
                }
            }
        }
        None => None,
    };
    let account = account.map(|a| a.name);
    let rendered = templates::render(
        email.kind,
        language,
        &Context {
            organisation: &host,
            account: account.as_deref(),
            inviter: email.inviter,
            role: templates::role_name(language, email.to.role),
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
        link_expires_at: email.expires_at,
        link_secret: email.secret.to_owned(),
        voice,
    };
    enqueue(conn, users.db.engine, &users.key, &new, &users.public_url.host()).await?;
    Ok(EmailDelivery::Queued)
}
