//! Extractors that answer in the shared error shape instead of axum's plain text.

use crate::auth::{authenticate, Caller};
use crate::error::Failure;
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use shared::api::{ApiError, ErrorCode};

/// A JSON request body. Malformed JSON is 400, a wrong content type 415, a
/// body of the wrong shape 422 naming the problem.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Failure> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => {
                let code = match rejection {
                    JsonRejection::JsonDataError(_) => ErrorCode::Validation,
                    JsonRejection::MissingJsonContentType(_) => ErrorCode::UnsupportedMediaType,
                    JsonRejection::BytesRejection(ref b) if b.status().as_u16() == 413 => ErrorCode::PayloadTooLarge,
                    _ => ErrorCode::BadRequest,
                };
                Err(Failure(ApiError::new(code, rejection.body_text())))
            }
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        authenticate(state, &parts.headers).await
    }
}
