//! Accounts through the library on a fresh SQLite and a fresh PostgreSQL database: organisations,
//! users and their logins, API tokens scoped to one organisation; every change audited.

#[path = "../../store/tests/common/mod.rs"]
mod common;

use zicht_register::Register;
use zicht_register::accounts::{self, Role};
use zicht_store::Store;

const PASSWORD: &str = "a long enough secret";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_log_in_with_their_password_only_and_tokens_submit_for_one_organisation() {
    for db in common::databases().await {
        let keys = common::keys(db.dir.path());
        let store = Store::open(&db.url).await.unwrap();
        store.init_keys(&keys).await.unwrap();
        let reg = Register::new(store, Some(keys), "cli:admin");

        accounts::add_organisation(&reg, "SHELTER-1", "shelter").await.unwrap();
        accounts::add_organisation(&reg, "SHELTER-1", "shelter").await.expect("the same again changes nothing");
        let other = accounts::add_organisation(&reg, "SHELTER-1", "police").await.unwrap_err();
        assert!(other.is_input() && other.to_string().contains("shelter"), "{}: {other}", db.label);
        assert!(accounts::add_organisation(&reg, "X", "bakery").await.unwrap_err().is_input(), "{}", db.label);

        // A reporter needs its organisation; no other role has one; short passwords are refused.
        let no_org = accounts::add_user(&reg, "anna", PASSWORD, Role::Reporter, None).await.unwrap_err();
        assert!(no_org.to_string().contains("--org"), "{}: {no_org}", db.label);
        let unknown = accounts::add_user(&reg, "anna", PASSWORD, Role::Reporter, Some("NOPE")).await.unwrap_err();
        assert!(unknown.is_input() && unknown.to_string().contains("zicht org add"), "{}: {unknown}", db.label);
        assert!(accounts::add_user(&reg, "root", PASSWORD, Role::Admin, Some("SHELTER-1")).await.is_err());
        assert!(accounts::add_user(&reg, "anna", "short", Role::Reporter, Some("SHELTER-1")).await.is_err());
        accounts::add_user(&reg, "anna", PASSWORD, Role::Reporter, Some("SHELTER-1")).await.unwrap();
        accounts::add_user(&reg, "rita", PASSWORD, Role::Registrar, None).await.unwrap();
        assert!(accounts::add_user(&reg, "anna", PASSWORD, Role::Analyst, None).await.is_err(), "names are unique");

        let anna = accounts::login(&reg, "anna", PASSWORD).await.unwrap().expect("her password");
        assert_eq!((anna.role.as_str(), anna.organisation.as_deref()), ("reporter", Some("SHELTER-1")), "{}", db.label);
        assert!(accounts::login(&reg, "anna", "a long enough secreT").await.unwrap().is_none(), "{}", db.label);
        assert!(accounts::login(&reg, "nobody", PASSWORD).await.unwrap().is_none(), "{}", db.label);
        accounts::disable_user(&reg, "anna").await.unwrap();
        assert!(accounts::login(&reg, "anna", PASSWORD).await.unwrap().is_none(), "{}: disabled", db.label);
        let listed = reg.store.users().await.unwrap();
        assert_eq!(
            listed.iter().map(|u| (u.username.as_str(), u.disabled)).collect::<Vec<_>>(),
            [("anna", true), ("rita", false)]
        );

        // The database holds no password and no token, only their hashes.
        let (id, token) = accounts::add_token(&reg, "SHELTER-1").await.unwrap();
        assert!(token.starts_with("zt_") && token.len() == 67, "{token}");
        let found = accounts::token_organisation(&reg, &token).await.unwrap();
        assert_eq!(found, Some((id.clone(), "SHELTER-1".to_string())), "{}", db.label);
        assert_eq!(accounts::token_organisation(&reg, "zt_00").await.unwrap(), None);
        let hashes: Vec<String> =
            sqlx::query_scalar("SELECT password_hash FROM users").fetch_all(&reg.store.db.pool).await.unwrap();
        assert!(hashes.iter().all(|h| h.starts_with("$argon2id$") && !h.contains(PASSWORD)), "{}", db.label);
        let stored: String =
            sqlx::query_scalar("SELECT token_hash FROM api_tokens").fetch_one(&reg.store.db.pool).await.unwrap();
        assert!(!token.contains(&stored) && !stored.contains(&token[3..]), "{}", db.label);
        accounts::revoke_token(&reg, &id).await.unwrap();
        assert_eq!(accounts::token_organisation(&reg, &token).await.unwrap(), None, "{}: revoked", db.label);
        assert!(accounts::revoke_token(&reg, &id).await.unwrap_err().is_input(), "{}", db.label);

        // Every change is in the audit log under the acting user.
        let actions: Vec<String> =
            sqlx::query_scalar("SELECT action FROM audit_log WHERE actor = 'cli:admin' ORDER BY seq")
                .fetch_all(&reg.store.db.pool)
                .await
                .unwrap();
        assert_eq!(
            actions,
            ["organisation add", "user add", "user add", "user disable", "token add", "token revoke"],
            "{}",
            db.label
        );
    }
}
