//! `zicht org`, `zicht user`, `zicht token`: the server's organisations, users and API tokens, from
//! the command line (how the first admin is made). Every change is audited under `--actor`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use zicht_register::Register;
use zicht_register::accounts::{self, Role};

use super::common::{ActorArgs, DbArgs, classify, register_error, runtime};
use crate::exit::bad_input;

#[derive(Debug, Args)]
pub struct OrgCmd {
    #[command(subcommand)]
    pub command: OrgCommand,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Register a reporting organisation: its reporter code and type
    #[command(after_help = "Example:\n  zicht org add NIDOS --type guardianship")]
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        actor: ActorArgs,
        /// The organisation's reporter code, as its reports carry it
        code: String,
        /// Its reporter type (police, border_police, labour_inspectorate, care_coordinator, shelter,
        /// youth_care, guardianship, municipality, immigration, legal_aid, help_chat, ngo, other)
        #[arg(long = "type", value_name = "TYPE")]
        reporter_type: String,
    },
    /// List the registered organisations
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON on stdout
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct UserCmd {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from --password-file or ZICHT_PASSWORD, never an argument
    #[command(after_help = "Examples:\n  ZICHT_PASSWORD='…' zicht user add admin --role admin\n  \
        zicht user add j.devries --role reporter --org NIDOS --password-file pw.txt\n\n\
        Roles: reporter (one organisation's reports), registrar (all reports; identities on an audited\n\
        action), analyst (pseudonymised data and the monitor), admin (users and organisations).")]
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        actor: ActorArgs,
        /// The user name (letters, digits, . _ - @)
        username: String,
        /// reporter, registrar, analyst or admin
        #[arg(long)]
        role: String,
        /// A reporter's organisation (its reporter code)
        #[arg(long, value_name = "CODE")]
        org: Option<String>,
        /// File whose first line is the password (else the environment's ZICHT_PASSWORD)
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// List the users (never their passwords)
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON on stdout
        #[arg(long)]
        json: bool,
    },
    /// Disable a user: no more logins (the account stays for the audit log)
    Disable {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        actor: ActorArgs,
        username: String,
    },
}

#[derive(Debug, Args)]
pub struct TokenCmd {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue an API token for one organisation; printed once on stdout, stored only as a hash
    #[command(after_help = "Example:\n  zicht token add --org POL-AMS > pol-ams.token")]
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        actor: ActorArgs,
        /// The organisation the token submits for
        #[arg(long, value_name = "CODE")]
        org: String,
    },
    /// List the tokens (ids and organisations, never the tokens)
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON on stdout
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its id: it no longer authenticates
    Revoke {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        actor: ActorArgs,
        id: String,
    },
}

/// Opens the register (no key file: accounts hold no identity) and runs `f` on it.
fn with_register<T>(
    db: &DbArgs,
    actor: String,
    f: impl AsyncFnOnce(&Register) -> Result<T, zicht_register::RegisterError>,
) -> anyhow::Result<T> {
    runtime()?.block_on(async {
        let store = zicht_store::Store::open_existing(&db.db).await.map_err(classify)?;
        let reg = Register::new(store, None, actor);
        f(&reg).await.map_err(register_error)
    })
}

pub fn run_org(cmd: OrgCmd) -> anyhow::Result<()> {
    match cmd.command {
        OrgCommand::Add { db, actor, code, reporter_type } => {
            with_register(&db, actor.actor(), async |reg| {
                accounts::add_organisation(reg, &code, &reporter_type).await
            })?;
            eprintln!("organisation {code} registered");
        }
        OrgCommand::List { db, json } => {
            let orgs = with_register(&db, String::new(), async |reg| Ok(reg.store.organisations().await?))?;
            if json {
                let list: Vec<_> = orgs.iter().map(|(c, t)| serde_json::json!({"code": c, "type": t})).collect();
                println!("{}", serde_json::Value::Array(list));
            } else {
                for (code, t) in &orgs {
                    println!("{code}\t{t}");
                }
            }
        }
    }
    Ok(())
}

pub fn run_user(cmd: UserCmd) -> anyhow::Result<()> {
    match cmd.command {
        UserCommand::Add { db, actor, username, role, org, password_file } => {
            let role = Role::parse(&role).map_err(register_error)?;
            let password = read_password(password_file.as_deref())?;
            with_register(&db, actor.actor(), async |reg| {
                accounts::add_user(reg, &username, &password, role, org.as_deref()).await
            })?;
            eprintln!("user {username} added as {}", role.as_str());
        }
        UserCommand::List { db, json } => {
            let users = with_register(&db, String::new(), async |reg| Ok(reg.store.users().await?))?;
            if json {
                println!("{}", serde_json::to_string(&users)?);
            } else {
                for u in &users {
                    let state = if u.disabled { "disabled" } else { "active" };
                    println!("{}\t{}\t{}\t{state}", u.username, u.role, u.organisation.as_deref().unwrap_or("-"));
                }
            }
        }
        UserCommand::Disable { db, actor, username } => {
            with_register(&db, actor.actor(), async |reg| accounts::disable_user(reg, &username).await)?;
            eprintln!("user {username} disabled");
        }
    }
    Ok(())
}

pub fn run_token(cmd: TokenCmd) -> anyhow::Result<()> {
    match cmd.command {
        TokenCommand::Add { db, actor, org } => {
            let (id, token) = with_register(&db, actor.actor(), async |reg| accounts::add_token(reg, &org).await)?;
            eprintln!("token {id} for {org}: shown once, store it now (the register keeps only its hash)");
            println!("{token}");
        }
        TokenCommand::List { db, json } => {
            let tokens = with_register(&db, String::new(), async |reg| Ok(reg.store.tokens().await?))?;
            if json {
                println!("{}", serde_json::to_string(&tokens)?);
            } else {
                for t in &tokens {
                    let state = t.revoked_at.as_deref().map_or("active".to_string(), |r| format!("revoked {r}"));
                    println!("{}\t{}\t{}\t{state}", t.id, t.organisation, t.created_at);
                }
            }
        }
        TokenCommand::Revoke { db, actor, id } => {
            with_register(&db, actor.actor(), async |reg| accounts::revoke_token(reg, &id).await)?;
            eprintln!("token {id} revoked");
        }
    }
    Ok(())
}

/// The password: the first line of the file, or `ZICHT_PASSWORD` (secrets from files or the
/// environment, never from an argument that `ps` shows).
fn read_password(file: Option<&std::path::Path>) -> anyhow::Result<String> {
    let raw = match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| bad_input(format!("--password-file {}: {e}", path.display())))?
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
        None => std::env::var("ZICHT_PASSWORD").map_err(|_| {
            bad_input("no password: give --password-file FILE or set ZICHT_PASSWORD (never on the command line)")
        })?,
    };
    Ok(raw.trim_end_matches(['\r', '\n']).to_string())
}
