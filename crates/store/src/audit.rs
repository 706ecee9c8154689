//! The audit log: append-only and hash-chained (each entry's hash covers the previous entry's hash, as in
//! a Merkle–Damgård chain / RFC 6962-style log), so that editing or deleting any past entry breaks every
//! later link. Triggers refuse UPDATE and DELETE; the chain catches whoever goes around them.
//!
//! A chain alone cannot show that its *tail* was cut: the shorter log chains just as well. So the last
//! entry's sequence number and hash (the [`Head`]) are also written outside the database, beside the key
//! file, after every commit that appends ([`write_head`]), and [`check`] compares the log with that head
//! (or one given with `--expect-head`), and cross-checks that every import and linkage run recorded in
//! the register's own tables has its entry.

use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::{Db, StoreError};

/// The `prev_hash` of the first entry.
/// (Each entry also records the operating-system user that ran the command, see [`os_user`].)
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One thing that happened to personal data: who, what, on what, why. Never put identifiers in it.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub purpose: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_and_purpose_must_be_plain_non_empty_text() {
        assert!(check_field("actor", "registrar J. de Vries").is_ok());
        for bad in ["", "   ", "a\nb", "tab\there", "x\u{7}", &"y".repeat(201)] {
            assert!(matches!(check_field("actor", bad), Err(StoreError::AuditField { field: "actor", .. })), "{bad:?}");
        }
    }
}

fn entry_hash(prev: &str, seq: i64, at: &str, e: &AuditEntry<'_>, os_user: Option<&str>) -> String {
    // Entries written before the OS user was recorded hash without it.
    let canonical = match os_user {
        None => serde_json::json!([seq, at, e.actor, e.action, e.subject, e.purpose]),
        Some(u) => serde_json::json!([seq, at, e.actor, e.action, e.subject, e.purpose, u]),
    }
    .to_string();
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

/// The rule an actor or a purpose must meet: not empty, no control characters (a newline would let
/// one entry pass for two in any line-based reading of the log), at most 200 characters.
pub fn check_field(field: &'static str, value: &str) -> Result<(), StoreError> {
    let rule = if value.trim().is_empty() {
        "is empty"
    } else if value.chars().any(char::is_control) {
        "holds a control character (newline, tab, …)"
    } else if value.chars().count() > 200 {
        "is longer than 200 characters"
    } else {
        return Ok(());
    };
    Err(StoreError::AuditField { field, rule })
}

/// Appends an entry inside the caller's transaction (so the log and the change commit together),
/// which must be the register's writer ([`crate::Db::begin_write`]): the entry follows the last one.
/// Refuses an empty actor or purpose, or one with control characters ([`check_field`]).
pub async fn append(conn: &mut AnyConnection, e: &AuditEntry<'_>) -> Result<i64, StoreError> {
    check_field("actor", e.actor)?;
    check_field("purpose", e.purpose)?;
    let last =
        sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetch_optional(&mut *conn).await?;
    let (seq, prev) = match last {
        Some(row) => (row.try_get::<i64, _>(0)? + 1, row.try_get::<String, _>(1)?),
        None => (1, GENESIS.to_string()),
    };
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let user = os_user();
    let hash = entry_hash(&prev, seq, &at, e, Some(&user));
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, subject, purpose, prev_hash, hash, os_user) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(at)
    .bind(e.actor)
    .bind(e.action)
    .bind(e.subject)
    .bind(e.purpose)
    .bind(prev)
    .bind(hash)
    .bind(user)
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}

/// Who ran this process, as the operating system says (`name (uid N)`): the actor is what the operator
/// typed, and may be anything.
pub fn os_user() -> String {
    #[cfg(unix)]
    {
        let uid = rustix::process::getuid().as_raw();
        let name = std::fs::read_to_string("/etc/passwd").ok().and_then(|passwd| {
            passwd.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() > 2 && f[2] == uid.to_string()).then(|| f[0].to_string())
            })
        });
        match name {
            Some(n) => format!("{n} (uid {uid})"),
            None => format!("uid {uid}"),
        }
    }
    #[cfg(not(unix))]
    {
        std::env::var("USERNAME").unwrap_or_else(|_| "unknown".into())
    }
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    pub entries: u64,
    /// The hash of the last entry: keep it outside the database (a ticket, a mail) to detect truncation.
    pub head: String,
    /// The first entry that does not chain, and why.
    pub broken_at: Option<(i64, String)>,
}

/// Recomputes every link, in pages, from the first entry.
pub async fn verify(db: &Db) -> Result<Verification, StoreError> {
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    let mut entries = 0u64;
    loop {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, subject, purpose, prev_hash, hash, os_user FROM audit_log \
             WHERE seq >= $1 ORDER BY seq LIMIT 10000",
        )
        .bind(expected_seq)
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let seq: i64 = row.try_get(0)?;
            let broken =
                |why: &str| Ok(Verification { entries, head: prev.clone(), broken_at: Some((seq, why.to_string())) });
            if seq != expected_seq {
                return broken(&format!("entry {expected_seq} is missing"));
            }
            let (at, actor, action, subject, purpose): (String, String, String, String, String) =
                (row.try_get(1)?, row.try_get(2)?, row.try_get(3)?, row.try_get(4)?, row.try_get(5)?);
            let (prev_hash, hash): (String, String) = (row.try_get(6)?, row.try_get(7)?);
            let os_user: Option<String> = row.try_get(8)?;
            if prev_hash != prev {
                return broken("its prev_hash is not the hash of the entry before it");
            }
            let e = AuditEntry { actor: &actor, action: &action, subject: &subject, purpose: &purpose };
            if entry_hash(&prev, seq, &at, &e, os_user.as_deref()) != hash {
                return broken("its content does not match its hash (edited)");
            }
            prev = hash;
            expected_seq += 1;
            entries += 1;
        }
    }
    Ok(Verification { entries, head: prev, broken_at: None })
}

/// The last entry of the log as recorded outside it: `SEQ:HASH` (`0:` and the genesis hash for an empty
/// log).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl std::str::FromStr for Head {
    type Err = String;
    fn from_str(s: &str) -> Result<Head, String> {
        let bad =
            || format!("an audit head is SEQ:HASH (as `zicht audit verify` prints it), got {} characters", s.len());
        let (seq, hash) = s.trim().split_once(':').ok_or_else(bad)?;
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        if seq < 0 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Head { seq, hash: hash.to_ascii_lowercase() })
    }
}

/// Where the head of the register whose key file is `key_file` is kept: `KEYFILE.audit-head`, beside it,
/// so that a copy of the database alone cannot make the log and its head agree.
pub fn head_path(key_file: &std::path::Path) -> std::path::PathBuf {
    let mut name = key_file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".audit-head");
    key_file.with_file_name(name)
}

const HEAD_MAGIC: &str = "zicht audit head v1";

/// The log's last entry, as the database has it now.
pub async fn current_head(db: &Db) -> Result<Head, StoreError> {
    let row = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetch_optional(&db.pool).await?;
    Ok(match row {
        Some(r) => Head { seq: r.try_get(0)?, hash: r.try_get(1)? },
        None => Head { seq: 0, hash: GENESIS.into() },
    })
}

/// Writes the log's current head to `path` (whole or not at all, owner-only). Never moves a head
/// back: a file that records a later entry than the database holds is left for [`check`] to report.
pub async fn write_head(db: &Db, path: &std::path::Path) -> Result<Head, StoreError> {
    let head = current_head(db).await?;
    if let Ok(Some(kept)) = read_head(path)
        && kept.seq > head.seq
    {
        return Ok(head);
    }
    let text = format!("{HEAD_MAGIC}\n{head}\n");
    zicht_output::write(path, text.as_bytes(), zicht_output::Access::Private)
        .map_err(|e| StoreError::AuditHead(format!("cannot write {}: {e}", path.display())))?;
    Ok(head)
}

/// The head kept at `path`; `None` when there is no such file.
pub fn read_head(path: &std::path::Path) -> Result<Option<Head>, StoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::AuditHead(format!("cannot read {}: {e}", path.display()))),
    };
    let mut lines = text.lines();
    if lines.next() != Some(HEAD_MAGIC) {
        return Err(StoreError::AuditHead(format!("{} is not an audit head file", path.display())));
    }
    let head =
        lines.next().unwrap_or("").parse().map_err(|e| StoreError::AuditHead(format!("{}: {e}", path.display())))?;
    Ok(Some(head))
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    /// The chain itself.
    pub chain: Verification,
    /// The head the log was compared with, if any.
    pub expected: Option<Head>,
    /// Entries the log holds beyond the expected head (a head write that was interrupted, or appends by
    /// a process that did not know the head file). Not an error.
    pub beyond_head: i64,
    /// Everything that shows entries were removed or replaced, in words.
    pub problems: Vec<String>,
}

impl Check {
    pub fn ok(&self) -> bool {
        self.chain.broken_at.is_none() && self.problems.is_empty()
    }
}

/// Verifies the chain, compares it with `expected` (the head kept outside the database), and checks
/// that every import that inserted rows and every linkage run has its entry: a cut tail shows as a log
/// shorter than its head, an entry at the head's place with another hash, or work without an entry.
pub async fn check(db: &Db, expected: Option<Head>) -> Result<Check, StoreError> {
    let chain = verify(db).await?;
    let mut problems = Vec::new();
    let mut beyond_head = 0;
    if let Some(h) = &expected {
        if h.seq > chain.entries as i64 {
            problems.push(format!(
                "the log ends at entry {} but its head records entry {}: entries {}..={} were removed",
                chain.entries,
                h.seq,
                chain.entries + 1,
                h.seq
            ));
        } else if h.seq > 0 {
            let at: Option<String> = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
                .bind(h.seq)
                .fetch_optional(&db.pool)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
            if at.as_deref() != Some(h.hash.as_str()) {
                problems.push(format!("entry {} is not the one its head records: the log's tail was replaced", h.seq));
            } else {
                beyond_head = chain.entries as i64 - h.seq;
            }
        } else {
            beyond_head = chain.entries as i64;
        }
    }
    // Work the register's own tables record must have its entry.
    // The imports and linkage runs the log records: import ids from the subjects ("import 7 (…"), and
    // the sequence numbers of the runs' entries.
    let (mut imported, mut linked) = (std::collections::HashSet::new(), std::collections::HashSet::new());
    for r in sqlx::query("SELECT seq, action, subject FROM audit_log WHERE action IN ('import', 'link persons')")
        .fetch_all(&db.pool)
        .await?
    {
        let (seq, action, subject): (i64, String, String) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        if action == "link persons" {
            linked.insert(seq);
        } else if let Some(id) = subject.strip_prefix("import ").and_then(|t| t.split(' ').next()?.parse::<i64>().ok())
        {
            imported.insert(id);
        }
    }
    let imports: Vec<i64> = sqlx::query("SELECT id FROM imports WHERE inserted > 0 ORDER BY id")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let missing: Vec<i64> = imports.into_iter().filter(|id| !imported.contains(id)).collect();
    if !missing.is_empty() {
        problems.push(format!("{} import(s) have no audit entry (import ids {})", missing.len(), list(&missing)));
    }
    let runs: Vec<(i64, Option<i64>)> = sqlx::query("SELECT id, audit_seq FROM link_runs ORDER BY id")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let first_audited = runs.iter().position(|(_, s)| s.is_some()).unwrap_or(runs.len());
    let missing: Vec<i64> = runs[first_audited..]
        .iter()
        .filter(|(_, seq)| !seq.is_some_and(|q| linked.contains(&q)))
        .map(|(id, _)| *id)
        .collect();
    if !missing.is_empty() {
        problems.push(format!("{} linkage run(s) have no audit entry (run ids {})", missing.len(), list(&missing)));
    }
    Ok(Check { chain, expected, beyond_head, problems })
}

fn list(ids: &[i64]) -> String {
    let shown: Vec<String> = ids.iter().take(10).map(i64::to_string).collect();
    if ids.len() > 10 { format!("{}, …", shown.join(", ")) } else { shown.join(", ") }
}
