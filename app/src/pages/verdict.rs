//! The server's word on a form, kept with what the form sent. A complaint
//! about a field stands while the field still shows the value the server
//! judged, and goes the moment that field is edited. Every form follows this
//! rule, so it is written once, here.

use leptos::prelude::*;
use shared::api::ApiError;

/// What a form last sent, with the server's refusal of it (if it refused).
pub struct Verdict<R: Send + Sync + 'static> {
    refused: RwSignal<Option<(R, ApiError)>>,
}

impl<R: Send + Sync + 'static> Clone for Verdict<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R: Send + Sync + 'static> Copy for Verdict<R> {}

impl<R: Clone + Send + Sync + 'static> Verdict<R> {
    pub fn new() -> Self {
        Self { refused: RwSignal::new(None) }
    }

    /// Records the server's answer to `sent`: its refusal, or none.
    pub fn answer<T>(&self, sent: R, result: &Result<T, ApiError>) {
        self.refused.set(result.as_ref().err().map(|e| (sent, e.clone())));
    }

    /// The server's complaint about `field`, while `unchanged` says the form
    /// still shows what was sent for it.
    pub fn on(&self, field: &str, unchanged: impl Fn(&R) -> bool) -> Option<String> {
        self.refused.with(|r| {
            let (sent, error) = r.as_ref()?;
            let complaint = error.fields.get(field)?;
            unchanged(sent).then(|| complaint.clone())
        })
    }

    /// The whole refusal, to branch on its code.
    pub fn error(&self) -> Option<ApiError> {
        self.refused.with(|r| r.as_ref().map(|(_, e)| e.clone()))
    }
}
