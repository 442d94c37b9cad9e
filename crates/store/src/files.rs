//! The one storage interface for uploaded files (design.md decision 2; decision 0017): server
//! processes keep no files of their own, they put and get bytes by an opaque key through
//! [`Storage`]. The default is a local directory ([`LocalDir`]); several servers share it over a
//! network file system, and an object store can take its place behind the same trait.
//!
//! Files are photos of vulnerable people, so they are stored encrypted with the data key
//! ([`seal`] / [`open`]): a copy of the directory without the key file shows nothing.

use crate::error::{StoreError, StoreResult};
use crate::keys::{Keys, random_token};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bytes in, bytes out, by key. Keys come from [`new_key`]: random, no personal data.
pub trait Storage: Send + Sync {
    /// Stores `bytes` under `key` durably; a key is never written twice.
    fn put(&self, key: &str, bytes: &[u8]) -> StoreResult<()>;
    /// The bytes stored under `key` (`NotFound` when there are none).
    fn get(&self, key: &str) -> StoreResult<Vec<u8>>;
    /// Removes what is stored under `key`; removing nothing is not an error.
    fn delete(&self, key: &str) -> StoreResult<()>;
}

/// A fresh storage key: 128 random bits in hex.
pub fn new_key() -> String {
    random_token(16)
}

/// Whether `key` is one [`new_key`] makes: only such keys reach the file system, so no key can
/// name a path outside the directory.
fn valid_key(key: &str) -> bool {
    key.len() == 32
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn bad_key() -> StoreError {
    StoreError::Other("not a storage key".into())
}

/// Files in a directory, fanned out by the key's first two characters.
#[derive(Debug, Clone)]
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    /// The directory is created when the first file is stored.
    pub fn new(root: impl Into<PathBuf>) -> LocalDir {
        LocalDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> StoreResult<PathBuf> {
        if !valid_key(key) {
            return Err(bad_key());
        }
        Ok(self.root.join(&key[..2]).join(key))
    }
}

fn io(what: &str, e: std::io::Error) -> StoreError {
    StoreError::Other(format!("attachment storage: {what}: {e}"))
}

impl Storage for LocalDir {
    fn put(&self, key: &str, bytes: &[u8]) -> StoreResult<()> {
        let path = self.path(key)?;
        let dir = path.parent().ok_or_else(bad_key)?;
        std::fs::create_dir_all(dir).map_err(|e| io("create directory", e))?;
        // Written beside and renamed into place, so a reader never sees half a file.
        let tmp = dir.join(format!(".{key}.{}", random_token(4)));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create_new(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io("write", e)
        })
    }

    fn get(&self, key: &str) -> StoreResult<Vec<u8>> {
        match std::fs::read(self.path(key)?) {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound),
            Err(e) => Err(io("read", e)),
        }
    }

    fn delete(&self, key: &str) -> StoreResult<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("delete", e)),
            _ => Ok(()),
        }
    }
}

/// Encrypts a file for storage under `key` (bound to it: moved under another key it won't open).
pub fn seal(keys: &Keys, key: &str, plain: &[u8]) -> Vec<u8> {
    keys.encrypt_bound(key.as_bytes(), plain)
}

/// Decrypts what [`seal`] stored under `key`.
pub fn open(keys: &Keys, key: &str, sealed: &[u8]) -> StoreResult<Vec<u8>> {
    keys.decrypt_bound(key.as_bytes(), sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_directory_puts_gets_and_deletes_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalDir::new(dir.path().join("attachments"));
        let k = new_key();
        s.put(&k, b"photo").unwrap();
        assert_eq!(s.get(&k).unwrap(), b"photo");
        assert!(
            dir.path()
                .join("attachments")
                .join(&k[..2])
                .join(&k)
                .exists()
        );
        s.delete(&k).unwrap();
        s.delete(&k).unwrap();
        assert!(matches!(s.get(&k), Err(StoreError::NotFound)));
        // Only keys it made: nothing outside the directory can be named.
        for bad in [
            "../../etc/passwd",
            "",
            "ABCDEF0123456789ABCDEF0123456789",
            "0/",
        ] {
            assert!(s.put(bad, b"x").is_err());
            assert!(s.get(bad).is_err());
        }
        // No temporary file is left beside the stored one.
        let k2 = new_key();
        s.put(&k2, b"x").unwrap();
        let left: Vec<_> = std::fs::read_dir(dir.path().join("attachments").join(&k2[..2]))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from(&k2)]);
    }

    #[test]
    fn stored_bytes_are_sealed_to_their_key() {
        let keys = Keys::from_master(&[3; 32]);
        let (a, b) = (new_key(), new_key());
        let sealed = seal(&keys, &a, b"\xFF\xD8\xFFjpeg");
        assert!(!sealed.windows(4).any(|w| w == b"jpeg"));
        assert_eq!(open(&keys, &a, &sealed).unwrap(), b"\xFF\xD8\xFFjpeg");
        assert!(open(&keys, &b, &sealed).is_err());
        assert!(open(&Keys::from_master(&[4; 32]), &a, &sealed).is_err());
    }
}
