//! One account's page (`/accounts/:id`), for host admins (any account) and
//! the account's own admins: its name, its sender (the form, when the
//! caller may change it; a test email from it either way), its users with
//! their states, its recent emails with theirs, and Delete account (after
//! typing its name). The server decides who may do what; the page only
//! offers what it would allow.

use super::accounts::DeleteAccountDialog;
use super::shell::with_data;
use super::verdict::Verdict;
use super::widgets::{local_time, ErrorNote, Field};
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::server_fns::{list_emails, list_users, load_account, test_account_sender, update_account};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::account::{AccountSender, AccountUpdate};
use shared::api::{AccountDetail, Me, UserFilter};
use shared::outbox::EmailFilter;

#[component]
pub fn AccountPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0));
    let detail = LocalResource::new(move || {
        let id = id();
        async move { load_account(id).await }
    });
    view! { {with_data(detail, move |loaded| view! { <Account detail=loaded on_saved=move || detail.refetch()/> })} }
}

#[component]
fn Account(detail: AccountDetail, on_saved: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let id = detail.account.id;
    let name = detail.account.name.clone();
    let host_role = !expect_context::<Me>().role.needs_account();
    view! {
        {host_role.then(|| view! { <p><a href="/accounts">{move || i18n.t().all_accounts}</a></p> })}
        <h1 data-testid="account-name">{name.clone()}</h1>
        <SenderSection detail=detail.clone() on_saved/>
        <section>
            <h2>{move || i18n.t().account_users_title}</h2>
            <AccountUsers id/>
        </section>
        <section>
            <h2>{move || i18n.t().account_emails_title}</h2>
            <AccountEmails id/>
        </section>
        <DeleteAccount id name/>
    }
}

/// The account's own sender: the form (to set, change or remove it) when
/// the caller may, else what it is; and a test email from it.
#[component]
fn SenderSection(detail: AccountDetail, on_saved: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let id = detail.account.id;
    let saved = detail.account.sender.clone();
    let from_name = RwSignal::new(saved.as_ref().map(|s| s.from_name.clone()).unwrap_or_default());
    let from_email = RwSignal::new(saved.as_ref().map(|s| s.from_email.clone()).unwrap_or_default());
    let reply_to = RwSignal::new(saved.as_ref().and_then(|s| s.reply_to.clone()).unwrap_or_default());
    let typed = move || AccountSender {
        from_name: from_name.get_untracked(),
        from_email: from_email.get_untracked(),
        reply_to: Some(reply_to.get_untracked()).filter(|r| !r.trim().is_empty()),
    };
    // The server's word on the last save stands under a field until that field is edited.
    let verdict = Verdict::<AccountSender>::new();
    let save = Action::new_local(move |sender: &Option<AccountSender>| {
        let sent = sender.clone().unwrap_or_default();
        let update = AccountUpdate { name: None, sender: Some(sender.clone()) };
        async move {
            let result = update_account(id, update).await.map_err(|AppError(e)| e);
            verdict.answer(sent, &result);
            result
        }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = save.value().get() {
            on_saved();
        }
    });
    let test = Action::new_local(move |sender: &Option<AccountSender>| {
        let sender = sender.clone();
        async move { test_account_sender(id, sender).await }
    });
    let problem = move |field: &'static str, typed: RwSignal<String>, sent: fn(&AccountSender) -> String| {
        Signal::derive(move || verdict.on(field, |s| sent(s) == typed.get()))
    };
    let domains = detail.sender_domains.join(", ");
    let may_set = detail.may_set_sender;
    let current = match &saved {
        Some(s) => format!("{} <{}>{}", s.from_name, s.from_email, s.reply_to.as_ref().map(|r| format!(" · Reply-To {r}")).unwrap_or_default()),
        None => String::new(),
    };
    let has_sender = saved.is_some();
    view! {
        <section class="sender" data-testid="account-sender">
            <h2>{move || i18n.t().sender_title}</h2>
            <p class="hint">{move || i18n.t().sender_intro}</p>
            {if has_sender {
                view! { <p data-testid="sender-current"><strong>{current}</strong></p> }.into_any()
            } else {
                view! { <p data-testid="sender-current">{move || i18n.t().sender_none}</p> }.into_any()
            }}
            {(!domains.is_empty()).then(|| {
                let domains = domains.clone();
                view! { <p class="hint">{move || (i18n.t().sender_domains_allowed)(&domains)}</p> }
            })}
            {if may_set {
                view! {
                    <form class="inline-form" novalidate=true on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save.dispatch(Some(typed())); }>
                        <Field label=Signal::derive(move || i18n.t().from_name) name="sender-name" value=from_name problem=problem("sender.from_name", from_name, |s| s.from_name.clone())/>
                        <Field label=Signal::derive(move || i18n.t().from_email) name="sender-email" kind="email" value=from_email problem=problem("sender.from_email", from_email, |s| s.from_email.clone())/>
                        <Field label=Signal::derive(move || i18n.t().sender_reply_to) name="sender-reply-to" kind="email" value=reply_to problem=problem("sender.reply_to", reply_to, |s| s.reply_to.clone().unwrap_or_default())/>
                        <div class="actions">
                            <button type="submit" class="primary" disabled=move || save.pending().get()>{move || i18n.t().save}</button>
                            {has_sender.then(|| view! {
                                <button type="button" disabled=move || save.pending().get() on:click=move |_| { save.dispatch(None); }>
                                    {move || i18n.t().sender_remove}
                                </button>
                            })}
                        </div>
                        {move || save.value().get().and_then(Result::err).filter(|e| e.fields.is_empty()).map(|e| view! { <ErrorNote error=e/> })}
                    </form>
                }.into_any()
            } else {
                view! { <p class="hint" data-testid="sender-locked">{move || i18n.t().sender_locked}</p> }.into_any()
            }}
            <div class="actions">
                <button type="button" data-testid="sender-test" disabled=move || test.pending().get()
                    on:click=move |_| { test.dispatch(if may_set && !from_email.get_untracked().trim().is_empty() { Some(typed()) } else { None }); }>
                    {move || i18n.t().sender_test}
                </button>
            </div>
            <div data-testid="sender-test-verdict">
                {move || test.value().get().map(|result| match result {
                    Ok(report) if report.ok => view! { <p class="verdict ok">{(i18n.t().test_sent)(&report.recipient, report.elapsed_ms)}</p> }.into_any(),
                    Ok(report) => view! {
                        <div class="verdict fail">
                            <p><strong>{i18n.t().test_stage(report.stage)}</strong></p>
                            <pre class="reply"><code>{report.message}</code></pre>
                        </div>
                    }.into_any(),
                    Err(AppError(e)) => view! { <ErrorNote error=e/> }.into_any(),
                })}
            </div>
        </section>
    }
}

#[component]
fn AccountUsers(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let users = LocalResource::new(move || async move { list_users(UserFilter { account_id: Some(id), ..Default::default() }, None).await });
    with_data(users, move |page| {
        if page.items.is_empty() {
            return view! { <p class="empty">{move || i18n.t().users_empty}</p> }.into_any();
        }
        view! {
            <table class="data" data-testid="account-users">
                <thead><tr><th>{move || i18n.t().col_email}</th><th>{move || i18n.t().col_role}</th><th>{move || i18n.t().col_status}</th></tr></thead>
                <tbody>
                    {page.items.into_iter().map(|u| view! {
                        <tr data-testid="account-user">
                            <td>{u.email.to_string()}</td>
                            <td>{move || i18n.t().role(u.role)}</td>
                            <td>{move || i18n.t().status(u.status)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    })
}

#[component]
fn AccountEmails(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let emails = LocalResource::new(move || async move { list_emails(EmailFilter { account_id: Some(id), ..Default::default() }, None).await });
    with_data(emails, move |page| {
        if page.items.is_empty() {
            return view! { <p class="empty">{move || i18n.t().account_emails_empty}</p> }.into_any();
        }
        view! {
            <table class="data" data-testid="account-emails">
                <thead>
                    <tr>
                        <th>{move || i18n.t().col_recipient}</th>
                        <th>{move || i18n.t().col_kind}</th>
                        <th>{move || i18n.t().col_state}</th>
                        <th>{move || i18n.t().col_created}</th>
                    </tr>
                </thead>
                <tbody>
                    {page.items.into_iter().map(|e| {
                        let state = move || if e.held { i18n.t().email_held } else { i18n.t().last_email(Some(e.status)) };
                        view! {
                            <tr data-testid="account-email">
                                <td>{e.to.clone()}</td>
                                <td>{move || i18n.t().email_kind(e.kind)}</td>
                                <td>{state}</td>
                                <td>{local_time(e.created_at)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    })
}

/// Delete account, after typing its name: its users go with it. An
/// account admin who deletes their own account is signed out with it.
#[component]
fn DeleteAccount(id: i64, name: String) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let deleting = RwSignal::new(false);
    let host_role = !expect_context::<Me>().role.needs_account();
    let gone = move || navigate(if host_role { "/accounts" } else { "/signin" }, Default::default());
    view! {
        <section class="danger-zone">
            <h2>{move || i18n.t().delete_account_title}</h2>
            {move || if deleting.get() {
                view! { <DeleteAccountDialog id name=name.clone() open=deleting on_deleted=gone.clone()/> }.into_any()
            } else {
                view! {
                    <button class="danger" on:click=move |_| deleting.set(true)>{move || i18n.t().delete_account}</button>
                }.into_any()
            }}
        </section>
    }
}
