//! `zicht init`: create the key file (if none) and the database schema, and tie the database to the key.

use clap::Args;

use super::common::{DbArgs, KeyArgs, classify, runtime};

#[derive(Debug, Args)]
#[command(after_help = "Example:\n  zicht init --db sqlite://zicht.db --key-file zicht.key")]
pub struct InitArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Print a JSON summary on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: InitArgs) -> anyhow::Result<()> {
    let created_key = !args.keys.key_file.exists();
    let keys = if created_key {
        zicht_store::Keys::create(&args.keys.key_file).map_err(|e| crate::exit::bad_input(e.to_string()))?
    } else {
        super::common::load_keys(&args.keys)?
    };
    let rt = runtime()?;
    let (initialised, scheme) = rt.block_on(async {
        let store = zicht_store::Store::open(&args.db.db).await.map_err(classify)?;
        let initialised = store.init_keys(&keys).await.map_err(classify)?;
        anyhow::Ok((initialised, store.layer_scheme().await.map_err(classify)?))
    })?;
    if scheme < zicht_store::layers::SCHEME {
        eprintln!("this register stores single-layer pseudonyms: run `zicht key migrate` before importing or linking");
    }
    if args.json {
        println!(
            "{}",
            serde_json::json!({"key_file": args.keys.key_file, "key_file_created": created_key, "database_initialised": initialised, "pseudonym_layers": scheme})
        );
    } else {
        if created_key {
            eprintln!("created key file {} (mode 0600): keep it secret and backed up", args.keys.key_file.display());
        }
        eprintln!(
            "database {} {}",
            redact_url(&args.db.db),
            if initialised { "initialised" } else { "already initialised with this key" }
        );
    }
    Ok(())
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..s + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}
