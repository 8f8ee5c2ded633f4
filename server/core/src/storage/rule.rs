//! Checks the storage rule (see [`super`]): no task asks for a connection
//! while it holds a write transaction.
//!
//! Each request and the outbox worker run inside [`scope`], which counts the
//! transactions the task holds. `Db::reads`, `Db::writes` and `Db::begin`
//! call [`check`], which panics when that count is not zero: the code path
//! is wrong on every run, so the tests that walk it fail, instead of the pool
//! starving only under production load. Outside a scope (unit tests, the CLI)
//! nothing is counted.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static HELD: Cell<u32>;
}

/// Runs `work` with the rule checked for it.
pub async fn scope<F: Future>(work: F) -> F::Output {
    HELD.scope(Cell::new(0), work).await
}

pub(super) fn check(call: &str) {
    let held = HELD.try_with(Cell::get).unwrap_or(0);
    assert!(held == 0, "storage rule broken: {call} called while this task holds a write transaction (read through the transaction instead)");
}

/// Marks one write transaction as held by the current task, until dropped.
pub(super) struct Holding;

impl Holding {
    pub(super) fn start() -> Self {
        let _ = HELD.try_with(|h| h.set(h.get() + 1));
        Holding
    }
}

impl Drop for Holding {
    fn drop(&mut self) {
        let _ = HELD.try_with(|h| h.set(h.get().saturating_sub(1)));
    }
}
