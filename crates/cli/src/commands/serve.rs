//! `zicht serve`: the register as a service (`zicht-server`), until Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use clap::Args;

use super::common::{DbArgs, KeyArgs, runtime};
use crate::exit::bad_input;

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  zicht org add POL-AMS --type police\n  zicht token add --org POL-AMS > pol-ams.token\n  \
    zicht serve --addr 127.0.0.1:8080\n  curl -H \"Authorization: Bearer $(cat pol-ams.token)\" -H 'Content-Type: application/json' \\\n    \
    -d @reports.json http://127.0.0.1:8080/api/v1/reports\n\n\
    The API: crates/server/src/api.rs (a JSON array of rows in the import format, docs/formats.md).\n\
    Listen on loopback and put a TLS-terminating proxy in front: the server speaks plain HTTP."
)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Address to listen on
    #[arg(long, env = "ZICHT_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = zicht_server::Config::new(args.db.db.clone(), args.keys.key_file.clone(), args.addr);
    runtime()?.block_on(async {
        let app = zicht_server::Application::build(&config).await.map_err(|e| match e {
            zicht_server::ServerError::Store(s) => super::common::classify(s),
            e => bad_input(e.to_string()),
        })?;
        eprintln!("zicht serve: listening on http://{}:{} (Ctrl-C stops)", args.addr.ip(), app.port());
        app.run_until(async {
            stopped().await;
            eprintln!("zicht serve: stopping after the requests in flight");
        })
        .await?;
        Ok(())
    })
}

/// Ctrl-C or SIGTERM (what systemd and container runtimes send).
async fn stopped() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.ok();
    }
}
