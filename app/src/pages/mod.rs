//! The dashboard's pages and the router that picks one.

mod account;
mod accounts;
mod api_tokens;
mod audit;
mod backup;
mod copy_field;
mod credentials;
mod delivery_banner;
mod emails;
mod forgot;
mod host_settings;
mod invite;
mod lazy;
mod link_page;
mod number_field;
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
use leptos_router::{path, Lazy};

#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::detect();
    provide_context(i18n);
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/signin") view=sign_in::SignIn/>
                <Route path=path!("/setup/:token") view={Lazy::<lazy::SetupRoute>::new()}/>
                // Reached from emailed or copied links, before anyone is signed in.
                <Route path=path!("/invite/:token") view={Lazy::<lazy::InviteRoute>::new()}/>
                <Route path=path!("/forgot") view={Lazy::<lazy::ForgotRoute>::new()}/>
                <Route path=path!("/reset/:token") view={Lazy::<lazy::ResetRoute>::new()}/>
                <ParentRoute path=path!("") view=shell::Shell>
                    <Route path=path!("") view=shell::Home/>
                    <Route path=path!("users") view={Lazy::<lazy::UsersRoute>::new()}/>
                    <Route path=path!("accounts") view={Lazy::<lazy::AccountsRoute>::new()}/>
                    <Route path=path!("accounts/:id") view={Lazy::<lazy::AccountRoute>::new()}/>
                    <Route path=path!("profile") view={Lazy::<lazy::ProfileRoute>::new()}/>
                    <ParentRoute path=path!("settings") view=host_settings::HostSettings>
                        <Route path=path!("") view=host_settings::HostOverview/>
                        <Route path=path!("smtp") view={Lazy::<lazy::SmtpRoute>::new()}/>
                        <Route path=path!("smtp/fallback") view={Lazy::<lazy::SmtpFallbackRoute>::new()}/>
                        <Route path=path!("emails") view={Lazy::<lazy::EmailsRoute>::new()}/>
                        <Route path=path!("tokens") view={Lazy::<lazy::TokensRoute>::new()}/>
                        <Route path=path!("audit") view={Lazy::<lazy::AuditRoute>::new()}/>
                        <Route path=path!("backup") view={Lazy::<lazy::BackupRoute>::new()}/>
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
