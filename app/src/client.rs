//! Calls to the REST API from the browser (sign-in, sign-out, setup), with
//! gloo-net. The session cookie travels automatically (same origin).

use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::{ApiError, ErrorCode};

#[cfg(feature = "csr")]
mod imp {
    use super::*;
    use gloo_net::http::{Request, Response};
    use shared::api::ErrorEnvelope;

    fn unreachable(e: impl std::fmt::Display) -> ApiError {
        ApiError::new(ErrorCode::Unavailable, format!("could not reach the server: {e}"))
    }

    async fn decode<R: DeserializeOwned>(res: Response) -> Result<R, ApiError> {
        if res.ok() {
            res.json::<R>().await.map_err(unreachable)
        } else {
            let status = res.status();
            match res.json::<ErrorEnvelope>().await {
                Ok(envelope) => Err(envelope.error),
                Err(_) => Err(ApiError::new(if status >= 500 { ErrorCode::Internal } else { ErrorCode::BadRequest }, format!("the server answered {status}"))),
            }
        }
    }

    pub async fn get<R: DeserializeOwned>(path: &str) -> Result<R, ApiError> {
        let res = Request::get(path).send().await.map_err(unreachable)?;
        decode(res).await
    }

    pub async fn post<B: Serialize, R: DeserializeOwned>(path: &str, body: &B) -> Result<R, ApiError> {
        let res = Request::post(path).json(body).map_err(unreachable)?.send().await.map_err(unreachable)?;
        decode(res).await
    }

    pub async fn delete(path: &str) -> Result<(), ApiError> {
        let res = Request::delete(path).send().await.map_err(unreachable)?;
        if res.ok() {
            Ok(())
        } else {
            decode::<()>(res).await
        }
    }
}

#[cfg(not(feature = "csr"))]
mod imp {
    //! Outside the browser nothing calls these; they exist so pages compile everywhere.
    use super::*;

    fn not_here() -> ApiError {
        ApiError::new(ErrorCode::Internal, "the REST client runs in the browser only")
    }

    pub async fn get<R: DeserializeOwned>(_path: &str) -> Result<R, ApiError> {
        Err(not_here())
    }

    pub async fn post<B: Serialize, R: DeserializeOwned>(_path: &str, _body: &B) -> Result<R, ApiError> {
        Err(not_here())
    }

    pub async fn delete(_path: &str) -> Result<(), ApiError> {
        Err(not_here())
    }
}

pub use imp::{delete, get, post};
