//! The error every server function returns: the shared `ApiError`, so the
//! dashboard branches on the same codes as REST clients do. Its own module,
//! beneath both `server_fns` and `backend`, so neither imports the other for it.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use shared::api::{ApiError, ErrorCode};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AppError(pub ApiError);

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // Arguments the server could not read are the caller's fault: 400, not 500.
        let code = match value {
            ServerFnErrorErr::Request(_) => ErrorCode::Unavailable,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) | ServerFnErrorErr::Deserialization(_) => ErrorCode::BadRequest,
            _ => ErrorCode::Internal,
        };
        AppError(ApiError::new(code, value.to_string()))
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        AppError(e)
    }
}
