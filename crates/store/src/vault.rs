//! The identity vault: direct identifiers encrypted with AES-256-GCM (NIST SP 800-38D), a fresh random
//! 96-bit nonce per record, the record id as associated data (a ciphertext moved to another row no longer
//! decrypts). Every write and read is audit-logged by the caller in the same transaction.

use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use zicht_model::Identity;

use crate::StoreError;
use crate::keys::VaultKey;

/// An encrypted identity ready to be stored.
#[derive(Debug, Clone)]
pub struct Sealed {
    pub id: String,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

/// Encrypts and decrypts identities under one vault key.
pub struct Vault {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(..)")
    }
}

/// The plaintext whose encryption under the vault key proves that a key belongs to a database.
const KEY_CHECK: &[u8] = b"zicht vault key check v1";
pub(crate) const KEY_CHECK_ID: &str = "key-check";

impl Vault {
    pub fn new(key: &VaultKey) -> Vault {
        Vault { cipher: Aes256Gcm::new(&key.0.into()) }
    }

    /// Encrypts an identity under a fresh random id and nonce.
    pub fn seal(&self, identity: &Identity) -> Sealed {
        let id =
            hex::encode(<[u8; 16]>::from(aes_gcm::aead::array::Array::<u8, aes_gcm::aead::consts::U16>::generate()));
        let plaintext = serde_json::to_vec(identity).expect("an identity serialises");
        self.seal_bytes(id, &plaintext)
    }

    fn seal_bytes(&self, id: String, plaintext: &[u8]) -> Sealed {
        let nonce = Nonce::generate();
        let ciphertext = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad: id.as_bytes() })
            .expect("AES-GCM encrypts any identity-sized message");
        Sealed { id, nonce: nonce.to_vec(), ciphertext }
    }

    /// Decrypts a stored record; fails on a wrong key or a tampered record.
    pub fn open(&self, id: &str, nonce: &[u8], ciphertext: &[u8]) -> Result<Identity, StoreError> {
        let plaintext = self.open_bytes(id, nonce, ciphertext)?;
        serde_json::from_slice(&plaintext).map_err(|_| StoreError::Decrypt(id.to_string()))
    }

    fn open_bytes(&self, id: &str, nonce: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, StoreError> {
        let nonce: &Nonce<_> = nonce.try_into().map_err(|_| StoreError::Decrypt(id.to_string()))?;
        self.cipher
            .decrypt(nonce, Payload { msg: ciphertext, aad: id.as_bytes() })
            .map_err(|_| StoreError::Decrypt(id.to_string()))
    }

    /// The key check stored in `meta` at initialisation: nonce ‖ ciphertext of a constant, hex-encoded.
    pub(crate) fn key_check(&self) -> String {
        let s = self.seal_bytes(KEY_CHECK_ID.to_string(), KEY_CHECK);
        format!("{}{}", hex::encode(s.nonce), hex::encode(s.ciphertext))
    }

    /// Whether this vault's key made `check`.
    pub(crate) fn verifies(&self, check: &str) -> bool {
        let Ok(bytes) = hex::decode(check) else { return false };
        bytes.len() > 12
            && self.open_bytes(KEY_CHECK_ID, &bytes[..12], &bytes[12..]).map(|p| p == KEY_CHECK).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_with_fresh_nonces_and_bound_ids() {
        let v = Vault::new(&VaultKey([3; 32]));
        let id =
            Identity { given_names: Some("Mira".into()), family_name: Some("de Vries".into()), ..Default::default() };
        let a = v.seal(&id);
        let b = v.seal(&id);
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
        assert!(!String::from_utf8_lossy(&a.ciphertext).contains("Mira"));
        assert_eq!(v.open(&a.id, &a.nonce, &a.ciphertext).unwrap(), id);
        assert!(v.open(&b.id, &a.nonce, &a.ciphertext).is_err(), "bound to its id");
        let other = Vault::new(&VaultKey([4; 32]));
        assert!(other.open(&a.id, &a.nonce, &a.ciphertext).is_err());
        assert!(v.verifies(&v.key_check()) && !other.verifies(&v.key_check()));
        assert!(!v.verifies("zz") && !v.verifies(""));
    }
}
