//! Host settings → API tokens: the bearer tokens the gateway backend uses.
//! Create one (name, optional lifetime; the token is shown once, to copy),
//! see who owns each and when it was last used, revoke one (asked twice).

use super::copy_field::CopyField;
use super::shell::with_data;
use super::widgets::{local_time, ErrorNote, Field, Switch};
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::server_fns::{create_api_token, list_api_tokens, revoke_api_token};
use leptos::prelude::*;
use shared::token::{ApiTokenSummary, CreatedApiToken, NewApiToken};

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let i18n = use_i18n();
    let tokens = LocalResource::new(|| async { list_api_tokens().await });
    let refresh = move || tokens.refetch();
    view! {
        <h2>{move || i18n.t().tokens_title}</h2>
        <p>{move || i18n.t().tokens_intro}</p>
        <NewToken on_created=refresh/>
        {with_data(tokens, move |tokens| {
            if tokens.is_empty() {
                view! { <p class="empty">{move || i18n.t().tokens_empty}</p> }.into_any()
            } else {
                view! {
                    <table class="data" data-testid="tokens-table">
                        <thead><tr>
                            <th>{move || i18n.t().col_name}</th>
                            <th>{move || i18n.t().col_owner}</th>
                            <th>{move || i18n.t().col_created}</th>
                            <th>{move || i18n.t().col_last_used}</th>
                            <th>{move || i18n.t().col_expires}</th>
                            <th></th>
                        </tr></thead>
                        <tbody>
                            {tokens.into_iter().map(|t| view! { <TokenRow token=t on_revoked=refresh/> }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }
        })}
    }
}

#[component]
fn NewToken(on_created: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    // Text, as typed: blank means the default lifetime (90 days).
    let days = RwSignal::new(String::new());
    let never = RwSignal::new(false);
    let request = move || NewApiToken {
        name: name.get(),
        expires_in_days: if never.get() { None } else { days.with(|d| d.trim().parse().ok()) },
        never_expires: never.get(),
    };
    let days_problem = Signal::derive(move || {
        let typed = days.get();
        let ok = never.get() || typed.trim().is_empty() || typed.trim().parse::<i64>().is_ok_and(|d| (1..=shared::token::MAX_EXPIRES_IN_DAYS).contains(&d));
        (!ok).then(|| i18n.t().token_days_problem.to_owned())
    });
    let name_problem = Signal::derive(move || {
        let typed = name.get();
        let bad = !typed.is_empty() && NewApiToken { name: typed, ..NewApiToken::default() }.parse().is_err();
        bad.then(|| i18n.t().token_name_problem.to_owned())
    });
    let ready = move || request().parse().is_ok() && days_problem.get().is_none();
    let create = Action::new_local(|req: &NewApiToken| {
        let req = req.clone();
        async move { create_api_token(req).await }
    });
    // The token just made: shown until the admin closes it, never again.
    let shown = RwSignal::new(None::<CreatedApiToken>);
    Effect::new(move || {
        if let Some(Ok(created)) = create.value().get() {
            name.set(String::new());
            days.set(String::new());
            never.set(false);
            shown.set(Some(created));
            on_created();
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ready() {
            create.dispatch(request());
        }
    };
    view! {
        <form class="inline-form" on:submit=on_submit>
            <h3>{move || i18n.t().new_token}</h3>
            <Field label=Signal::derive(move || i18n.t().token_name) name="token-name" value=name problem=name_problem/>
            <Field label=Signal::derive(move || i18n.t().token_days) name="token-days" value=days problem=days_problem/>
            <Switch label=Signal::derive(move || i18n.t().token_never) name="token-never" checked=never on_change=Callback::new(move |on| never.set(on))/>
            <button type="submit" class="primary" disabled=move || create.pending().get() || !ready()>
                {move || if create.pending().get() { i18n.t().creating_token } else { i18n.t().create_token }}
            </button>
            {move || create.value().get().and_then(Result::err).map(|AppError(e)| view! { <ErrorNote error=e/> })}
        </form>
        {move || shown.get().map(|created| view! {
            <section class="panel link-panel" data-testid="token-panel">
                <p class="lead" role="status">{move || i18n.t().token_shown_once}</p>
                <CopyField label=Signal::derive(move || i18n.t().token_label) id="new-token" testid="new-token" value=created.token/>
                <div class="actions">
                    <button type="button" on:click=move |_| shown.set(None)>{move || i18n.t().close}</button>
                </div>
            </section>
        })}
    }
}

#[component]
fn TokenRow(token: ApiTokenSummary, on_revoked: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let id = token.id;
    let confirming = RwSignal::new(false);
    let revoke = Action::new_local(move |_: &()| async move { revoke_api_token(id).await });
    Effect::new(move || {
        if let Some(Ok(())) = revoke.value().get() {
            on_revoked();
        }
    });
    let name = token.name.clone();
    view! {
        <tr>
            <td>{token.name}</td>
            <td>{token.owner}</td>
            <td>{local_time(token.created_at)}</td>
            <td>{token.last_used_at.map_or_else(|| "—".to_owned(), local_time)}</td>
            <td>{match token.expires_at {
                Some(at) => local_time(at).into_any(),
                None => view! { {move || i18n.t().never} }.into_any(),
            }}</td>
            <td class="row-actions">
                {move || if confirming.get() {
                    let name = name.clone();
                    view! {
                        <span>{move || (i18n.t().revoke_confirm)(&name)}</span>
                        <button class="danger" disabled=move || revoke.pending().get() on:click=move |_| { revoke.dispatch(()); }>
                            {move || i18n.t().revoke_yes}
                        </button>
                        <button on:click=move |_| confirming.set(false)>{move || i18n.t().cancel}</button>
                    }.into_any()
                } else {
                    view! { <button on:click=move |_| confirming.set(true)>{move || i18n.t().revoke}</button> }.into_any()
                }}
                {move || revoke.value().get().and_then(Result::err).map(|AppError(e)| view! { <ErrorNote error=e/> })}
            </td>
        </tr>
    }
}
