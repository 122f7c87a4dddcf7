//! The HTTP routes of the classroom server.
//!
//! | route | answer |
//! |---|---|
//! | `GET /` | the page (and `/app.js`, `/style.css`, `/vendor/uPlot.*`) |
//! | `GET /api/scenarios` | the scenarios offered and the server's caps |
//! | `GET /api/scenarios/{id}` | a scenario and its levers (key, unit, range, slider bounds, value) |
//! | `POST /api/runs` | start a run: `{"scenario": id, "set": {key path: value}, "day_ms": n}`; 202 with the run |
//! | `GET /api/runs/{id}` | the run: status, place in the queue, results once done |
//! | `GET /api/runs/{id}/events` | the run's events as server-sent events, from its first |
//! | `POST /api/runs/{id}/stop` | stop the run (queued: at once; running: within a day) |
//!
//! Every refusal is a 4xx with a JSON body `{"error": message}`: 400 for
//! malformed JSON or an invalid key or value (the message names the key
//! path and the rule), 404 for an unknown scenario, run or route, 422 for
//! a run over the size cap, 429 when every slot and queue place is taken.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::Stream;
use serde_json::json;

use super::levers;
use super::page;
use super::runs::{Limits, Refusal, Registry, RunRequest, Watcher};

/// What every handler shares: the run registry.
#[derive(Debug, Clone)]
pub struct AppState {
    registry: Arc<Registry>,
}

impl AppState {
    /// A server state offering the scenarios of `dir` under `limits`.
    pub fn new(dir: std::path::PathBuf, limits: Limits) -> AppState {
        AppState {
            registry: Registry::new(dir, limits),
        }
    }
}

/// A refusal as an HTTP answer.
#[derive(Debug)]
pub struct ApiError(StatusCode, String);

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> ApiError {
        let status = match r {
            Refusal::Invalid(_) => StatusCode::BAD_REQUEST,
            Refusal::NotFound(_) => StatusCode::NOT_FOUND,
            Refusal::TooLarge(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
        };
        ApiError(status, r.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

/// The routes, over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", page::INDEX) }),
        )
        .route(
            "/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", page::APP_JS) }),
        )
        .route(
            "/style.css",
            get(|| async { asset("text/css; charset=utf-8", page::STYLE) }),
        )
        .route(
            "/vendor/uPlot.iife.min.js",
            get(|| async { asset("text/javascript; charset=utf-8", page::UPLOT_JS) }),
        )
        .route(
            "/vendor/uPlot.min.css",
            get(|| async { asset("text/css; charset=utf-8", page::UPLOT_CSS) }),
        )
        .route("/api/scenarios", get(scenarios))
        .route("/api/scenarios/{id}", get(scenario))
        .route("/api/runs", post(start))
        .route("/api/runs/{id}", get(run))
        .route("/api/runs/{id}/events", get(events))
        .route("/api/runs/{id}/stop", post(stop))
        .fallback(|| async {
            ApiError(
                StatusCode::NOT_FOUND,
                "no such route; see GET /api/scenarios".into(),
            )
        })
        .with_state(state)
}

/// An embedded file, with a policy that lets the page load nothing from
/// outside this server.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
        ),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

async fn scenarios(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let registry = &state.registry;
    let list = levers::list(registry.dir()).map_err(|e| {
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read `{}`: {e}", registry.dir().display()),
        )
    })?;
    let l = registry.limits();
    Ok(Json(json!({
        "scenarios": list,
        "limits": {
            "concurrent": l.concurrent,
            "queue": l.queue,
            "max_size": l.max_size,
            "max_days": l.max_days,
        },
    })))
}

async fn scenario(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<levers::Levers>, ApiError> {
    let Path(id) = id.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let dir = state.registry.dir();
    if levers::path_of(dir, &id).is_none() {
        return Err(ApiError(StatusCode::NOT_FOUND, levers::unknown(dir, &id)));
    }
    levers::levers(dir, &id)
        .map(Json)
        .map_err(|e| ApiError(StatusCode::UNPROCESSABLE_ENTITY, e))
}

fn run_id(id: Result<Path<u64>, PathRejection>) -> Result<u64, ApiError> {
    id.map(|Path(id)| id).map_err(|e| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("a run id is a whole number: {}", e.body_text()),
        )
    })
}

async fn start(
    State(state): State<AppState>,
    body: Result<Json<RunRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let registry = Arc::clone(&state.registry);
    // Loading and checking a scenario reads files: off the async workers.
    let run = tokio::task::spawn_blocking(move || registry.start(request))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
    let position = state.registry.position(run.id);
    Ok((StatusCode::ACCEPTED, Json(run.to_json(position))).into_response())
}

async fn run(
    State(state): State<AppState>,
    id: Result<Path<u64>, PathRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = run_id(id)?;
    let run = state.registry.get(id)?;
    Ok(Json(run.to_json(state.registry.position(id))))
}

async fn stop(
    State(state): State<AppState>,
    id: Result<Path<u64>, PathRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = run_id(id)?;
    let run = state
        .registry
        .stop(id)
        .ok_or_else(|| Refusal::NotFound(format!("no run {id}")))?;
    Ok(Json(run.to_json(state.registry.position(id))))
}

async fn events(
    State(state): State<AppState>,
    id: Result<Path<u64>, PathRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let id = run_id(id)?;
    let watcher = state.registry.watch(id)?;
    let mut changes = watcher.run().subscribe();
    changes.borrow_and_update();
    // One event per step; the watcher lives as long as the stream, so a
    // closed page drops it and stops the run.
    let stream = futures_util::stream::unfold(
        (watcher, changes, 0usize),
        |(watcher, mut changes, next): (Watcher, _, usize)| async move {
            loop {
                let (event, finished) = watcher.run().event(next);
                if let Some(e) = event {
                    let event = Event::default().event(e.kind).data(e.data);
                    return Some((Ok(event), (watcher, changes, next + 1)));
                }
                if finished || changes.changed().await.is_err() {
                    return None;
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(1))))
}
