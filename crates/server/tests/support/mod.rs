//! What the server's tests share: a fresh register with two organisations and a token each, served on
//! a free port.

#![allow(dead_code)]

#[path = "../../../store/tests/common/mod.rs"]
pub mod common;

use zicht_register::Register;
use zicht_register::accounts;
use zicht_server::{Application, Config};

/// A running server and how to stop it.
pub struct Server {
    pub base: String,
    pub reg: Register,
    /// Tokens of `SHELTER-1` (a shelter) and `POL-AMS` (the police).
    pub shelter: String,
    pub police: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// A register on `db` with the two organisations, served with a body limit of `max_body` bytes.
    pub async fn start(db: &common::TestDb, max_body: usize) -> Server {
        let key_path = db.dir.path().join("zicht.key");
        let keys = zicht_store::Keys::create(&key_path).unwrap();
        let store = zicht_store::Store::open(&db.url).await.unwrap();
        store.init_keys(&keys).await.unwrap();
        let reg = Register::new(store, Some(keys), "test:admin");
        accounts::add_organisation(&reg, "SHELTER-1", "shelter").await.unwrap();
        accounts::add_organisation(&reg, "POL-AMS", "police").await.unwrap();
        let (_, shelter) = accounts::add_token(&reg, "SHELTER-1").await.unwrap();
        let (_, police) = accounts::add_token(&reg, "POL-AMS").await.unwrap();
        let mut config = Config::new(&db.url, &key_path, "127.0.0.1:0".parse().unwrap());
        config.max_body = max_body;
        let app = Application::build(&config).await.unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            app.run_until(async move {
                rx.await.ok();
            })
            .await
            .unwrap();
        });
        Server { base, reg, shelter, police, stop: Some(tx), task }
    }

    /// Stops the server after the requests in flight.
    pub async fn stop(mut self) {
        self.stop.take().map(|s| s.send(()));
        self.task.await.unwrap();
    }
}
