//! Batched INSERTs over both backends: only placeholders, never data, in the SQL text; statements sized by
//! [`crate::Db::max_params`].

use sqlx::{AnyConnection, AssertSqlSafe};

/// A cell value for a batched INSERT.
pub(crate) enum Val {
    Int(Option<i64>),
    Text(Option<String>),
    Bytes(Vec<u8>),
}

pub(crate) fn text(s: impl ToString) -> Val {
    Val::Text(Some(s.to_string()))
}
pub(crate) fn opt_text<T: ToString>(s: Option<T>) -> Val {
    Val::Text(s.map(|v| v.to_string()))
}
pub(crate) fn opt_int<T: Into<i64>>(v: Option<T>) -> Val {
    Val::Int(v.map(Into::into))
}
pub(crate) fn opt_bool(v: Option<bool>) -> Val {
    Val::Int(v.map(i64::from))
}

/// `INSERT INTO t (cols) VALUES ($1,..),(..)` for `rows` rows. Only placeholders, never data, in the SQL.
pub(crate) fn insert_sql(table: &str, cols: &[&str], rows: usize, suffix: &str) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..cols.len() {
            n += 1;
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${n}"));
        }
        sql.push(')');
    }
    sql.push_str(suffix);
    sql
}

/// Inserts rows with multi-row INSERTs of at most `max_params` bound values each.
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<Val>>,
    max_params: usize,
) -> Result<(), sqlx::Error> {
    let per_stmt = (max_params / cols.len()).max(1);
    let full = insert_sql(table, cols, per_stmt, "");
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_stmt).collect();
        let sql = if chunk.len() == per_stmt { full.clone() } else { insert_sql(table, cols, chunk.len(), "") };
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for v in chunk.into_iter().flatten() {
            q = match v {
                Val::Int(i) => q.bind(i),
                Val::Text(t) => q.bind(t),
                Val::Bytes(b) => q.bind(b),
            };
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
