//! `zicht audit verify`: recompute the audit log's hash chain.

use clap::{Args, Subcommand};

use super::common::{DbArgs, classify, runtime};

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check that no audit entry was edited, removed or inserted out of turn (exit 1 if one was)
    #[command(after_help = "Example:\n  zicht audit verify --db sqlite://zicht.db")]
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// Print a JSON result on stdout
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: AuditArgs) -> anyhow::Result<()> {
    let AuditCommand::Verify { db, json } = args.command;
    let rt = runtime()?;
    let v = rt.block_on(async {
        let store = zicht_store::Store::open(&db.db).await.map_err(classify)?;
        zicht_store::audit::verify(&store.db).await.map_err(classify)
    })?;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "ok": v.broken_at.is_none(),
                "entries": v.entries,
                "head": v.head,
                "broken_at": v.broken_at.as_ref().map(|(seq, why)| serde_json::json!({"seq": seq, "reason": why})),
            })
        );
    }
    match v.broken_at {
        None => {
            if !json {
                eprintln!("audit log intact: {} entries, head {}", v.entries, v.head);
            }
            Ok(())
        }
        Some((seq, why)) => Err(crate::exit::bad_input(format!(
            "audit log broken at entry {seq}: {why} ({} entries before it verify)",
            v.entries
        ))),
    }
}
