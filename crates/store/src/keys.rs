//! The key file: three independent 256-bit secrets, the vault key (AES-256-GCM for direct identifiers),
//! the reporters' pseudonym key (HMAC-SHA256, layer 1) and the register key (HMAC-SHA256, layer 2: every
//! stored digest is re-keyed with it). A reporting organisation holds the pseudonym key alone (the file
//! [`Keys::write_reporter_file`] writes), so it can send statistical reports without being able to open
//! the vault or to test a guess against a copy of the database.
//!
//! Format (text, mode 0600):
//! ```text
//! # zicht key file
//! vault_key = <64 hex digits>
//! pseudonym_key = <64 hex digits>
//! register_key = <64 hex digits>
//! ```

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use aes_gcm::aead::Generate;
use hmac::Mac;
use zicht_model::{Layers, PseudonymKey, RegisterKey};

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
        "key file {path} has no register_key (a key file made before two-layer pseudonyms, or a reporter's file); \
         on the register's own key file run `zicht key migrate` once"
    )]
    MissingRegisterKey { path: PathBuf },
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
    #[error(
        "the pseudonym_key in {path} is not this register's: its pseudonyms would never link to the register's persons; \
         use the register's key file (reporters get theirs from `zicht key reporter`)"
    )]
    WrongPseudonymKey { path: PathBuf },
    #[error(
        "the register_key in {path} is not this register's: its digests would never link; use the key file this register was \
         initialised (or migrated) with"
    )]
    WrongRegisterKey { path: PathBuf },
    #[error("will not write {path}: {rule}")]
    Output { path: PathBuf, rule: String },
}

/// A 256-bit AES key for the identity vault. Never printed.
#[derive(Clone)]
pub struct VaultKey(pub(crate) [u8; 32]);

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey(..)")
    }
}

/// The keys from a key file. The vault and register keys are absent in a reporter's pseudonym-only
/// file; the register key is absent in a register's key file made before two-layer pseudonyms (until
/// `zicht key migrate` adds it).
#[derive(Debug, Clone)]
pub struct Keys {
    pub path: PathBuf,
    pub vault: Option<VaultKey>,
    pub pseudonym: PseudonymKey,
    pub register: Option<RegisterKey>,
    /// The raw key bytes, for rewriting the file ([`Keys::add_register_key`]) and the reporter's file.
    raw: RawKeys,
}

#[derive(Clone, Default)]
struct RawKeys {
    vault: Option<[u8; 32]>,
    pseudonym: [u8; 32],
    register: Option<[u8; 32]>,
}

impl fmt::Debug for RawKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawKeys(..)")
    }
}

/// The check value of a key, stored in `meta` so that a key file with another key is refused: an HMAC
/// of a fixed, public domain tag under the key. It tests a guess of the 256-bit key only, never a guess
/// of a name or date (no identity goes into it), and its tag is used for nothing else.
fn check_value(mut mac: hmac::Hmac<sha2::Sha256>, which: &str) -> String {
    mac.update(format!("zicht key check {which} v1\x00").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The check value of a pseudonym key (meta `pseudonym_key_check`).
pub fn pseudonym_key_check(key: &PseudonymKey) -> String {
    check_value(key.mac(), "pseudonym_key")
}

/// The check value of a register key (meta `register_key_check`).
pub fn register_key_check(key: &RegisterKey) -> String {
    check_value(key.mac(), "register_key")
}

/// 256 bits from the operating system's random source (keys, API tokens, session ids).
pub fn fresh_secret() -> [u8; 32] {
    fresh_key()
}

fn fresh_key() -> [u8; 32] {
    aes_gcm::Key::<aes_gcm::Aes256Gcm>::generate().into()
}

/// Refuses a path that is, or goes through, a symbolic link (a link planted where a key file is
/// written would send the key elsewhere).
fn refuse_symlinks(path: &Path) -> Result<(), KeyError> {
    let refuse = |rule: String| KeyError::Output { path: path.to_path_buf(), rule };
    let mut p = PathBuf::new();
    for c in path.components() {
        p.push(c);
        if let Ok(m) = std::fs::symlink_metadata(&p)
            && m.file_type().is_symlink()
        {
            return Err(refuse(format!("{} is a symbolic link", p.display())));
        }
    }
    Ok(())
}

/// Creates `path` new with mode 0600 whatever the umask, writes `text` and syncs it. Never overwrites:
/// `O_CREAT | O_EXCL` also fails on a symbolic link in the last component, dangling or not.
fn write_new_private(path: &Path, text: &str) -> Result<(), KeyError> {
    let err = |reason: String| KeyError::Create { path: path.to_path_buf(), reason };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => KeyError::Output {
            path: path.to_path_buf(),
            rule: "the file exists (a key file is never overwritten)".into(),
        },
        _ => err(e.to_string()),
    })?;
    #[cfg(unix)]
    {
        // The mode of a new file is cut by the umask only, never widened; make sure of it anyway.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(|e| err(e.to_string()))?;
    }
    f.write_all(text.as_bytes()).and_then(|()| f.sync_all()).map_err(|e| err(e.to_string()))
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
        let (mut vault, mut pseudonym, mut register) = (None, None, None);
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
                "vault_key" => vault = Some(key),
                "pseudonym_key" => pseudonym = Some(key),
                "register_key" => register = Some(key),
                _ => return Err(fail("unknown name (expected vault_key, pseudonym_key or register_key)")),
            }
        }
        let pseudonym = pseudonym.ok_or(KeyError::Missing { path: path.to_path_buf(), which: "pseudonym_key" })?;
        Ok(Keys::from_raw(path, RawKeys { vault, pseudonym, register }))
    }

    fn from_raw(path: &Path, raw: RawKeys) -> Keys {
        Keys {
            path: path.to_path_buf(),
            vault: raw.vault.map(VaultKey),
            pseudonym: PseudonymKey::from_bytes(raw.pseudonym),
            register: raw.register.map(RegisterKey::from_bytes),
            raw,
        }
    }

    fn text(raw: &RawKeys) -> String {
        let mut t = String::from(
            "# zicht key file: keep it secret and backed up; without it the vault cannot be read.\n\
             # Give reporting organisations only the file `zicht key reporter` writes.\n",
        );
        if let Some(v) = raw.vault {
            t.push_str(&format!("vault_key = {}\n", hex::encode(v)));
        }
        t.push_str(&format!("pseudonym_key = {}\n", hex::encode(raw.pseudonym)));
        if let Some(r) = raw.register {
            t.push_str(&format!("register_key = {}\n", hex::encode(r)));
        }
        t
    }

    /// The register key, or an error naming the file and saying what to do.
    pub fn register(&self) -> Result<&RegisterKey, KeyError> {
        self.register.as_ref().ok_or(KeyError::MissingRegisterKey { path: self.path.clone() })
    }

    /// The secret of the public edition's cell-key perturbation, derived from the register key under
    /// its own domain tag (so it is stable for the register's life, held only where the register key
    /// is, and never the same as any digest or check value).
    pub fn cell_key_secret(&self) -> Result<[u8; 32], KeyError> {
        let mut mac = self.register()?.mac();
        mac.update(b"zicht cell-key perturbation v1\x00");
        Ok(mac.finalize().into_bytes().into())
    }

    /// Both pseudonym layers, for making stored digests.
    pub fn layers(&self) -> Result<Layers<'_>, KeyError> {
        Ok(Layers { reporters: &self.pseudonym, register: self.register()? })
    }

    /// Writes the file a reporting organisation receives: the `pseudonym_key` line and nothing else
    /// (all `zicht pseudonymise` needs), mode 0600; refuses an existing file and a path through a
    /// symbolic link.
    pub fn write_reporter_file(&self, out: &Path) -> Result<(), KeyError> {
        refuse_symlinks(out)?;
        write_new_private(out, &format!("pseudonym_key = {}\n", hex::encode(self.raw.pseudonym)))
    }

    /// Gives a key file made before two-layer pseudonyms a fresh register key: the file is rewritten
    /// (a new file of mode 0600 beside it, synced, renamed over it). Returns false, changing nothing, if
    /// it has one already. Only a register's own key file (with its vault key) gets one.
    pub fn add_register_key(&mut self) -> Result<bool, KeyError> {
        if self.register.is_some() {
            return Ok(false);
        }
        self.vault()?;
        let mut raw = self.raw.clone();
        raw.register = Some(fresh_key());
        let name = self.path.file_name().and_then(|n| n.to_str()).unwrap_or("zicht.key");
        let tmp = self.path.with_file_name(format!(".{name}.new"));
        let _ = std::fs::remove_file(&tmp);
        write_new_private(&tmp, &Keys::text(&raw))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            KeyError::Create { path: self.path.clone(), reason: e.to_string() }
        })?;
        *self = Keys::from_raw(&self.path, raw);
        Ok(true)
    }

    /// The vault key, or an error naming the file.
    pub fn vault(&self) -> Result<&VaultKey, KeyError> {
        self.vault.as_ref().ok_or(KeyError::Missing { path: self.path.clone(), which: "vault_key" })
    }

    /// Creates a new key file with fresh random keys (vault, pseudonym and register key), mode 0600,
    /// failing if the file exists.
    pub fn create(path: &Path) -> Result<Keys, KeyError> {
        let raw = RawKeys { vault: Some(fresh_key()), pseudonym: fresh_key(), register: Some(fresh_key()) };
        write_new_private(path, &Keys::text(&raw)).map_err(|e| match e {
            KeyError::Output { rule, .. } => KeyError::Create { path: path.to_path_buf(), reason: rule },
            e => e,
        })?;
        Ok(Keys::from_raw(path, raw))
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
    fn a_register_key_is_added_once_and_the_other_keys_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        let made = Keys::create(&p).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        let old: String = text.lines().filter(|l| !l.starts_with("register_key")).map(|l| format!("{l}\n")).collect();
        std::fs::remove_file(&p).unwrap();
        write_new_private(&p, &old).unwrap();
        let mut keys = Keys::load(&p).unwrap();
        assert!(keys.register.is_none());
        assert!(matches!(keys.register(), Err(KeyError::MissingRegisterKey { .. })));
        assert!(keys.add_register_key().unwrap());
        let again = Keys::load(&p).unwrap();
        assert_eq!(again.raw.vault, made.raw.vault);
        assert_eq!(again.raw.pseudonym, made.raw.pseudonym);
        assert_eq!(again.raw.register, keys.raw.register);
        assert_ne!(again.raw.register, made.raw.register, "a fresh key");
        assert!(!keys.add_register_key().unwrap(), "only once");
        assert_eq!(Keys::load(&p).unwrap().raw.register, again.raw.register);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
        // A reporter's file gets none: it has no vault key, so it is no register's file.
        let r = dir.path().join("r");
        made.write_reporter_file(&r).unwrap();
        assert!(Keys::load(&r).unwrap().add_register_key().is_err());
    }

    #[test]
    fn check_values_tell_keys_apart_and_are_no_digest_of_anything_else() {
        let a = PseudonymKey::from_bytes([1; 32]);
        let b = PseudonymKey::from_bytes([2; 32]);
        assert_ne!(pseudonym_key_check(&a), pseudonym_key_check(&b));
        // The same bytes as pseudonym key and as register key give different check values.
        assert_ne!(pseudonym_key_check(&a), register_key_check(&RegisterKey::from_bytes([1; 32])));
        assert_eq!(pseudonym_key_check(&a), pseudonym_key_check(&PseudonymKey::from_bytes([1; 32])));
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
