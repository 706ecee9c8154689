//! `zicht audit verify`: recompute the audit log's hash chain.

use clap::{Args, Subcommand};

use super::common::{DbArgs, KeyArgs, classify, runtime};

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check that no audit entry was edited, removed or inserted out of turn, and that the log's tail
    /// was not cut (exit 1 if one was)
    #[command(after_help = "The log is compared with its head, which every command that appends keeps beside the key \
file (KEYFILE.audit-head), or with --expect-head (the `head` a previous verify printed, kept elsewhere: a \
ticket, a mail). Every import that inserted rows and every linkage run must also have its entry.\n\n\
Example:\n  zicht audit verify --db sqlite://zicht.db --key-file zicht.key\n  \
zicht audit verify --expect-head 42:3f9c…")]
    Verify {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        keys: KeyArgs,
        /// The head to compare with, as `SEQ:HASH`, instead of the head file beside the key file
        #[arg(long, value_name = "SEQ:HASH")]
        expect_head: Option<String>,
        /// Print a JSON result on stdout
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: AuditArgs) -> anyhow::Result<()> {
    let AuditCommand::Verify { db, keys, expect_head, json } = args.command;
    let head_file = zicht_store::audit::head_path(&keys.key_file);
    let expected = match &expect_head {
        Some(h) => Some(
            h.parse::<zicht_store::audit::Head>().map_err(|e| crate::exit::bad_input(format!("--expect-head: {e}")))?,
        ),
        None => zicht_store::audit::read_head(&head_file).map_err(classify)?,
    };
    let source = match (&expect_head, &expected) {
        (Some(_), _) => "--expect-head".to_string(),
        (None, Some(_)) => head_file.display().to_string(),
        (None, None) => String::new(),
    };
    let rt = runtime()?;
    let c = rt.block_on(async {
        let store = zicht_store::Store::open_existing(&db.db).await.map_err(classify)?;
        zicht_store::audit::check(&store.db, expected).await.map_err(classify)
    })?;
    let v = &c.chain;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "ok": c.ok(),
                "entries": v.entries,
                "head": format!("{}:{}", v.entries, v.head),
                "expected_head": c.expected.as_ref().map(|h| h.to_string()),
                "expected_from": (!source.is_empty()).then_some(&source),
                "beyond_head": c.beyond_head,
                "broken_at": v.broken_at.as_ref().map(|(seq, why)| serde_json::json!({"seq": seq, "reason": why})),
                "problems": c.problems,
            })
        );
    }
    if let Some((seq, why)) = &v.broken_at {
        return Err(crate::exit::bad_input(format!(
            "audit log broken at entry {seq}: {why} ({} entries before it verify)",
            v.entries
        )));
    }
    if !c.problems.is_empty() {
        return Err(crate::exit::bad_input(format!("audit log cut: {}", c.problems.join("; "))));
    }
    if !json {
        eprintln!("audit log intact: {} entries, head {}:{}", v.entries, v.entries, v.head);
        match &c.expected {
            None => eprintln!(
                "note: no head to compare with ({} does not exist and no --expect-head): a cut tail cannot be told; keep the head above outside the database",
                head_file.display()
            ),
            Some(_) if c.beyond_head > 0 => eprintln!(
                "note: {} entries after the head in {source} (an interrupted head write, or a command run without the key file)",
                c.beyond_head
            ),
            Some(_) => eprintln!("the log ends at the head in {source}"),
        }
    }
    Ok(())
}
