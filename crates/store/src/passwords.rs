//! Password hashing with argon2id. Slow on purpose (tens of milliseconds): callers run it on the
//! blocking pool, never on an async worker.

use argon2::{Argon2, Params, PasswordHasher, PasswordVerifier};

#[derive(Debug, Clone)]
pub struct Hashing {
    params: Params,
    /// A hash of nothing, checked when the username is unknown so that a login for a missing
    /// account takes as long as one for a real account.
    dummy: String,
}

impl Hashing {
    /// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
    pub fn standard() -> Hashing {
        Self::with(Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters"))
    }

    /// Cheap parameters for test suites that log in hundreds of times; never for a deployment.
    pub fn fast_insecure() -> Hashing {
        Self::with(Params::new(256, 1, 1, None).expect("valid argon2 parameters"))
    }

    fn with(params: Params) -> Hashing {
        let mut h = Hashing {
            params,
            dummy: String::new(),
        };
        h.dummy = h.hash("no such account: timing equaliser");
        h
    }

    pub fn hash(&self, password: &str) -> String {
        Argon2::from(&self.params)
            .hash_password(password.as_bytes())
            .expect("argon2 hashing of a bounded password")
            .to_string()
    }

    /// Checks a password against a stored PHC string (whose own parameters are used).
    pub fn verify(&self, password: &str, phc: &str) -> bool {
        Argon2::default()
            .verify_password(password.as_bytes(), phc)
            .is_ok()
    }

    /// Spends the same time as [`verify`](Self::verify) and fails.
    pub fn verify_nothing(&self, password: &str) -> bool {
        let _ = self.verify(password, &self.dummy);
        false
    }
}

/// A random initial password that meets the policy: 14 characters from an alphabet without
/// look-alikes (no 0/O, 1/l/I), with each class present.
pub fn generate() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"#%+=@";
    let pick = |set: &[u8]| set[rand::random_range(0..set.len())] as char;
    let mut chars: Vec<char> = vec![pick(LOWER), pick(UPPER), pick(DIGIT), pick(SYMBOL)];
    let all: Vec<u8> = [LOWER, UPPER, DIGIT].concat();
    while chars.len() < 14 {
        chars.push(pick(&all));
    }
    // Shuffle so the classes are not always in the same places.
    for i in (1..chars.len()).rev() {
        chars.swap(i, rand::random_range(0..=i));
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = Hashing::fast_insecure();
        let phc = h.hash("Shegong#2026");
        assert!(phc.starts_with("$argon2id$"));
        assert!(h.verify("Shegong#2026", &phc));
        assert!(!h.verify("shegong#2026", &phc));
        assert!(!h.verify("Shegong#2026", "not a hash"));
        assert!(!h.verify_nothing("Shegong#2026"));
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        for _ in 0..200 {
            let p = generate();
            assert_eq!(p.chars().count(), 14);
            shegong_domain::account::check_password(&p, "someone", 8).unwrap();
        }
    }
}
