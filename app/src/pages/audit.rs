//! Host settings → Audit log: who did what, newest first, filtered by actor
//! and action, with "Load more" for older entries.

use super::widgets::{local_time, ErrorNote, FilterSelect, LoadMore, Loading};
use crate::i18n::use_i18n;
use crate::server_fns::load_audit;
use leptos::prelude::*;
use shared::audit::{AuditAction, AuditEntry};

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(None::<AuditAction>);
    // The entries shown so far, and where the next page starts (None: no more).
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<i64>);
    let load = Action::new_local(move |more: &bool| {
        let more = *more;
        let (who, what) = (actor.get_untracked(), action.get_untracked());
        let cursor = if more { next.get_untracked() } else { None };
        async move {
            let page = load_audit(Some(who).filter(|w| !w.trim().is_empty()), what, cursor).await?;
            if more {
                entries.update(|e| e.extend(page.entries));
            } else {
                entries.set(page.entries);
            }
            next.set(page.next_cursor);
            Ok::<(), crate::error::AppError>(())
        }
    });
    load.dispatch(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        load.dispatch(false);
    };
    view! {
        <h2>{move || i18n.t().audit_title}</h2>
        <p>{move || i18n.t().audit_intro}</p>
        <form class="actions toolbar" on:submit=on_submit>
            <div class="field">
                <label for="audit-actor">{move || i18n.t().audit_actor}</label>
                <input id="audit-actor" type="search" prop:value=move || actor.get() on:input=move |ev| actor.set(event_target_value(&ev))/>
            </div>
            <FilterSelect id="audit-action" label=|t| t.audit_action chosen=action on_pick=Callback::new(move |a| action.set(a))/>
            <button type="submit">{move || i18n.t().apply_filter}</button>
        </form>
        {move || load.value().get().and_then(Result::err).map(|e| view! { <ErrorNote error=e.0/> })}
        {move || {
            let shown = entries.get();
            if shown.is_empty() {
                return if load.pending().get() { view! { <Loading/> }.into_any() } else { view! { <p class="empty">{move || i18n.t().audit_empty}</p> }.into_any() };
            }
            view! {
                <table class="data" data-testid="audit-table">
                    <thead><tr>
                        <th>{move || i18n.t().audit_when}</th>
                        <th>{move || i18n.t().audit_actor}</th>
                        <th>{move || i18n.t().audit_action}</th>
                        <th>{move || i18n.t().audit_target}</th>
                        <th>{move || i18n.t().audit_detail}</th>
                        <th>{move || i18n.t().audit_source}</th>
                    </tr></thead>
                    <tbody>
                        {shown.into_iter().map(|e| view! {
                            <tr>
                                <td>{local_time(e.at)}</td>
                                <td>{e.actor}</td>
                                <td>{move || i18n.t().audit_action_name(e.action)}</td>
                                <td>{e.target.unwrap_or_default()}</td>
                                <td>{e.detail}</td>
                                <td>{e.source.unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }}
        // A failed load says why above the table, whichever page it was.
        <LoadMore
            has_more=Signal::derive(move || next.with(Option::is_some))
            pending=load.pending()
            on_load=Callback::new(move |()| { load.dispatch(true); })
            error=Signal::derive(|| None)
        />
    }
}
