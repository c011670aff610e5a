//! The HTTP server of `serve`: health check and the documents of circulars (and, with later
//! capabilities, the API and the web admin).

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio_util::sync::CancellationToken;

use crate::circulars::Circular;
use crate::circulars::message::content_type;
use crate::store::Store;

/// What handlers share: cheap handles only.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The circulars loaded at start, for their linked documents.
    pub circulars: Arc<Vec<Arc<Circular>>>,
}

/// Every route, without a socket (tests call it directly).
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/circulars/{number}/documents/{file}", get(document))
        .with_state(state)
}

/// `200 ok` when the database answers, `503` otherwise.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(err) => {
            let error = crate::cli::causes(&err);
            tracing::error!(%error, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

/// A document a circular lists; nothing else from its folder.
async fn document(
    State(state): State<AppState>,
    Path((number, file)): Path<(u32, String)>,
) -> Response {
    let Some(circular) = state.circulars.iter().find(|c| c.number == number) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let listed = circular
        .documents
        .iter()
        .any(|d| d.files.values().any(|f| *f == file));
    if !listed {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::fs::read(circular.dir.join(&file)).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&file))], bytes).into_response(),
        Err(err) => {
            tracing::error!(circular = number, %file, error = %err, "cannot read a listed document");
            StatusCode::NOT_FOUND.into_response()
        }
    }
}

/// How long requests in flight may take to finish after SIGTERM before `serve` stops anyway
/// (a client that never finishes its request must not hold the daemon).
pub const GRACE: Duration = Duration::from_secs(5);

/// Serves `app` on `listener` until `shutdown` is cancelled, then lets requests in flight
/// finish for at most [`GRACE`].
///
/// # Errors
/// The server fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let server = axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown.clone().cancelled_owned())
        .into_future();
    let deadline = async {
        shutdown.cancelled().await;
        tokio::time::sleep(GRACE).await;
    };
    tokio::select! {
        result = server => result,
        () = deadline => {
            tracing::warn!(grace_seconds = GRACE.as_secs(), "requests still open after the grace period: stopping anyway");
            Ok(())
        }
    }
}
