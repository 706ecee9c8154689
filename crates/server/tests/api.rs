//! The submission API over real HTTP on the loopback interface, against a fresh SQLite and a fresh
//! PostgreSQL register: tokens, organisation scope, validation answers, idempotence, limits, headers.

mod support;

use serde_json::{Value, json};
use support::{Server, common};
use zicht_register::accounts;

fn reports() -> Value {
    json!([
        {"external_id": "A-1", "report_date": "2024-02-01", "identification": "identified", "lawful_basis": "consent",
         "given_names": "Anna", "family_name": "Jansen", "birth_date": "1990-04-02", "sex": "female",
         "nationality": "NL", "exploitation": "labour"},
        {"external_id": "A-2", "report_date": "2024-03-01", "identification": "identified", "lawful_basis": "consent",
         "given_names": "Piet", "family_name": "Smit", "birth_date": "1988-01-01", "sex": "unknown-sex",
         "nationality": "NL", "exploitation": "sexual", "age_at_start": 150},
        {"reporter": "SHELTER-1", "external_id": "A-3", "report_date": "2024-03-01", "identification": "statistical",
         "lawful_basis": "public_task", "sex": "male", "nationality": "UA", "exploitation": "criminal"}
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisation_submits_its_own_reports_and_hears_which_rows_broke_which_rules() {
    let http = reqwest::Client::new();
    for db in common::databases().await {
        let server = Server::start(&db, 64 << 10).await;
        let (shelter, police, reg) =
            (server.shelter.clone(), server.police.clone(), server.reg.acting_as("test:admin"));
        let url = format!("{}/api/v1/reports", server.base);

        let health = http.get(format!("{}/api/v1/health", server.base)).send().await.unwrap();
        assert_eq!(health.status(), 200, "{}", db.label);
        for (name, value) in [
            ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
            ("x-content-type-options", "nosniff"),
            ("cache-control", "no-store"),
        ] {
            assert_eq!(health.headers().get(name).and_then(|v| v.to_str().ok()), Some(value), "{}: {name}", db.label);
        }

        // No token, a made-up token: 401, and nothing stored.
        let none = http.post(&url).json(&reports()).send().await.unwrap();
        assert_eq!(none.status(), 401, "{}", db.label);
        let fake = http.post(&url).bearer_auth(format!("zt_{}", "0".repeat(64))).json(&reports()).send().await.unwrap();
        assert_eq!(fake.status(), 401, "{}", db.label);

        // The shelter's token: two rows in, the second refused with both its broken rules.
        let r = http.post(&url).bearer_auth(&shelter).json(&reports()).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", db.label);
        let body: Value = r.json().await.unwrap();
        assert_eq!((body["received"].as_u64(), body["inserted"].as_u64()), (Some(3), Some(2)), "{}: {body}", db.label);
        let rejected = body["rejected"].as_array().unwrap();
        assert_eq!(rejected.len(), 1, "{}: {body}", db.label);
        assert_eq!(rejected[0]["index"], 1, "{}: {body}", db.label);
        let fields: Vec<&str> =
            rejected[0]["problems"].as_array().unwrap().iter().filter_map(|p| p["field"].as_str()).collect();
        assert!(fields.contains(&"sex") && fields.contains(&"age_at_start"), "{}: {body}", db.label);
        let text = body.to_string();
        assert!(
            !text.contains("Piet") && !text.contains("Smit"),
            "{}: the answer repeats no identity: {text}",
            db.label
        );

        // Sending the same rows again is harmless.
        let again: Value =
            http.post(&url).bearer_auth(&shelter).json(&reports()).send().await.unwrap().json().await.unwrap();
        assert_eq!(
            (again["inserted"].as_u64(), again["unchanged"].as_u64()),
            (Some(0), Some(2)),
            "{}: {again}",
            db.label
        );

        // The police's token cannot submit a row naming the shelter: 403, nothing of the request stored.
        let r = http.post(&url).bearer_auth(&police).json(&reports()).send().await.unwrap();
        assert_eq!(r.status(), 403, "{}", db.label);
        let said: Value = r.json().await.unwrap();
        assert!(said["error"].as_str().unwrap().contains("index 2"), "{}: {said}", db.label);

        // What was stored is the shelter's, under the token's organisation, audited under the token.
        let owners: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT reporter FROM reports").fetch_all(&reg.store.db.pool).await.unwrap();
        assert_eq!(owners, ["SHELTER-1"], "{}", db.label);
        let actors: Vec<String> = sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'import'")
            .fetch_all(&reg.store.db.pool)
            .await
            .unwrap();
        assert!(actors.len() == 1 && actors[0].starts_with("api:SHELTER-1:token "), "{}: {actors:?}", db.label);

        // Malformed bodies and unknown collections, each with a JSON error.
        for (body, status) in [("{}", 400), ("[1]", 400), ("not json", 400)] {
            let r = http.post(&url).bearer_auth(&shelter).body(body).send().await.unwrap();
            assert_eq!(r.status(), status, "{}: {body}", db.label);
            assert!(r.json::<Value>().await.unwrap()["error"].is_string(), "{}: {body}", db.label);
        }
        // A row not of the documented shape refuses the whole request (422), nothing stored; what the
        // values mean is judged row by row (above).
        let before: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM reports").fetch_one(&reg.store.db.pool).await.unwrap();
        let mut unknown = reports();
        unknown[2]["nickname"] = json!("Bo");
        let mut nested = reports();
        nested[0]["sex"] = json!(["female"]);
        let mut missing = reports();
        missing[0].as_object_mut().unwrap().remove("external_id");
        for (what, body) in [("nickname", unknown), ("sex", nested), ("external_id", missing)] {
            let r = http.post(&url).bearer_auth(&shelter).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 422, "{}: {what}", db.label);
            let said = r.json::<Value>().await.unwrap()["error"].as_str().unwrap().to_string();
            assert!(said.contains(what), "{}: {said}", db.label);
        }
        let after: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM reports").fetch_one(&reg.store.db.pool).await.unwrap();
        assert_eq!(before, after, "{}", db.label);

        // The OpenAPI document describes every collection, from the model's columns.
        let doc: Value =
            http.get(format!("{}/api/v1/openapi.json", server.base)).send().await.unwrap().json().await.unwrap();
        assert_eq!(doc["openapi"], "3.1.0", "{}", db.label);
        for c in ["reports", "events", "signals"] {
            assert!(doc["paths"][format!("/api/v1/{c}")]["post"].is_object(), "{}: {c}", db.label);
        }
        let props = doc["components"]["schemas"]["ReportRow"]["properties"].as_object().unwrap();
        assert_eq!(props.len(), zicht_model::REPORT_COLUMNS.len(), "{}", db.label);

        let r =
            http.post(format!("{}/api/v1/persons", server.base)).bearer_auth(&shelter).body("[]").send().await.unwrap();
        assert_eq!(r.status(), 404, "{}", db.label);
        let big = format!("[{}]", vec![r#"{"external_id":"x"}"#; 5000].join(","));
        let r = http.post(&url).bearer_auth(&shelter).body(big).send().await.unwrap();
        assert_eq!(r.status(), 413, "{}: a body over the limit", db.label);

        // A revoked token no longer submits.
        let (id, token) = accounts::add_token(&reg, "SHELTER-1").await.unwrap();
        accounts::revoke_token(&reg, &id).await.unwrap();
        let r = http.post(&url).bearer_auth(&token).json(&reports()).send().await.unwrap();
        assert_eq!(r.status(), 401, "{}: revoked", db.label);
        server.stop().await;
    }
}

/// Organisations submit at the same time: every acknowledged row is stored, none is refused for a
/// busy database (SQLite has one writer at a time; the others must wait, not fail).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submissions_all_land() {
    let http = reqwest::Client::new();
    for db in common::databases().await {
        let server = Server::start(&db, 64 << 10).await;
        let (shelter, police, reg) =
            (server.shelter.clone(), server.police.clone(), server.reg.acting_as("test:admin"));
        let url = format!("{}/api/v1/reports", server.base);
        let mut tasks = Vec::new();
        for client in 0..8 {
            let (http, url) = (http.clone(), url.clone());
            let token = if client % 2 == 0 { shelter.clone() } else { police.clone() };
            tasks.push(tokio::spawn(async move {
                let mut statuses = Vec::new();
                for k in 0..15 {
                    let rows: Vec<Value> = (0..20)
                        .map(|r| {
                            json!({"external_id": format!("C{client}-{k}-{r}"), "report_date": "2024-02-01",
                                   "identification": "statistical", "lawful_basis": "public_task",
                                   "sex": "female", "nationality": "NL", "exploitation": "sexual"})
                        })
                        .collect();
                    let r = http.post(&url).bearer_auth(&token).json(&rows).send().await.unwrap();
                    let status = r.status().as_u16();
                    let body: Value = r.json().await.unwrap();
                    statuses.push((status, body["inserted"].as_u64().unwrap_or(0), body.to_string()));
                }
                statuses
            }));
        }
        let mut acknowledged = 0;
        for t in tasks {
            for (status, inserted, body) in t.await.unwrap() {
                assert_eq!(status, 200, "{}: {body}", db.label);
                acknowledged += inserted;
            }
        }
        let stored: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM reports").fetch_one(&reg.store.db.pool).await.unwrap();
        assert_eq!((acknowledged, stored), (8 * 15 * 20, 8 * 15 * 20), "{}", db.label);
        server.stop().await;
    }
}
