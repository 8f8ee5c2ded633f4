//! "History": who created, saved, switched, tested or removed the SMTP
//! configuration, and when, newest first; both relays' entries, on either
//! tab, the fallback's said to be its. From the audit log, which keeps field
//! names and test stages, never values.

use super::super::shell::with_data;
use super::super::widgets::local_time;
use super::Form;
use crate::i18n::{use_i18n, Texts};
use crate::server_fns::load_smtp_audit;
use leptos::prelude::*;
use shared::smtp::{RelayRole, SmtpAuditEntry, SmtpAuditEvent, TestStage};

#[component]
pub(super) fn History(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    // Reloaded after every save and switch (new settings) and every test on this page.
    let log = LocalResource::new(move || {
        form.settings.track();
        form.tests_run.track();
        load_smtp_audit()
    });
    view! {
        <section class="smtp-history">
            <h3>{move || i18n.t().history_title}</h3>
            {with_data(log, move |entries: Vec<SmtpAuditEntry>| {
                if entries.is_empty() {
                    return view! { <p class="empty">{move || i18n.t().history_empty}</p> }.into_any();
                }
                view! {
                    <table class="data" data-testid="smtp-history">
                        <thead>
                            <tr>
                                <th>{move || i18n.t().col_when}</th>
                                <th>{move || i18n.t().col_who}</th>
                                <th>{move || i18n.t().col_what}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {entries.into_iter().map(|entry| {
                                let SmtpAuditEntry { at, actor_email, relay, event } = entry;
                                view! {
                                    <tr>
                                        <td>{local_time(at)}</td>
                                        <td>{actor_email}</td>
                                        <td>{move || about(i18n.t(), relay, describe(i18n.t(), &event))}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            })}
        </section>
    }
}

/// The primary's entries read as they always did; the fallback's say whose they are.
fn about(t: &'static Texts, relay: RelayRole, what: String) -> String {
    match relay {
        RelayRole::Primary => what,
        RelayRole::Fallback => format!("{}{what}", t.history_fallback),
    }
}

fn describe(t: &'static Texts, event: &SmtpAuditEvent) -> String {
    match event {
        SmtpAuditEvent::Created => t.audit_created.to_owned(),
        SmtpAuditEvent::Saved { changed } if changed.is_empty() => t.audit_saved_unchanged.to_owned(),
        SmtpAuditEvent::Saved { changed } => (t.audit_saved)(&changed.iter().map(|f| field_label(t, f)).collect::<Vec<_>>().join(", ")),
        SmtpAuditEvent::Provisioned { changed } => (t.audit_provisioned)(&changed.iter().map(|f| field_label(t, f)).collect::<Vec<_>>().join(", ")),
        SmtpAuditEvent::Enabled => t.audit_enabled.to_owned(),
        SmtpAuditEvent::Disabled => t.audit_disabled.to_owned(),
        SmtpAuditEvent::Tested { stage: None } => t.audit_test_running.to_owned(),
        SmtpAuditEvent::Tested { stage: Some(TestStage::Sent) } => t.audit_test_sent.to_owned(),
        SmtpAuditEvent::Tested { stage: Some(stage) } => (t.audit_test_failed)(t.test_stage(*stage)),
        SmtpAuditEvent::Removed => t.audit_removed.to_owned(),
    }
}

/// A changed field under the label the form gives it.
fn field_label<'a>(t: &'static Texts, field: &'a str) -> &'a str {
    match field {
        "host" => t.smtp_host,
        "port" => t.smtp_port,
        "from_name" => t.from_name,
        "from_email" => t.from_email,
        "security" => t.encryption,
        "auth" => t.enable_auth,
        "username" => t.smtp_username,
        "password" => t.password,
        other => other,
    }
}
