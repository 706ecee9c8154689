//! The key file: two independent 256-bit secrets, the vault key (AES-256-GCM for direct identifiers) and
//! the pseudonym key (HMAC-SHA256). Kept apart so that a reporting organisation can hold the pseudonym
//! key alone (to send statistical reports) without being able to open the vault.
//!
//! Format (text, mode 0600):
//! ```text
//! # zicht key file
//! vault_key = <64 hex digits>
//! pseudonym_key = <64 hex digits>
//! ```

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use aes_gcm::aead::Generate;
use zicht_model::PseudonymKey;

/// Key-file problems. Messages name the file, never a key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("key file {path}, line {line}: {rule}")]
    Format { path: PathBuf, line: usize, rule: String },
    #[error("key file {path} has no {which}")]
    Missing { path: PathBuf, which: &'static str },
    #[error(
        "key file {path} is readable by other users (mode {mode:o}); run `chmod 600 {path}` (a key must be private)"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("cannot create key file {path}: {reason}")]
    Create { path: PathBuf, reason: String },
    #[error(
        "the vault key in {path} does not belong to this database (it was initialised with another key); use the key file made by `zicht init` for it"
    )]
    WrongVaultKey { path: PathBuf },
}

/// A 256-bit AES key for the identity vault. Never printed.
#[derive(Clone)]
pub struct VaultKey(pub(crate) [u8; 32]);

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey(..)")
    }
}

/// The keys from a key file. The vault key is absent in a reporter's pseudonym-only file.
#[derive(Debug, Clone)]
pub struct Keys {
    pub path: PathBuf,
    pub vault: Option<VaultKey>,
    pub pseudonym: PseudonymKey,
}

impl Keys {
    /// Reads a key file; refuses one that other users can read.
    pub fn load(path: &Path) -> Result<Keys, KeyError> {
        let read_err = |reason: String| KeyError::Read { path: path.to_path_buf(), reason };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_err(|e| read_err(e.to_string()))?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyError::Permissions { path: path.to_path_buf(), mode });
            }
        }
        let text = std::fs::read_to_string(path).map_err(|e| read_err(e.to_string()))?;
        let (mut vault, mut pseudonym) = (None, None);
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fail = |rule: &str| KeyError::Format { path: path.to_path_buf(), line: i + 1, rule: rule.to_string() };
            let (name, value) = line.split_once('=').ok_or_else(|| fail("expected `name = hex`"))?;
            let mut key = [0u8; 32];
            hex::decode_to_slice(value.trim(), &mut key).map_err(|_| fail("a key is 64 hexadecimal digits"))?;
            match name.trim() {
                "vault_key" => vault = Some(VaultKey(key)),
                "pseudonym_key" => pseudonym = Some(PseudonymKey::from_bytes(key)),
                _ => return Err(fail("unknown name (expected vault_key or pseudonym_key)")),
            }
        }
        let pseudonym = pseudonym.ok_or(KeyError::Missing { path: path.to_path_buf(), which: "pseudonym_key" })?;
        Ok(Keys { path: path.to_path_buf(), vault, pseudonym })
    }

    /// The vault key, or an error naming the file.
    pub fn vault(&self) -> Result<&VaultKey, KeyError> {
        self.vault.as_ref().ok_or(KeyError::Missing { path: self.path.clone(), which: "vault_key" })
    }

    /// Creates a new key file with fresh random keys, mode 0600, failing if the file exists.
    pub fn create(path: &Path) -> Result<Keys, KeyError> {
        let err = |reason: String| KeyError::Create { path: path.to_path_buf(), reason };
        let vault: [u8; 32] = aes_gcm::Key::<aes_gcm::Aes256Gcm>::generate().into();
        let pseudonym: [u8; 32] = aes_gcm::Key::<aes_gcm::Aes256Gcm>::generate().into();
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path).map_err(|e| err(e.to_string()))?;
        writeln!(
            f,
            "# zicht key file: keep it secret and backed up; without it the vault cannot be read.\n\
             # Give reporting organisations only the pseudonym_key line.\n\
             vault_key = {}\npseudonym_key = {}",
            hex::encode(vault),
            hex::encode(pseudonym)
        )
        .map_err(|e| err(e.to_string()))?;
        Ok(Keys {
            path: path.to_path_buf(),
            vault: Some(VaultKey(vault)),
            pseudonym: PseudonymKey::from_bytes(pseudonym),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_then_load_round_trips_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        let made = Keys::create(&p).unwrap();
        let loaded = Keys::load(&p).unwrap();
        assert_eq!(made.vault.unwrap().0, loaded.vault.unwrap().0);
        assert!(Keys::create(&p).is_err(), "never overwrites a key file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(Keys::load(&p), Err(KeyError::Permissions { .. })));
        }
    }

    #[test]
    fn bad_key_files_are_named_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        std::fs::write(&p, "vault_key = 12\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let e = Keys::load(&p).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("64 hexadecimal"), "{e}");
        assert!(!e.contains("12"), "never echo key material: {e}");
    }
}
