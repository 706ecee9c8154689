//! Who may use the register through the server: organisations (registered reporters), users with one
//! role each, API tokens for system-to-system submission scoped to one organisation. Passwords are
//! hashed with argon2id at the parameters OWASP recommends (19 MiB, two passes: the crate's default);
//! tokens are 256 random bits shown once and stored as their SHA-256 (a token is not a password: a
//! fast hash of a random secret cannot be brute-forced).

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use sha2::Digest;

pub use zicht_store::accounts::{AccountError, Token, User};

use crate::{Register, RegisterError};

/// What a user may do. A reporter submits for, and sees, its own organisation only; a registrar sees
/// every report and opens an identity only on an explicit, audited action; an analyst sees
/// pseudonymised data and the monitor; an admin manages users and organisations. Neither analyst nor
/// admin ever sees an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Reporter,
    Registrar,
    Analyst,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Reporter, Role::Registrar, Role::Analyst, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reporter => "reporter",
            Role::Registrar => "registrar",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Role, RegisterError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| RegisterError::Input(format!("role {s:?}: one of reporter, registrar, analyst, admin")))
    }
}

/// The fewest characters of a password (NIST SP 800-63B asks at least 8; a register of victims asks more).
pub const MIN_PASSWORD_CHARS: usize = 12;

fn input(e: AccountError) -> RegisterError {
    match e {
        AccountError::Store(s) => RegisterError::Store(s),
        e => RegisterError::Input(e.to_string()),
    }
}

/// Registers an organisation: its reporter code and type (the model's reporter types).
pub async fn add_organisation(reg: &Register, code: &str, reporter_type: &str) -> Result<(), RegisterError> {
    let code = code.trim();
    if code.is_empty() || code.len() > 64 || code.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(RegisterError::Input(format!(
            "organisation code {code:?}: 1 to 64 characters without spaces (e.g. POL-AMS)"
        )));
    }
    let t = zicht_model::ReporterType::parse(reporter_type).map_err(|e| RegisterError::Input(e.to_string()))?;
    reg.store.add_organisation(code, t.as_str(), &reg.actor).await.map_err(input)
}

/// Adds a user; a reporter needs its organisation, no other role has one.
pub async fn add_user(
    reg: &Register,
    username: &str,
    password: &str,
    role: Role,
    organisation: Option<&str>,
) -> Result<(), RegisterError> {
    let username = username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username.chars().all(|c| c.is_alphanumeric() || "._-@".contains(c))
    {
        return Err(RegisterError::Input(format!("user name {username:?}: 1 to 64 letters, digits or . _ - @")));
    }
    match (role, organisation) {
        (Role::Reporter, None) => {
            return Err(RegisterError::Input("a reporter belongs to an organisation: give --org CODE".into()));
        }
        (r, Some(_)) if r != Role::Reporter => {
            return Err(RegisterError::Input(format!("a {} belongs to no organisation: leave out --org", r.as_str())));
        }
        _ => {}
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(RegisterError::Input(format!("the password has fewer than {MIN_PASSWORD_CHARS} characters")));
    }
    let hash = hash_password(password)?;
    reg.store.add_user(username, &hash, role.as_str(), organisation, &reg.actor).await.map_err(input)
}

/// Disables a user: no more logins; the account stays for the audit log.
pub async fn disable_user(reg: &Register, username: &str) -> Result<(), RegisterError> {
    reg.store.disable_user(username, &reg.actor).await.map_err(input)
}

/// The argon2id PHC string of a password, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, RegisterError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| RegisterError::Input(format!("hashing the password: {e}")))
}

/// The user a name and password log in as: `None` for an unknown name, a wrong password or a
/// disabled account alike (the caller cannot tell which, nor can whoever tries names). An unknown
/// name still costs one hash, so that its answer takes as long.
pub async fn login(reg: &Register, username: &str, password: &str) -> Result<Option<User>, RegisterError> {
    let found = reg.store.user_login(username.trim()).await?;
    let stored = found.as_ref().map(|(_, h)| h.clone()).unwrap_or_else(|| DUMMY_HASH.to_string());
    let ok =
        PasswordHash::new(&stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
    Ok(found.filter(|(u, _)| ok && !u.disabled).map(|(u, _)| u))
}

/// The hash an unknown user name is checked against (of no password anyone has).
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$joED3A2MqWGvhOEqhdPsNA$HlsV05fnlFvLHZF4QHJqYv2vA6REaKI3CfOuhvRRhzY";

/// A new API token for an organisation: its public id and the secret, which is shown once and never
/// stored (only its SHA-256 is).
pub async fn add_token(reg: &Register, organisation: &str) -> Result<(String, String), RegisterError> {
    let secret = zicht_store::keys::fresh_secret();
    let token = format!("zt_{}", hex::encode(secret));
    let id = hex::encode(&sha2::Sha256::digest(secret.as_slice())[..6]);
    reg.store.add_token(&id, &token_hash(&token), organisation, &reg.actor).await.map_err(input)?;
    Ok((id, token))
}

/// Revokes a token by its id.
pub async fn revoke_token(reg: &Register, id: &str) -> Result<(), RegisterError> {
    reg.store.revoke_token(id, &reg.actor).await.map_err(input)
}

/// The organisation a presented token submits for (and the token's id, for the audit log), if it
/// is one the register issued and has not revoked.
pub async fn token_organisation(reg: &Register, token: &str) -> Result<Option<(String, String)>, RegisterError> {
    Ok(reg.store.token_organisation(&token_hash(token.trim())).await?)
}

fn token_hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_hash_is_argon2id_salted_and_verifies_only_its_password() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        let h = PasswordHash::new(&a).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse battery", &h).is_ok());
        assert!(Argon2::default().verify_password(b"correct horse batterY", &h).is_err());
        assert!(PasswordHash::new(DUMMY_HASH).is_ok(), "the dummy parses, so an unknown name costs a hash");
    }
}
