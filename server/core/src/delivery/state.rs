//! From the facts in the database to one state. Pure: the time is given, so
//! each threshold is tested here rather than waited for.

use super::HealthSettings;
use shared::delivery::{DeliveryFailure, DeliveryState, TokenCheck, TokenState};

/// What the state is computed from, as read from the database.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// SMTP is switched on.
    pub enabled: bool,
    /// When the SMTP configuration was last saved or switched: failures and
    /// token checks from before belong to another configuration and no
    /// longer count (a fixed password clears `failing` without waiting for
    /// the next email).
    pub config_since: i64,
    pub last_sent_at: Option<i64>,
    /// When the fallback relay last took an email (the primary was failing).
    pub last_fallback_at: Option<i64>,
    pub last_failure: Option<DeliveryFailure>,
    /// Attempts that failed since the last one that did not.
    pub failures_in_a_row: i64,
    /// Emails queued, retrying or being sent.
    pub waiting: i64,
    /// When the oldest of them was queued.
    pub oldest_waiting_since: Option<i64>,
    pub token: Option<TokenCheck>,
}

impl Facts {
    /// The last failure, if it was made with the configuration in force.
    fn current_failure(&self) -> Option<&DeliveryFailure> {
        self.last_failure.as_ref().filter(|f| f.at >= self.config_since)
    }

    /// The token check, if it was made with the configuration in force.
    pub fn current_token(&self) -> Option<&TokenCheck> {
        self.token.as_ref().filter(|t| t.checked_at >= self.config_since)
    }

    pub fn oldest_waiting_seconds(&self, now: i64) -> i64 {
        self.oldest_waiting_since.map_or(0, |since| (now - since).max(0))
    }
}

/// The state: `off` while SMTP is off; `failing` when the last
/// `failing_after` attempts all failed or the token check failed;
/// `degraded` when the last attempt failed, one failed or went through the
/// fallback relay within `recent_failure_secs`, or an email has waited over
/// `waiting_secs`; `ok`
/// while something waits or was sent within `idle_after_secs`; else `idle`.
pub fn compute(facts: &Facts, settings: &HealthSettings, now: i64) -> DeliveryState {
    if !facts.enabled {
        return DeliveryState::Off;
    }
    let failure = facts.current_failure();
    let streak = if failure.is_some() { facts.failures_in_a_row } else { 0 };
    let token_failing = facts.current_token().is_some_and(|t| t.state == TokenState::Failing);
    if token_failing || streak >= settings.failing_after {
        return DeliveryState::Failing;
    }
    let failed_recently = failure.is_some_and(|f| f.at > now - settings.recent_failure_secs);
    // Delivered, but only because the primary failed: someone should look.
    let fell_back_recently = facts.last_fallback_at.is_some_and(|at| at >= facts.config_since && at > now - settings.recent_failure_secs);
    if streak > 0 || failed_recently || fell_back_recently || facts.oldest_waiting_seconds(now) > settings.waiting_secs {
        return DeliveryState::Degraded;
    }
    let sent_recently = facts.last_sent_at.is_some_and(|at| at > now - settings.idle_after_secs);
    if facts.waiting > 0 || sent_recently {
        DeliveryState::Ok
    } else {
        DeliveryState::Idle
    }
}

/// What a change to `state` says went wrong: the last failure's stage and
/// words, or the token check's; nothing for a healthy state.
pub fn cause(facts: &Facts, state: DeliveryState, now: i64) -> Option<(Option<shared::smtp::TestStage>, String)> {
    if !state.is_trouble() {
        return None;
    }
    if let Some(TokenCheck { state: TokenState::Failing, error, .. }) = facts.current_token() {
        return Some((Some(shared::smtp::TestStage::Token), error.clone().unwrap_or_default()));
    }
    if let Some(f) = facts.current_failure() {
        return Some((f.stage, f.message.clone()));
    }
    if facts.last_fallback_at.is_some_and(|at| at >= facts.config_since) && facts.oldest_waiting_seconds(now) == 0 {
        return Some((None, "the fallback relay is carrying the email: the primary relay failed".to_owned()));
    }
    // Degraded by a long wait alone.
    Some((None, format!("an email has waited {} minutes", facts.oldest_waiting_seconds(now) / 60)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::smtp::TestStage;

    const NOW: i64 = 1_000_000;

    fn on() -> Facts {
        Facts { enabled: true, config_since: NOW - 7200, ..Facts::default() }
    }

    fn failed(at: i64, in_a_row: i64) -> Facts {
        let failure = DeliveryFailure { at, stage: Some(TestStage::Auth), message: "535 no".into() };
        Facts { last_failure: Some(failure), failures_in_a_row: in_a_row, ..on() }
    }

    fn state(f: &Facts) -> DeliveryState {
        compute(f, &HealthSettings::default(), NOW)
    }

    #[test]
    fn off_wins_over_everything() {
        assert_eq!(state(&Facts { enabled: false, ..failed(NOW, 9) }), DeliveryState::Off);
    }

    #[test]
    fn idle_until_something_is_sent_or_waits() {
        assert_eq!(state(&on()), DeliveryState::Idle);
        assert_eq!(state(&Facts { last_sent_at: Some(NOW - 60), ..on() }), DeliveryState::Ok);
        assert_eq!(state(&Facts { last_sent_at: Some(NOW - 24 * 3600), ..on() }), DeliveryState::Idle);
        assert_eq!(state(&Facts { waiting: 1, oldest_waiting_since: Some(NOW - 10), ..on() }), DeliveryState::Ok);
    }

    #[test]
    fn a_failure_degrades_and_three_in_a_row_fail() {
        assert_eq!(state(&failed(NOW - 1, 1)), DeliveryState::Degraded);
        assert_eq!(state(&failed(NOW - 1, 2)), DeliveryState::Degraded);
        assert_eq!(state(&failed(NOW - 1, 3)), DeliveryState::Failing);
        // Recovered (a success since), with the failure still recent: degraded, for 10 minutes.
        let recovered = Facts { last_sent_at: Some(NOW), ..failed(NOW - 599, 0) };
        assert_eq!(state(&recovered), DeliveryState::Degraded);
        let later = Facts { last_sent_at: Some(NOW), ..failed(NOW - 600, 0) };
        assert_eq!(state(&later), DeliveryState::Ok);
    }

    #[test]
    fn email_through_the_fallback_relay_is_delivered_but_degraded() {
        let fell_back = |at| Facts { last_sent_at: Some(at), last_fallback_at: Some(at), ..on() };
        assert_eq!(state(&fell_back(NOW - 1)), DeliveryState::Degraded);
        assert_eq!(state(&fell_back(NOW - 600)), DeliveryState::Ok, "the primary has carried the email again for 10 minutes");
        let cause = cause(&fell_back(NOW - 1), DeliveryState::Degraded, NOW).expect("a cause");
        assert!(cause.1.contains("fallback relay"), "{cause:?}");
    }

    #[test]
    fn a_long_wait_degrades() {
        let waiting = |secs| Facts { waiting: 2, oldest_waiting_since: Some(NOW - secs), ..on() };
        assert_eq!(state(&waiting(300)), DeliveryState::Ok);
        assert_eq!(state(&waiting(301)), DeliveryState::Degraded);
    }

    #[test]
    fn failures_and_token_checks_before_a_new_configuration_do_not_count() {
        let old = Facts { config_since: NOW - 5, ..failed(NOW - 10, 5) };
        assert_eq!(state(&old), DeliveryState::Idle);
        let token = |checked_at| TokenCheck { state: TokenState::Failing, checked_at, expires_at: None, error: Some("invalid_client".into()) };
        assert_eq!(state(&Facts { token: Some(token(NOW - 1)), ..on() }), DeliveryState::Failing);
        assert_eq!(state(&Facts { token: Some(token(NOW - 1)), config_since: NOW, ..on() }), DeliveryState::Idle);
        let f = Facts { token: Some(token(NOW - 1)), ..on() };
        assert_eq!(cause(&f, DeliveryState::Failing, NOW), Some((Some(TestStage::Token), "invalid_client".into())));
    }

    #[test]
    fn the_thresholds_are_settings() {
        let quick = HealthSettings { failing_after: 1, recent_failure_secs: 1, ..HealthSettings::default() };
        assert_eq!(compute(&failed(NOW - 1, 1), &quick, NOW), DeliveryState::Failing);
        let recovered = Facts { last_sent_at: Some(NOW), ..failed(NOW - 1, 0) };
        assert_eq!(compute(&recovered, &quick, NOW), DeliveryState::Ok);
    }
}
