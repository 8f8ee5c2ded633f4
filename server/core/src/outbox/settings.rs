//! How invitation and reset emails are written, how long their links live,
//! and how hard the worker tries to deliver them.

/// How invitation and reset emails are written, and how long their links live.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// The host's (organisation's) name, as emails say it.
    pub organisation: String,
    /// The domains account senders may use, until host admins set them (`GATEHOUSE_ACCOUNT_SENDER_DOMAINS`; none: any).
    pub account_sender_domains: shared::account::SenderDomains,
    pub language: shared::Language,
    pub invite_ttl_secs: i64,
    pub reset_ttl_secs: i64,
    /// Delay before the first retry of a failed delivery (then ×4 each time).
    pub retry_base_secs: i64,
    /// Attempts before an email is given up as failed.
    pub max_attempts: i64,
    /// How long a worker holds a claimed email; longer than one delivery takes.
    pub lease_secs: i64,
    /// SMTP sessions the worker holds to the relay at once (`GATEHOUSE_RELAY_SESSIONS`).
    pub relay_sessions: usize,
    /// How long a finished email's delivery history is kept.
    pub retention_secs: i64,
    /// Anonymous "forgot password" emails the whole instance sends per hour at most.
    pub reset_emails_per_hour: i64,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            organisation: "Gatehouse".into(),
            account_sender_domains: Default::default(),
            language: shared::Language::En,
            invite_ttl_secs: 7 * 24 * 3600,
            reset_ttl_secs: 3600,
            retry_base_secs: 30,
            max_attempts: 8,
            lease_secs: 120,
            relay_sessions: 1,
            retention_secs: 90 * 24 * 3600,
            reset_emails_per_hour: 100,
        }
    }
}
