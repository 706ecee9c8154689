//! `zicht-server`: the register as a service, thin over `zicht-register` (the same operations the
//! command line runs). This first part is the API for reporting organisations' systems:
//!
//! | route | does |
//! | --- | --- |
//! | `GET /api/v1/health` | `{"status":"ok"}` |
//! | `POST /api/v1/reports`, `/events`, `/signals` | a JSON array of rows in the import format ([`api`]) |
//! | `GET /api/v1/openapi.json` | the OpenAPI 3.1 document ([`openapi`]) |
//!
//! A submission carries an API token (`Authorization: Bearer zt_…`, `zicht token add --org CODE`),
//! which fixes the organisation it submits for; every row is validated by the model's `parse()` and
//! imported in one transaction, the bad rows coming back with their field and rule. Security headers
//! on every response, a request size limit, a timeout, graceful shutdown.
//!
//! ```no_run
//! # async fn example() -> Result<(), zicht_server::ServerError> {
//! let config = zicht_server::Config::new("sqlite://zicht.db", "zicht.key", "127.0.0.1:8080".parse().unwrap());
//! let app = zicht_server::Application::build(&config).await?;
//! println!("listening on port {}", app.port());
//! app.run_until(async { tokio::signal::ctrl_c().await.ok(); }).await?;
//! # Ok(()) }
//! ```

pub mod api;
pub mod openapi;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;
use zicht_register::Register;

/// What the server needs: the register's database and key file, and where to listen.
#[derive(Debug, Clone)]
pub struct Config {
    pub db: String,
    pub key_file: PathBuf,
    pub addr: SocketAddr,
    /// The largest request body, in bytes.
    pub max_body: usize,
    /// How long one request may take.
    pub timeout: Duration,
}

impl Config {
    /// Defaults: 4 MiB per request (a few thousand reports), 60 s per request.
    pub fn new(db: impl Into<String>, key_file: impl Into<PathBuf>, addr: SocketAddr) -> Config {
        Config { db: db.into(), key_file: key_file.into(), addr, max_body: 4 << 20, timeout: Duration::from_secs(60) }
    }
}

/// Errors starting or running the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] zicht_store::StoreError),
    #[error(transparent)]
    Key(#[from] zicht_store::KeyError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("serving: {0}")]
    Serve(std::io::Error),
}

/// What every handler shares: the open register (its store and keys).
#[derive(Debug, Clone)]
pub struct AppState {
    register: Arc<Register>,
}

impl AppState {
    pub fn new(register: Register) -> AppState {
        AppState { register: Arc::new(register) }
    }

    /// The register acting as `actor`: the audit log records who did what.
    fn acting_as(&self, actor: String) -> Register {
        self.register.acting_as(actor)
    }
}

/// The routes with their protections: security headers on every response (no content is a script
/// or a frame; nothing is cached, as answers carry a register's data), a body limit, a timeout.
pub fn app(state: AppState, config: &Config) -> Router {
    let headers: [(HeaderName, &str); 6] = [
        (header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"),
    ];
    let mut router = api::routes()
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(config.max_body))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            config.timeout,
        ));
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value)));
    }
    router
}

/// The server, bound and ready (zero-to-production's startup object: tests build one on port 0).
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port()).finish()
    }
}

impl Application {
    /// Opens the register (it must exist: `zicht init`), loads and checks its keys, binds the address.
    pub async fn build(config: &Config) -> Result<Application, ServerError> {
        let keys = zicht_store::Keys::load(&config.key_file)?;
        let store = zicht_store::Store::open_existing(&config.db)
            .await?
            .keep_audit_head(zicht_store::audit::head_path(&keys.path));
        store.check_keys(&keys).await?;
        let state = AppState::new(Register::new(store, Some(keys), "server"));
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServerError::Bind { addr: config.addr, source })?;
        Ok(Application { listener, router: app(state, config) })
    }

    /// The port bound (the one the OS chose for port 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServerError> {
        axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await.map_err(ServerError::Serve)
    }
}
