//! Delivery health: whether email is getting out, as one state (`off`,
//! `idle`, `ok`, `degraded`, `failing`) that `GET /api/v1/delivery`,
//! `/metrics`, the console and the alert webhook all say.
//!
//! Everything it is computed from is in the database, so every instance
//! sharing it says the same: the outbox (what waits, what failed), the
//! relay's recent answers (`delivery_health`, one row every instance's
//! worker writes: `storage::record_sent` and `record_failure`) and the last
//! token check. `state::compute` turns those facts into the state; it is
//! pure, and its thresholds ([`HealthSettings`]) are settings, so the tests
//! need not wait five minutes.
//!
//! Each change of state is recorded once (`delivery_changes`, whose unique
//! `after_id` makes two instances that see the same change write one row)
//! by each instance's watch (`watch`), which also posts it to the alert
//! webhook (`webhook`): the instance that claims a change posts it, so one
//! message goes out per change however many instances run. A request only
//! reads: it says `since` from the last recorded change.

mod record;
pub mod service;
pub mod state;
pub(crate) mod storage;
mod token_check;
pub mod watch;
pub mod webhook;

pub use record::Recorder;

use crate::public_url::PublicUrl;
use crate::smtp::Smtp;
use crate::storage::Db;
use std::sync::Arc;
use std::time::Duration;

/// When delivery counts as degraded or failing, how often it is looked at,
/// and where changes are posted.
#[derive(Debug, Clone)]
pub struct HealthSettings {
    /// An email waiting longer than this makes delivery degraded (5 minutes).
    pub waiting_secs: i64,
    /// A failed attempt this recent makes delivery degraded (10 minutes).
    pub recent_failure_secs: i64,
    /// This many failed attempts in a row make delivery failing (3).
    pub failing_after: i64,
    /// With nothing sent for this long and nothing waiting, delivery is idle (a day).
    pub idle_after_secs: i64,
    /// How often each instance's watch records the state and posts changes (10 s).
    pub watch_every: Duration,
    /// How often an OAuth2 relay's token is asked for while it works (an hour).
    pub token_check_every: Duration,
    /// And while it fails (5 minutes), so a fix shows soon.
    pub token_retry_every: Duration,
    /// The alert webhook's first retry waits this long, then twice as long each time (2 s).
    pub webhook_retry_base: Duration,
    /// `GATEHOUSE_ALERT_WEBHOOK_URL`.
    pub webhook: Option<webhook::WebhookUrl>,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            waiting_secs: 5 * 60,
            recent_failure_secs: 10 * 60,
            failing_after: 3,
            idle_after_secs: 24 * 3600,
            watch_every: Duration::from_secs(10),
            token_check_every: Duration::from_secs(3600),
            token_retry_every: Duration::from_secs(300),
            webhook_retry_base: Duration::from_secs(2),
            webhook: None,
        }
    }
}

/// What delivery health needs: the database, its thresholds, the console's
/// URL (named in webhook messages), the webhook, if one is set, and the SMTP
/// capability, which checks the OAuth2 token.
#[derive(Clone)]
pub struct Delivery {
    pub(crate) db: Db,
    pub(crate) smtp: Smtp,
    pub(crate) settings: Arc<HealthSettings>,
    pub(crate) public_url: PublicUrl,
    pub(crate) webhook: Option<webhook::Webhook>,
}

impl Delivery {
    pub fn new(db: Db, settings: HealthSettings, public_url: PublicUrl, smtp: Smtp) -> Self {
        let webhook = settings.webhook.clone().map(webhook::Webhook::new);
        Self { db, smtp, settings: Arc::new(settings), public_url, webhook }
    }
}
