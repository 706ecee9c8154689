//! The audit log: append-only and hash-chained (each entry's hash covers the previous entry's hash, as in
//! a Merkle–Damgård chain / RFC 6962-style log), so that editing or deleting any past entry breaks every
//! later link. Triggers refuse UPDATE and DELETE; the chain catches whoever goes around them.

use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::{Db, StoreError};

/// The `prev_hash` of the first entry.
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

fn entry_hash(prev: &str, seq: i64, at: &str, e: &AuditEntry<'_>) -> String {
    let canonical = serde_json::json!([seq, at, e.actor, e.action, e.subject, e.purpose]).to_string();
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

/// Appends an entry inside the caller's transaction (so the log and the change commit together).
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
    let hash = entry_hash(&prev, seq, &at, e);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, subject, purpose, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(at)
    .bind(e.actor)
    .bind(e.action)
    .bind(e.subject)
    .bind(e.purpose)
    .bind(prev)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    Ok(seq)
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
            "SELECT seq, at, actor, action, subject, purpose, prev_hash, hash FROM audit_log \
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
            if prev_hash != prev {
                return broken("its prev_hash is not the hash of the entry before it");
            }
            let e = AuditEntry { actor: &actor, action: &action, subject: &subject, purpose: &purpose };
            if entry_hash(&prev, seq, &at, &e) != hash {
                return broken("its content does not match its hash (edited)");
            }
            prev = hash;
            expected_seq += 1;
            entries += 1;
        }
    }
    Ok(Verification { entries, head: prev, broken_at: None })
}
