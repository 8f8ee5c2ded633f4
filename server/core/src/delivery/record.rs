//! What the outbox worker tells delivery health of each attempt: the
//! relay's answer, written to the row every instance reads.

use super::storage;
use crate::error::Result;
use crate::storage::{now, Db};
use shared::smtp::TestStage;
use std::time::{Duration, Instant};

/// A run of deliveries need not write a row per email: a success is written
/// again only after [`SUCCESS_EVERY`], unless something failed in between
/// (the drain went from about 1,550 emails/s; one more write each would
/// cost a good part of that). So `last_sent_at` may be up to a second old.
const SUCCESS_EVERY: Duration = Duration::from_secs(1);

/// One per worker round.
#[derive(Default)]
pub struct Recorder {
    success_written: Option<Instant>,
    fallback_written: Option<Instant>,
}

impl Recorder {
    /// A relay took an email: the fallback relay when `by_fallback` (each
    /// kind of success is written at most every [`SUCCESS_EVERY`]).
    pub async fn sent(&mut self, db: &Db, by_fallback: bool) -> Result<()> {
        let written = if by_fallback { &mut self.fallback_written } else { &mut self.success_written };
        if written.is_some_and(|at| at.elapsed() < SUCCESS_EVERY) {
            return Ok(());
        }
        storage::record_sent(db.writes(), now(), by_fallback).await?;
        *written = Some(Instant::now());
        Ok(())
    }

    /// The relay (or the way to it) refused an email, at `stage` when known.
    pub async fn failed(&mut self, db: &Db, stage: Option<TestStage>, message: &str) -> Result<()> {
        self.success_written = None;
        self.fallback_written = None;
        storage::record_failure(db.writes(), now(), stage, message).await
    }
}
