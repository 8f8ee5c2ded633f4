//! Pages whose code the browser fetches when one is first opened, so that the
//! sign-in page does not wait for the whole console (BENCHMARKS.md,
//! "Dashboard weight"). Each is a split point: `make dashboard` cuts the wasm
//! there (`scripts/split-wasm`); in any other build, and on the server, they
//! are ordinary code.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// A route struct whose view is `$page`, loaded on demand. The pages fetch
/// their own data, so `data` has nothing to start.
macro_rules! on_demand {
    ($(#[$doc:meta] $route:ident => $page:path;)+) => {$(
        #[$doc]
        #[derive(Debug)]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )+};
}

on_demand! {
    /// First host admin.
    SetupRoute => super::setup::Setup;
    /// Accepting an invitation.
    InviteRoute => super::invite::Invite;
    /// Asking for a reset link.
    ForgotRoute => super::forgot::Forgot;
    /// Choosing a new password.
    ResetRoute => super::reset::Reset;
    /// Users.
    UsersRoute => super::users::Users;
    /// Accounts.
    AccountsRoute => super::accounts::Accounts;
    /// One account's page.
    AccountRoute => super::account::AccountPage;
    /// Profile.
    ProfileRoute => super::profile::Profile;
    /// Host settings → SMTP configuration.
    SmtpRoute => super::smtp::SmtpPage;
    /// Host settings → SMTP configuration → Fallback relay.
    SmtpFallbackRoute => super::smtp::FallbackPage;
    /// Host settings → Email activity.
    EmailsRoute => super::emails::EmailsPage;
    /// Host settings → API tokens.
    TokensRoute => super::api_tokens::ApiTokensPage;
    /// Host settings → Audit log.
    AuditRoute => super::audit::AuditPage;
    /// Host settings → Backup and restore.
    BackupRoute => super::backup::BackupPage;
}
