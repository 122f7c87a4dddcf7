//! The classroom server behind `flywheel serve`: one page and a small JSON
//! API on a local port, so that a student can move a lever, press run and
//! watch share, orders, burn, cash and NPL move day by day.
//!
//! | module | owns |
//! |---|---|
//! | [`levers`] | the scenarios of a directory and the levers a page shows for each |
//! | [`runs`] | runs: validation, the size cap, the queue and bound on concurrent runs, the simulation threads and their daily figures |
//! | [`api`] | the HTTP routes, their JSON and their errors |
//! | `page` | the page, its script and style, and the vendored chart library (uPlot), all embedded in the binary |
//!
//! A run is simulated on a blocking thread, one replication after
//! another, through [`run_one_observed`](crate::runner::run_one_observed):
//! the same simulation as `flywheel run`, watched day by day. Each closed
//! day becomes an event in the run's log, which the page reads as
//! server-sent events (`GET /api/runs/{id}/events`); the run's stop flag is
//! checked once per simulated day, and is set by `POST
//! /api/runs/{id}/stop` or when the last page watching the run goes away
//! (a closed tab).
//!
//! Safe by default: the server binds to loopback unless told otherwise,
//! every run's size (consumers × days × replications) is capped, at most
//! [`Limits::concurrent`] runs simulate at once with at most
//! [`Limits::queue`] waiting, and bad requests get a 4xx answer whose JSON
//! `error` names the problem (for a scenario key, its key path). The page
//! loads nothing from outside the server (a Content-Security-Policy header
//! holds it to that).

pub mod api;
pub mod levers;
mod page;
pub mod runs;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

pub use runs::Limits;

/// What `flywheel serve` was asked for.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (loopback by default).
    pub bind: IpAddr,
    /// Port (0 picks a free one).
    pub port: u16,
    /// Directory of the scenarios offered (`scenarios/` by default).
    pub scenarios: PathBuf,
    /// Caps on runs.
    pub limits: Limits,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The scenario directory cannot be read (bad input).
    #[error("scenario directory `{dir}`: {message}")]
    Scenarios {
        /// The directory.
        dir: String,
        /// What went wrong.
        message: String,
    },
    /// The address cannot be listened on (in use, not this machine's).
    #[error("cannot listen on {addr}: {message}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What went wrong.
        message: String,
    },
    /// The server failed while running.
    #[error("server: {0}")]
    Runtime(String),
}

/// Serves the classroom until the process is stopped. `on_listening` is
/// called with the bound address once the port is open (the command line
/// prints it; tests read it to find a port chosen with `port = 0`).
pub fn serve(config: Config, on_listening: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let listed = levers::list(&config.scenarios).map_err(|message| ServeError::Scenarios {
        dir: config.scenarios.display().to_string(),
        message,
    })?;
    if listed.is_empty() {
        return Err(ServeError::Scenarios {
            dir: config.scenarios.display().to_string(),
            message: "holds no valid scenario (*.toml)".into(),
        });
    }
    let addr = SocketAddr::new(config.bind, config.port);
    let listener = std::net::TcpListener::bind(addr).map_err(|e| ServeError::Bind {
        addr,
        message: e.to_string(),
    })?;
    let bound = listener.local_addr().map_err(|e| ServeError::Bind {
        addr,
        message: e.to_string(),
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| ServeError::Runtime(e.to_string()))?;
    // Two workers are plenty for the HTTP side: simulations run on the
    // blocking pool, bounded by `Limits::concurrent`.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ServeError::Runtime(e.to_string()))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| ServeError::Runtime(e.to_string()))?;
        let app = api::router(api::AppState::new(config.scenarios, config.limits));
        on_listening(bound);
        axum::serve(listener, app)
            .await
            .map_err(|e| ServeError::Runtime(e.to_string()))
    })
}
