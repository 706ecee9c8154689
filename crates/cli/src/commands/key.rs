//! `zicht key`: the reporter's key file, and the migration of a register to two-layer pseudonyms.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::common::{ActorArgs, DbArgs, KeyArgs, classify, load_keys, runtime};

#[derive(Debug, Args)]
pub struct KeyCmd {
    #[command(subcommand)]
    pub command: KeyCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Write the key file a reporting organisation receives: the pseudonym key only (mode 0600)
    #[command(after_help = "Example:\n  zicht key reporter --key-file zicht.key --out jeugdzorg-utrecht.key\n\n\
        The file holds what `zicht pseudonymise` needs and nothing else: not the vault key, not the\n\
        register key. An existing file, or a path through a symbolic link, is refused.")]
    Reporter {
        #[command(flatten)]
        keys: KeyArgs,
        /// Where to write the reporter's key file (must not exist)
        #[arg(long)]
        out: PathBuf,
    },
    /// Re-key a register written before two-layer pseudonyms (once; audited; a second run does nothing)
    #[command(
        after_help = "Example:\n  zicht key migrate --db sqlite://zicht.db --key-file zicht.key --purpose \"two-layer pseudonyms\"\n\n\
        Adds a register key to the key file if it has none (back the key file up again afterwards), then\n\
        re-keys every stored pseudonym, match key, birth-date key and row digest in one transaction."
    )]
    Migrate {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        keys: KeyArgs,
        #[command(flatten)]
        actor: ActorArgs,
        /// Why (audit log)
        #[arg(long, default_value = "re-key digests to two-layer pseudonyms")]
        purpose: String,
        /// Print a JSON summary on stdout
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: KeyCmd) -> anyhow::Result<()> {
    match args.command {
        KeyCommand::Reporter { keys, out } => {
            let k = load_keys(&keys)?;
            k.write_reporter_file(&out).map_err(|e| crate::exit::bad_input(e.to_string()))?;
            eprintln!("wrote {} (mode 0600): the pseudonym key only, for `zicht pseudonymise`", out.display());
            Ok(())
        }
        KeyCommand::Migrate { db, keys, actor, purpose, json } => {
            let mut k = load_keys(&keys)?;
            let rt = runtime()?;
            let s = rt.block_on(async {
                let store = zicht_store::Store::open_existing(&db.db)
                    .await
                    .map_err(classify)?
                    .keep_audit_head(zicht_store::audit::head_path(&k.path));
                store.migrate_keys(&mut k, &actor.actor(), &purpose).await.map_err(classify)
            })?;
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                if s.register_key_added {
                    eprintln!("added a register key to {}: back it up again", keys.key_file.display());
                }
                if s.from_scheme >= s.scheme {
                    eprintln!("nothing to do: the register already stores two-layer digests");
                } else {
                    eprintln!(
                        "re-keyed {} reports, {} events and {} signals to two-layer digests",
                        s.reports, s.events, s.signals
                    );
                }
            }
            Ok(())
        }
    }
}
