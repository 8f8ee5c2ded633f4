//! Host settings → Backup and restore: the automatic backups (where, how
//! often, the files, a failure), "Create backup" (the file, to save) and the
//! backup key (shown, or replaced), both after the admin's password. A
//! restore is the operator's, on the server (`gatehouse restore`).

use super::copy_field::CopyField;
use super::shell::with_data;
use super::widgets::{local_time, ErrorNote, Field};
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::server_fns::{create_backup, load_backup_overview, reset_backup_key, show_backup_key};
use leptos::prelude::*;
use shared::backup::{AutomaticBackups, BackupDownload, BackupKeyShown};

#[component]
pub fn BackupPage() -> impl IntoView {
    let i18n = use_i18n();
    let overview = LocalResource::new(|| async { load_backup_overview().await });
    view! {
        <h2>{move || i18n.t().backup_title}</h2>
        <p>{move || i18n.t().backup_intro}</p>
        <section class="panel">
            <h3>{move || i18n.t().backup_auto_title}</h3>
            {with_data(overview, move |overview| match overview.automatic {
                Some(automatic) => view! { <Automatic automatic=automatic/> }.into_any(),
                None => view! { <p data-testid="backup-auto-off">{move || i18n.t().backup_auto_off}</p> }.into_any(),
            })}
        </section>
        <Confirmed/>
    }
}

#[component]
fn Automatic(automatic: AutomaticBackups) -> impl IntoView {
    let i18n = use_i18n();
    let AutomaticBackups { dir, interval_hours, keep, files, last_failure, .. } = automatic;
    view! {
        <p>{move || (i18n.t().backup_auto_facts)(&dir, interval_hours, keep)}</p>
        {last_failure.map(|failure| view! {
            <div class="error" role="alert" data-testid="backup-auto-failed">
                <strong>{move || i18n.t().backup_auto_failed}</strong>" "{local_time(failure.at)}": "{failure.message}
            </div>
        })}
        {if files.is_empty() {
            view! { <p class="empty">{move || i18n.t().backup_auto_none}</p> }.into_any()
        } else {
            view! {
                <table class="data" data-testid="backup-files">
                    <thead><tr>
                        <th>{move || i18n.t().col_name}</th>
                        <th>{move || i18n.t().col_taken}</th>
                        <th>{move || i18n.t().col_size}</th>
                    </tr></thead>
                    <tbody>
                        {files.into_iter().map(|f| view! {
                            <tr><td>{f.name}</td><td>{local_time(f.taken_at)}</td><td>{size(f.size)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }}
    }
}

/// What needs the password typed again: a backup file, the key, a new key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ask {
    Backup,
    ShowKey,
    ResetKey,
}

#[derive(Clone)]
enum Got {
    File(BackupDownload),
    Key(BackupKeyShown, bool),
}

#[component]
fn Confirmed() -> impl IntoView {
    let i18n = use_i18n();
    let password = RwSignal::new(String::new());
    let confirming_reset = RwSignal::new(false);
    let act = Action::new_local(move |ask: &Ask| {
        let (ask, password) = (*ask, password.get_untracked());
        async move {
            match ask {
                Ask::Backup => create_backup(password).await.map(Got::File),
                Ask::ShowKey => show_backup_key(password).await.map(|k| Got::Key(k, false)),
                Ask::ResetKey => reset_backup_key(password).await.map(|k| Got::Key(k, true)),
            }
        }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = act.value().get() {
            password.set(String::new());
            confirming_reset.set(false);
        }
    });
    let asked = RwSignal::new(None::<Ask>);
    let go = move |ask: Ask| {
        asked.set(Some(ask));
        act.dispatch(ask);
    };
    let password_problem = Signal::derive(move || act.value().get().and_then(Result::err).and_then(|AppError(e)| e.fields.get("password").cloned()));
    let busy = move || act.pending().get();
    let blank = move || password.with(String::is_empty);
    view! {
        <section class="panel">
            <h3>{move || i18n.t().backup_key_title}" · "{move || i18n.t().backup_create}</h3>
            <p>{move || i18n.t().backup_key_help}</p>
            <form on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); if !blank() { go(Ask::Backup); } } novalidate=true>
                <Field label=Signal::derive(move || i18n.t().password) name="backup-password" kind="password" autocomplete="current-password"
                    value=password problem=password_problem help=Signal::derive(move || i18n.t().backup_confirm_help)/>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || busy() || blank()>
                        {move || if busy() && asked.get() == Some(Ask::Backup) { i18n.t().backup_creating } else { i18n.t().backup_create }}
                    </button>
                    <button type="button" disabled=move || busy() || blank() on:click=move |_| go(Ask::ShowKey)>{move || i18n.t().backup_key_show}</button>
                    <button type="button" class="danger" disabled=move || busy() || blank() on:click=move |_| confirming_reset.set(true)>{move || i18n.t().backup_key_reset}</button>
                </div>
                {move || confirming_reset.get().then(|| view! {
                    <div class="confirm" role="alertdialog">
                        <p>{move || i18n.t().backup_key_reset_confirm}</p>
                        <button type="button" class="danger" disabled=busy on:click=move |_| go(Ask::ResetKey)>{move || i18n.t().backup_key_reset_yes}</button>
                        <button type="button" on:click=move |_| confirming_reset.set(false)>{move || i18n.t().cancel}</button>
                    </div>
                })}
                {move || busy().then(|| view! { <p role="status">{move || i18n.t().working}</p> })}
                {move || act.value().get().and_then(Result::err).filter(|AppError(e)| !e.fields.contains_key("password")).map(|AppError(e)| view! { <ErrorNote error=e/> })}
            </form>
        </section>
        {move || act.value().get().and_then(Result::ok).map(|got| match got {
            Got::File(file) => {
                let href = format!("data:application/octet-stream;base64,{}", file.data);
                let name = file.name.clone();
                view! {
                    <section class="panel link-panel" data-testid="backup-ready">
                        <p class="lead" role="status">{move || i18n.t().backup_ready}</p>
                        <a class="button primary" href=href download=file.name.clone() data-testid="backup-save">{move || (i18n.t().backup_save)(&name)}</a>
                    </section>
                }.into_any()
            }
            Got::Key(key, new) => {
                let fingerprint = key.fingerprint.clone();
                view! {
                    <section class="panel link-panel" data-testid="backup-key-panel">
                        {new.then(|| view! { <p class="lead" role="status">{move || i18n.t().backup_key_new}</p> })}
                        <CopyField label=Signal::derive(move || i18n.t().backup_key_label) id="backup-key" testid="backup-key" value=key.key/>
                        <p data-testid="backup-key-fingerprint">{move || (i18n.t().backup_key_fingerprint)(&fingerprint)}</p>
                    </section>
                }.into_any()
            }
        })}
    }
}

/// Bytes as people read them.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KB", b as f64 / (1 << 10) as f64),
        b => format!("{b} B"),
    }
}
