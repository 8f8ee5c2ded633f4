//! The server side of the server functions (`ssr` only): the application
//! state and the incoming request, which the server provides as Leptos
//! context on every call, turned into the caller they authenticate as.
//! The services check the caller's role, as they do for the REST API.

use crate::error::AppError;
use gatehouse_core::auth::{authenticate_request, Caller, RequestContext};
use gatehouse_core::error::Failure;
use gatehouse_core::state::AppState;
use http::request::Parts;
use shared::api::{ApiError, ErrorCode};

/// The state and the signed-in caller of this server-function call.
pub async fn caller() -> Result<(AppState, Caller), AppError> {
    let missing = || AppError(ApiError::new(ErrorCode::Internal, "server function called without the server's context"));
    let state = leptos::prelude::use_context::<AppState>().ok_or_else(missing)?;
    let parts = leptos::prelude::use_context::<Parts>().ok_or_else(missing)?;
    let context = parts.extensions.get::<RequestContext>().cloned().ok_or_else(missing)?;
    let caller = authenticate_request(&state.auth, &parts.headers, &context).await?;
    Ok((state, caller))
}

/// The session cookie's value of this call, if it came with one.
pub async fn session_secret() -> Option<String> {
    let state = leptos::prelude::use_context::<AppState>()?;
    let parts = leptos::prelude::use_context::<Parts>()?;
    state.auth.cookie.find(&parts.headers).map(str::to_owned)
}

impl From<Failure> for AppError {
    fn from(f: Failure) -> Self {
        AppError(f.0)
    }
}
