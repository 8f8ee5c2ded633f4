//! "Send test email": tries the form's values, saved or not, against the relay
//! and says how far it got, with hints for the usual mistakes.

use super::{Form, Refusal};
use crate::i18n::{use_i18n, Texts};
use leptos::prelude::*;
use shared::api::Me;
use shared::oauth::OAuthDraft;
use shared::smtp::{Security, SmtpDraft, TestReport, TestStage};

#[component]
pub(super) fn TestSend(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let me = use_context::<Me>();
    // The outcome keeps the draft it tested: hints are about what was sent, not what is typed since.
    let test = Action::new_local(move |d: &SmtpDraft| {
        let d = d.clone();
        async move {
            let result = super::relay::test(form.role, d.clone()).await.map_err(|e| e.0);
            form.verdict.answer(d.clone(), &result);
            form.tests_run.update(|n| *n += 1);
            (d, result)
        }
    });
    let pending = test.pending();
    let on_click = move |_| {
        if let Some(d) = form.attempt() {
            test.dispatch(d);
        }
    };
    // An old verdict would read as the answer to the running test: hide it meanwhile.
    let outcome = move || if pending.get() { None } else { test.value().get() };
    let class = move || match outcome() {
        Some((_, Ok(r))) if r.ok => "verdict ok",
        Some((_, Ok(_))) => "verdict fail",
        _ => "verdict",
    };
    view! {
        <section class="test-send">
            <div class="actions">
                <button type="button" on:click=on_click disabled=move || pending.get()>
                    {move || i18n.t().send_test}
                </button>
                {move || pending.get().then(|| view! {
                    <span class="loading" role="status" aria-live="polite">{move || i18n.t().sending_test}</span>
                })}
            </div>
            <div class=class data-testid="smtp-test-verdict">
                {move || outcome().map(|(draft, result)| match result {
                    Ok(report) => view! { <Verdict report draft/> }.into_any(),
                    // The test could not even run (invalid draft, rate limit, …).
                    Err(e) => view! { <Refusal error=e/> }.into_any(),
                })}
            </div>
            {me.map(|me| {
                let email = me.email.to_string();
                view! { <p class="hint">{move || (i18n.t().test_goes_to)(&email)}</p> }
            })}
        </section>
    }
}

/// The relay's answer to a test that ran.
#[component]
fn Verdict(report: TestReport, draft: SmtpDraft) -> impl IntoView {
    let i18n = use_i18n();
    let TestReport { ok, stage, message, server_reply, recipient, elapsed_ms } = report;
    let graph = draft.is_graph();
    let code = server_reply.clone().unwrap_or_default();
    let reply = server_reply.map(|reply| {
        view! {
            <p class="reply-label">{move || if graph { i18n.t().graph_replied } else { i18n.t().relay_replied }}</p>
            <pre class="reply"><code>{reply}</code></pre>
        }
    });
    if ok {
        return view! {
            <p><strong>{move || (i18n.t().test_sent)(&recipient, elapsed_ms)}</strong></p>
            {reply}
        }
        .into_any();
    }
    view! {
        <p><strong>{move || i18n.t().test_stage(stage)}</strong></p>
        <p>{message}</p>
        {reply}
        <p class="muted">{move || (i18n.t().test_failed_after)(elapsed_ms)}</p>
        <ul class="hint">
            {move || hints(i18n.t(), &draft, stage, &code).into_iter().map(|h| view! { <li>{h}</li> }).collect_view()}
        </ul>
    }
    .into_any()
}

/// Common mistakes the tested draft itself shows, and for Graph what its
/// error code (at the start of `reply`) usually means.
fn hints(t: &'static Texts, d: &SmtpDraft, stage: TestStage, reply: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    if d.is_graph() {
        let says = |code: &str| reply.contains(code);
        match stage {
            TestStage::Token => out.push(t.hint_graph_token),
            TestStage::Send if says("ErrorAccessDenied") => out.push(t.hint_graph_denied),
            TestStage::Send if says("MailboxNotEnabledForRESTAPI") || says("MailboxNotSupportedForRESTAPI") => out.push(t.hint_graph_mailbox),
            TestStage::Send if says("ErrorInvalidUser") || says("ResourceNotFound") => out.push(t.hint_graph_user),
            TestStage::Send if reply.starts_with("429") => out.push(t.hint_graph_throttled),
            _ => {}
        }
        return out;
    }
    if d.port == 465 && d.security != Security::Ssl {
        out.push(t.hint_465_ssl);
    }
    if d.port == 587 && d.security != Security::StartTls {
        out.push(t.hint_587_starttls);
    }
    match (stage, &d.oauth) {
        (TestStage::Auth, None) => out.push(t.hint_app_password),
        (TestStage::Auth, Some(OAuthDraft::Microsoft365 { .. })) => out.push(t.hint_microsoft_auth),
        (TestStage::Auth, Some(OAuthDraft::Google { .. })) => out.push(t.hint_google_auth),
        (TestStage::Token, Some(OAuthDraft::Microsoft365 { .. })) => out.push(t.hint_microsoft_token),
        (TestStage::Token, Some(OAuthDraft::Google { .. })) => out.push(t.hint_google_token),
        _ => {}
    }
    out
}
