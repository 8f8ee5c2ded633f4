//! The dashboard's pages and the router that picks one.

mod accounts;
mod api_tokens;
mod audit;
mod copy_field;
mod credentials;
mod emails;
mod forgot;
mod host_settings;
mod invite;
mod link_page;
mod profile;
mod reset;
mod setup;
mod shell;
mod sign_in;
mod smtp;
mod users;
mod verdict;
mod widgets;

use crate::i18n::{use_i18n, I18n};
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes, A};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::detect();
    provide_context(i18n);
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/signin") view=sign_in::SignIn/>
                <Route path=path!("/setup/:token") view=setup::Setup/>
                // Reached from emailed or copied links, before anyone is signed in.
                <Route path=path!("/invite/:token") view=invite::Invite/>
                <Route path=path!("/forgot") view=forgot::Forgot/>
                <Route path=path!("/reset/:token") view=reset::Reset/>
                <ParentRoute path=path!("") view=shell::Shell>
                    <Route path=path!("") view=shell::Home/>
                    <Route path=path!("users") view=users::Users/>
                    <Route path=path!("accounts") view=accounts::Accounts/>
                    <Route path=path!("profile") view=profile::Profile/>
                    <ParentRoute path=path!("settings") view=host_settings::HostSettings>
                        <Route path=path!("") view=host_settings::HostOverview/>
                        <Route path=path!("smtp") view=smtp::SmtpPage/>
                        <Route path=path!("emails") view=emails::EmailsPage/>
                        <Route path=path!("tokens") view=api_tokens::ApiTokensPage/>
                        <Route path=path!("audit") view=audit::AuditPage/>
                    </ParentRoute>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <main class="centered">
            <div class="card">
                <p>{move || i18n.t().not_found}</p>
                <A href="/">{move || i18n.t().back_home}</A>
            </div>
        </main>
    }
}
