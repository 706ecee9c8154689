//! A bounded load test of the submission API on the loopback interface (a benchmark, not a test):
//! `scripts/bench/api_load.sh` runs it against the release binary. Concurrent clients each post a
//! fixed number of one-report requests to a fresh SQLite register served by `zicht serve`; printed are
//! reports per second, latency percentiles and how many acknowledged reports are missing afterwards.
//! With `--kill-after-ms`, the server is killed with SIGKILL during the load and started again: every
//! acknowledged report must still be there.
//!
//!     cargo run --release -p zicht-server --example api_load -- target/release/zicht 8 250 [KILL_AFTER_MS]

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn zicht(bin: &Path, dir: &Path, args: &[&str]) -> String {
    let out = Command::new(bin).current_dir(dir).args(args).env_remove("ZICHT_DB").output().unwrap();
    assert!(out.status.success(), "zicht {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(bin: &Path, dir: &Path, port: u16) -> Child {
    let child = Command::new(bin)
        .current_dir(dir)
        .env_remove("ZICHT_DB")
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Ready when it answers.
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    child
}

/// Runs `clients` clients of `requests` one-report requests each; returns the acknowledged ids and
/// every request's latency.
async fn load(
    base: &str,
    token: &str,
    clients: usize,
    requests: usize,
    tag: &str,
) -> (Vec<String>, Vec<Duration>, usize) {
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, url, token, tag) =
            (http.clone(), format!("{base}/api/v1/reports"), token.to_string(), tag.to_string());
        tasks.push(tokio::spawn(async move {
            let (mut acked, mut latencies, mut failed) = (Vec::new(), Vec::new(), 0usize);
            for k in 0..requests {
                let id = format!("{tag}-{c}-{k}");
                let row = serde_json::json!([{"external_id": id, "report_date": "2024-02-01", "identification": "statistical",
                    "lawful_basis": "public_task", "sex": "female", "nationality": "NL", "exploitation": "sexual"}]);
                let t = Instant::now();
                match http.post(&url).bearer_auth(&token).json(&row).send().await {
                    Ok(r) if r.status() == 200 => {
                        let body: serde_json::Value = r.json().await.unwrap_or_default();
                        latencies.push(t.elapsed());
                        if body["inserted"] == 1 {
                            acked.push(id);
                        }
                    }
                    _ => failed += 1,
                }
            }
            (acked, latencies, failed)
        }));
    }
    let (mut acked, mut latencies, mut failed) = (Vec::new(), Vec::new(), 0);
    for t in tasks {
        let (a, l, f) = t.await.unwrap();
        acked.extend(a);
        latencies.extend(l);
        failed += f;
    }
    (acked, latencies, failed)
}

async fn stored(db: &Path) -> HashSet<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    let ids: Vec<String> = sqlx::query_scalar("SELECT external_id FROM reports").fetch_all(&pool).await.unwrap();
    ids.into_iter().collect()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bin = std::fs::canonicalize(args.get(1).map(String::as_str).unwrap_or("target/release/zicht")).unwrap();
    let clients: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(8);
    let requests: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(250);
    let kill_after: Option<u64> = args.get(4).and_then(|a| a.parse().ok());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    zicht(&bin, d, &["init"]);
    zicht(&bin, d, &["org", "add", "SHELTER-1", "--type", "shelter"]);
    let token = zicht(&bin, d, &["token", "add", "--org", "SHELTER-1"]).trim().to_string();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");

    let mut server = serve(&bin, d, port);
    let t = Instant::now();
    let (acked, mut latencies, failed) = load(&base, &token, clients, requests, "a").await;
    let wall = t.elapsed().as_secs_f64();
    latencies.sort();
    let have = stored(&d.join("zicht.db")).await;
    let lost = acked.iter().filter(|id| !have.contains(*id)).count();
    println!(
        "| {clients} clients × {requests} requests | {:.0} reports/s | p50 {:.1} ms | p99 {:.1} ms | failed {failed} | lost {lost} of {} |",
        acked.len() as f64 / wall,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        acked.len()
    );

    if let Some(ms) = kill_after {
        let base2 = base.clone();
        let token2 = token.clone();
        let run = tokio::spawn(async move { load(&base2, &token2, clients, requests, "k").await });
        tokio::time::sleep(Duration::from_millis(ms)).await;
        server.kill().unwrap();
        server.wait().unwrap();
        let (acked, _, failed) = run.await.unwrap();
        server = serve(&bin, d, port);
        let have = stored(&d.join("zicht.db")).await;
        let lost = acked.iter().filter(|id| !have.contains(*id)).count();
        let unacknowledged = have.iter().filter(|id| id.starts_with("k-")).count() - (acked.len() - lost);
        println!(
            "| SIGKILL after {ms} ms, restarted | acknowledged {} | lost {lost} | stored but not acknowledged {unacknowledged} | requests failed {failed} |",
            acked.len()
        );
    }
    server.kill().ok();
    server.wait().ok();
}
