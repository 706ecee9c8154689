//! The API for reporting organisations' systems, `/api/v1/…`.
//!
//! `POST /api/v1/reports` (and `/events`, `/signals`) takes a JSON array of objects whose members are
//! the import format's columns (docs/formats.md), strings, numbers, booleans or null. The token fixes
//! the organisation: a row's `reporter` (`source` for events and signals) is filled with it where
//! missing and must equal it where given — an organisation never submits for another. The answer
//! (200) counts what was inserted and what was already there (a row is identified by organisation and
//! `external_id`, so sending the same rows again is harmless) and lists each refused row by its index
//! in the array with every rule it broke:
//!
//! ```json
//! {"kind":"reports","received":3,"inserted":2,"unchanged":0,
//!  "rejected":[{"index":1,"problems":[{"field":"sex","rule":"not a sex code: …"}]}]}
//! ```
//!
//! Errors are `{"error": "…"}` with 400 (not a JSON array of objects), 401 (no valid token), 403 (a
//! row for another organisation), 413 (too large), 422 (a row not of the documented shape: a column
//! that is not one, a list or object as a value, a required column missing), 500 (the register's
//! fault; nothing is said of the data). Nothing of a request that gets an error is stored.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Map, Value};
use zicht_register::RegisterError;
use zicht_register::intake::{self, Format, Input, Kind, OnError};

use crate::AppState;

/// A collection rows are posted to: the import kind it feeds and the model's columns for it.
pub(crate) struct Collection {
    /// The path segment, `/api/v1/{segment}`.
    pub segment: &'static str,
    /// The name of its row schema in the OpenAPI document.
    pub schema: &'static str,
    pub kind: Kind,
    pub columns: &'static [&'static str],
    pub required: &'static [&'static str],
    /// The column the token's organisation fills (and a row must not contradict).
    pub owner: &'static str,
}

/// The collections, one owner for the routes and the OpenAPI document.
pub(crate) const COLLECTIONS: [Collection; 3] = [
    Collection {
        segment: "reports",
        schema: "ReportRow",
        kind: Kind::Reports,
        columns: zicht_model::REPORT_COLUMNS,
        required: zicht_model::REPORT_REQUIRED_COLUMNS,
        owner: "reporter",
    },
    Collection {
        segment: "events",
        schema: "EventRow",
        kind: Kind::Events,
        columns: zicht_model::EVENT_COLUMNS,
        required: zicht_model::EVENT_REQUIRED_COLUMNS,
        owner: "source",
    },
    Collection {
        segment: "signals",
        schema: "SignalRow",
        kind: Kind::Signals,
        columns: zicht_model::SIGNAL_COLUMNS,
        required: zicht_model::SIGNAL_REQUIRED_COLUMNS,
        owner: "source",
    },
];

pub(crate) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/health", get(async || Json(serde_json::json!({"status": "ok"}))))
        .route("/api/v1/openapi.json", get(async || Json(crate::openapi::document())))
        .route("/api/v1/{kind}", post(submit))
}

/// An error answer: a status and a message for the sender.
#[derive(Debug)]
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.0, Json(serde_json::json!({"error": self.1}))).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        r
    }
}

fn internal(e: RegisterError) -> ApiError {
    // The register's own error goes to the log (its messages never hold personal data); the sender
    // learns only that it was not their fault.
    tracing::error!(error = %e, "submission failed");
    ApiError(StatusCode::INTERNAL_SERVER_ERROR, "the register could not take the submission; nothing was stored".into())
}

/// One refused row: its index in the array and every rule it broke.
#[derive(Debug, Serialize)]
pub struct Refused {
    pub index: usize,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Serialize)]
pub struct Problem {
    pub field: Option<String>,
    pub rule: String,
}

/// The answer to a submission.
#[derive(Debug, Serialize)]
pub struct Submitted {
    pub kind: &'static str,
    pub received: usize,
    pub inserted: u64,
    pub unchanged: u64,
    pub rejected: Vec<Refused>,
}

/// The organisation of the bearer token, or 401.
async fn organisation(state: &AppState, headers: &HeaderMap) -> Result<(String, String), ApiError> {
    let unauthorised =
        || ApiError(StatusCode::UNAUTHORIZED, "give a valid API token: Authorization: Bearer zt_…".into());
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(unauthorised)?;
    let found = zicht_register::accounts::token_organisation(&state.register, token).await.map_err(internal)?;
    found.ok_or_else(unauthorised)
}

/// The request's shape, as the OpenAPI document states it (422, nothing stored): only the
/// collection's columns, each a text, number, boolean or null, the required ones present. What the
/// values mean (a date in the future, an unknown code) is the model's to judge, row by row.
fn check_shape(
    index: usize,
    fields: &Map<String, Value>,
    columns: &[&str],
    required: &[&str],
    filled: &str,
) -> Result<(), ApiError> {
    let bad = |what: String| {
        ApiError(StatusCode::UNPROCESSABLE_ENTITY, format!("the row at index {index}: {what}; nothing was stored"))
    };
    for (name, value) in fields {
        if !columns.contains(&name.as_str()) {
            return Err(bad(format!("{name:?} is not a column (docs/formats.md lists them)")));
        }
        if matches!(value, Value::Array(_) | Value::Object(_)) {
            return Err(bad(format!("{name} holds a list or an object, not a value")));
        }
    }
    if let Some(missing) =
        required.iter().find(|c| **c != filled && **c != "reporter_type" && !fields.contains_key(**c))
    {
        return Err(bad(format!("{missing} is missing")));
    }
    Ok(())
}

async fn submit(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Submitted>, ApiError> {
    let Some(c) = COLLECTIONS.iter().find(|c| c.segment == kind) else {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("no such collection: /api/v1/{kind}")));
    };
    let (kind, owner_column, columns, required) = (c.kind, c.owner, c.columns, c.required);
    let (token_id, org) = organisation(&state, &headers).await?;
    let rows: Vec<Value> = serde_json::from_slice(&body)
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, format!("the body is not a JSON array: {e}")))?;
    // A report's reporter type, where the row leaves it out, is the organisation's registered one.
    let reporter_type = match kind {
        Kind::Reports => {
            let known = state.register.store.organisations().await.map_err(|e| internal(e.into()))?;
            known.into_iter().find(|(c, _)| *c == org).map(|(_, t)| t)
        }
        _ => None,
    };
    let mut lines = Vec::with_capacity(body.len() + rows.len());
    let received = rows.len();
    for (i, row) in rows.into_iter().enumerate() {
        let Value::Object(mut fields) = row else {
            return Err(ApiError(StatusCode::BAD_REQUEST, format!("the row at index {i} is not a JSON object")));
        };
        check_shape(i, &fields, columns, required, owner_column)?;
        match fields.get(owner_column) {
            None | Some(Value::Null) => {
                fields.insert(owner_column.into(), Value::String(org.clone()));
            }
            Some(Value::String(s)) if s.trim() == org => {}
            Some(_) => {
                return Err(ApiError(
                    StatusCode::FORBIDDEN,
                    format!(
                        "the row at index {i}: {owner_column} is not {org}, the organisation of this token; nothing was stored"
                    ),
                ));
            }
        }
        if let (Kind::Reports, Some(t)) = (kind, &reporter_type)
            && !fields.contains_key("reporter_type")
        {
            fields.insert("reporter_type".into(), Value::String(t.clone()));
        }
        serde_json::to_writer(&mut lines, &Value::Object(fields))
            .map_err(|e| internal(RegisterError::Input(e.to_string())))?;
        lines.push(b'\n');
    }
    let mut req = intake::Request::new(kind);
    req.on_error = OnError::Return;
    let reg = state.acting_as(format!("api:{org}:token {token_id}"));
    let input = Input::bytes("api", Format::JsonLines, lines);
    let summary = intake::import(&reg, [input], &req, &zicht_progress::NoProgress).await.map_err(|e| match e {
        e if e.is_input() => ApiError(StatusCode::BAD_REQUEST, e.to_string()),
        e => internal(e),
    })?;
    let s = summary.into_iter().next().unwrap_or_default();
    // A JSON-lines row's line is its index plus one.
    let rejected = s
        .rejected_rows
        .into_iter()
        .map(|r| Refused {
            index: r.line.saturating_sub(1) as usize,
            problems: r.problems.into_iter().map(|p| Problem { field: p.field, rule: p.rule }).collect(),
        })
        .collect();
    Ok(Json(Submitted { kind: kind.as_str(), received, inserted: s.inserted, unchanged: s.unchanged, rejected }))
}
