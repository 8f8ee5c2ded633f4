//! Extractors that answer in the shared error shape instead of axum's plain text.

use super::error::HttpError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use gatehouse_core::auth::{authenticate_request, Caller};
use gatehouse_core::state::AppState;
use shared::api::{ApiError, ErrorCode};

/// A JSON request body. Malformed JSON is 400, a wrong content type 415, a
/// body of the wrong shape 422 naming the problem. Every body is a JSON
/// object: serde's derive would also read a struct from an array (`[null,
/// null]` as a `UserUpdate`), which no client means, so that is 422 too.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, HttpError> {
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => value,
            Err(rejection) => {
                let code = match rejection {
                    JsonRejection::JsonDataError(_) => ErrorCode::Validation,
                    JsonRejection::MissingJsonContentType(_) => ErrorCode::UnsupportedMediaType,
                    JsonRejection::BytesRejection(ref b) if b.status().as_u16() == 413 => ErrorCode::PayloadTooLarge,
                    _ => ErrorCode::BadRequest,
                };
                return Err(ApiError::new(code, rejection.body_text()).into());
            }
        };
        if !value.is_object() {
            return Err(ApiError::new(ErrorCode::Validation, "the body must be a JSON object").into());
        }
        // With the path of the field at fault, as axum's own JSON extractor says it.
        serde_path_to_error::deserialize(value)
            .map(JsonBody)
            .map_err(|e| ApiError::new(ErrorCode::Validation, format!("Failed to deserialize the JSON body into the target type: {e}")).into())
    }
}

/// The signed-in caller of a REST request (bearer token or session cookie);
/// 401 without valid credentials. The services check the role.
pub struct Authed(pub Caller);

impl FromRequestParts<AppState> for Authed {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        let context = super::client_ip::context(parts);
        Ok(Authed(authenticate_request(&state.auth, &parts.headers, &context).await?))
    }
}
