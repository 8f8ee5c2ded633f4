//! Extractors that answer in the shared error shape instead of axum's plain text.

use super::error::HttpError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use gatehouse_core::auth::{authenticate, Caller};
use gatehouse_core::state::AppState;
use shared::api::{ApiError, ErrorCode};

/// A JSON request body. Malformed JSON is 400, a wrong content type 415, a
/// body of the wrong shape 422 naming the problem.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, HttpError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => {
                let code = match rejection {
                    JsonRejection::JsonDataError(_) => ErrorCode::Validation,
                    JsonRejection::MissingJsonContentType(_) => ErrorCode::UnsupportedMediaType,
                    JsonRejection::BytesRejection(ref b) if b.status().as_u16() == 413 => ErrorCode::PayloadTooLarge,
                    _ => ErrorCode::BadRequest,
                };
                Err(ApiError::new(code, rejection.body_text()).into())
            }
        }
    }
}

/// The signed-in caller of a REST request (bearer token or session cookie);
/// 401 without valid credentials. The services check the role.
pub struct Authed(pub Caller);

impl FromRequestParts<AppState> for Authed {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        Ok(Authed(authenticate(&state.auth, &parts.headers).await?))
    }
}
