//! The deployment's secret key (design.md decision 8, interface.md `SHEGONG_DATA_KEY_FILE`): kept in
//! a file outside the database, never in it, so a copy of the database alone reveals no ID or phone
//! number and cannot forge audit entries. Three keys are derived from it with HKDF: field
//! encryption (XChaCha20-Poly1305), blind indexes (HMAC-SHA256) and audit MACs (HMAC-SHA256).

use crate::error::{StoreError, StoreResult};
use chacha20poly1305::aead::{Aead, Generate, Nonce, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;
use zeroize::Zeroizing;

const FILE_PREFIX: &str = "shegong-key-v1:";
const NONCE_LEN: usize = 24;

pub struct Keys {
    cipher: XChaCha20Poly1305,
    index: Zeroizing<[u8; 32]>,
    audit: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Keys {
        let hk = Hkdf::<Sha256>::new(Some(b"shegong"), master);
        let derive = |info: &[u8]| {
            let mut out = Zeroizing::new([0u8; 32]);
            hk.expand(info, out.as_mut())
                .expect("32 bytes is a valid HKDF length");
            out
        };
        let enc = derive(b"field-encryption");
        Keys {
            cipher: XChaCha20Poly1305::new_from_slice(enc.as_ref()).expect("32-byte key"),
            index: derive(b"blind-index"),
            audit: derive(b"audit-mac"),
        }
    }

    /// Reads the key file, or creates it (mode 0600) with a fresh random key when it is absent.
    pub fn load_or_create(path: &Path) -> StoreResult<Keys> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text).ok_or_else(|| {
                StoreError::Config(format!(
                    "the key file {} is not a shegong key",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let master: Zeroizing<[u8; 32]> = Zeroizing::new(rand::random());
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Config(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                write_private(
                    path,
                    &format!("{FILE_PREFIX}{}\n", hex::encode(master.as_ref())),
                )
                .map_err(|e| {
                    StoreError::Config(format!("cannot write the key file {}: {e}", path.display()))
                })?;
                tracing::info!(path = %path.display(), "created a new data key; back it up apart from the database");
                Ok(Keys::from_master(&master))
            }
            Err(e) => Err(StoreError::Config(format!(
                "cannot read the key file {}: {e}",
                path.display()
            ))),
        }
    }

    fn parse(text: &str) -> Option<Keys> {
        let hex_key = text.trim().strip_prefix(FILE_PREFIX)?;
        let bytes = Zeroizing::new(hex::decode(hex_key).ok()?);
        let master: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some(Keys::from_master(&master))
    }

    /// Encrypts a field value; the output carries its own random nonce.
    pub fn encrypt(&self, plaintext: &[u8]) -> Vec<u8> {
        self.encrypt_bound(b"", plaintext)
    }

    pub fn decrypt(&self, blob: &[u8]) -> StoreResult<Vec<u8>> {
        self.decrypt_bound(b"", blob)
    }

    /// Encrypts `plaintext` bound to `context` (authenticated, not stored): it opens only with
    /// the same context, so a stored file moved under another file's name does not open.
    pub fn encrypt_bound(&self, context: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let nonce = Nonce::<XChaCha20Poly1305>::generate();
        let mut out = nonce.to_vec();
        out.extend(
            self.cipher
                .encrypt(
                    &nonce,
                    Payload {
                        msg: plaintext,
                        aad: context,
                    },
                )
                .expect("encryption of an in-memory buffer"),
        );
        out
    }

    pub fn decrypt_bound(&self, context: &[u8], blob: &[u8]) -> StoreResult<Vec<u8>> {
        if blob.len() < NONCE_LEN {
            return Err(StoreError::Other("encrypted field too short".into()));
        }
        let (nonce, ct) = blob.split_at(NONCE_LEN);
        let nonce = Nonce::<XChaCha20Poly1305>::try_from(nonce)
            .map_err(|_| StoreError::Other("bad nonce".into()))?;
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ct,
                    aad: context,
                },
            )
            .map_err(|_| StoreError::Other("an encrypted field does not open with this key".into()))
    }

    /// A keyed hash for finding an encrypted value by its exact plaintext. `kind` separates the
    /// index of one kind of value (ID numbers, phones) from another.
    pub fn blind_index(&self, kind: &str, value: &str) -> String {
        let mut m = Hmac::<Sha256>::new_from_slice(self.index.as_ref()).expect("any key length");
        m.update(kind.as_bytes());
        m.update(&[0]);
        m.update(value.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }

    pub fn audit_mac(&self, data: &[u8]) -> String {
        let mut m = Hmac::<Sha256>::new_from_slice(self.audit.as_ref()).expect("any key length");
        m.update(data);
        hex::encode(m.finalize().into_bytes())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

/// SHA-256 in hex, for values that must be found but never read back (session ids, API tokens).
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(Sha256::digest(data))
}

/// A random token of `n` bytes, URL-safe hex.
pub fn random_token(n: usize) -> String {
    let mut buf = vec![0u8; n];
    rand::fill(&mut buf[..]);
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_round_trips_and_is_randomised() {
        let k = Keys::from_master(&[7; 32]);
        let a = k.encrypt("11010519491231002X".as_bytes());
        let b = k.encrypt("11010519491231002X".as_bytes());
        assert_ne!(a, b, "the same value must not encrypt to the same bytes");
        assert_eq!(k.decrypt(&a).unwrap(), b"11010519491231002X");
        let other = Keys::from_master(&[8; 32]);
        assert!(other.decrypt(&a).is_err());
        let mut tampered = a.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(k.decrypt(&tampered).is_err());
        assert!(k.decrypt(&[1, 2, 3]).is_err());
    }

    #[test]
    fn blind_index_is_keyed_and_separated_by_kind() {
        let k = Keys::from_master(&[7; 32]);
        assert_eq!(k.blind_index("id", "x"), k.blind_index("id", "x"));
        assert_ne!(k.blind_index("id", "x"), k.blind_index("phone", "x"));
        assert_ne!(
            k.blind_index("id", "x"),
            Keys::from_master(&[8; 32]).blind_index("id", "x")
        );
    }

    #[test]
    fn key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/shegong.key");
        let k1 = Keys::load_or_create(&path).unwrap();
        let k2 = Keys::load_or_create(&path).unwrap();
        assert_eq!(k1.audit_mac(b"a"), k2.audit_mac(b"a"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        std::fs::write(&path, "garbage").unwrap();
        assert!(Keys::load_or_create(&path).is_err());
    }
}
