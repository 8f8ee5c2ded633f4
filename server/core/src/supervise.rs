//! Background tasks that outlive a bug: the delivery worker, the maintenance
//! sweeps and the storage watch each run under [`supervise`]. A task that
//! panics is logged at ERROR, counted in `/metrics`
//! (`gatehouse_task_restarts_total{task}`) and started again after a pause
//! that doubles with each panic in a row, up to [`LONGEST_PAUSE`]; so one
//! bad input can never stop email delivery until a restart, and a task that
//! panics at once every time cannot spin. A task that returns has ended on
//! purpose (shutdown), and so does its supervision.

use std::any::Any;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The pause before the first restart.
pub const FIRST_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause between restarts.
pub const LONGEST_PAUSE: Duration = Duration::from_secs(60);

/// Runs `start()`'s task until it returns or `shutdown` says stop,
/// restarting it after each panic. `task` names it in the log and the metric.
pub fn supervise<F, Fut>(task: &'static str, mut shutdown: watch::Receiver<bool>, mut start: F) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    crate::metrics::METRICS.task_supervised(task);
    tokio::spawn(async move {
        let mut pause = FIRST_PAUSE;
        loop {
            let started = Instant::now();
            // Its own task, so that a panic unwinds that task only and reaches us as a JoinError.
            let why = match tokio::spawn(start()).await {
                Ok(()) => return,
                Err(e) if e.is_panic() => panic_message(e.into_panic()),
                // Cancelled: the runtime is shutting down.
                Err(_) => return,
            };
            // A task that ran well for a long time before this panic starts over from the first pause.
            if started.elapsed() > LONGEST_PAUSE {
                pause = FIRST_PAUSE;
            }
            crate::metrics::METRICS.task_restarted(task);
            tracing::error!(task, panic = %why, restart_in_secs = pause.as_secs(), "a background task panicked; restarting it");
            if *shutdown.borrow() {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => return,
            }
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
    })
}

/// What the task panicked with, when it is text (as `panic!` and `expect` give).
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload.downcast_ref::<&str>().map_or_else(|| "(not a text)".to_owned(), |text| (*text).to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    /// The first run panics; the supervisor starts a second, which runs
    /// until shutdown; shutdown ends the supervision.
    #[tokio::test]
    async fn a_task_that_panics_is_restarted_and_ends_at_shutdown() {
        let (stop, stopping) = watch::channel(false);
        let (running, mut second_run) = tokio::sync::mpsc::unbounded_channel();
        let runs = Arc::new(AtomicU32::new(0));
        let before = crate::metrics::METRICS.task_restarts("supervise_test");
        let supervision = {
            let (runs, stopping) = (runs.clone(), stopping.clone());
            supervise("supervise_test", stopping.clone(), move || {
                let (runs, running, mut stopping) = (runs.clone(), running.clone(), stopping.clone());
                async move {
                    if runs.fetch_add(1, Ordering::SeqCst) == 0 {
                        panic!("the first run panics");
                    }
                    let _ = running.send(());
                    let _ = stopping.wait_for(|stop| *stop).await;
                }
            })
        };
        let restarted = tokio::time::timeout(FIRST_PAUSE * 10, second_run.recv()).await;
        assert!(matches!(restarted, Ok(Some(()))), "the task was not started again after its panic");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(crate::metrics::METRICS.task_restarts("supervise_test"), before + 1);

        stop.send(true).unwrap();
        let ended = tokio::time::timeout(Duration::from_secs(10), supervision).await;
        assert!(matches!(ended, Ok(Ok(()))), "a clean exit ends the supervision");
        assert_eq!(runs.load(Ordering::SeqCst), 2, "and nothing is restarted after it");
    }

    #[test]
    fn panics_are_told_in_their_own_words() {
        assert_eq!(panic_message(Box::new("static words")), "static words");
        assert_eq!(panic_message(Box::new(String::from("formatted words"))), "formatted words");
        assert_eq!(panic_message(Box::new(42)), "(not a text)");
    }
}
