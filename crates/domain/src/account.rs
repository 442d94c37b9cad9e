//! Staff and volunteer accounts: usernames, the password policy and login lockout (等保 2.0 level 3
//! as summarised in domain-rules.md § Personal information and security baseline).

use crate::Msg;

/// A login name: 3–32 characters, lower-case ASCII letters, digits, `.`, `_`, `-`, starting with
/// a letter or digit. Upper case is folded so `Worker` and `worker` are one account.
pub fn username(s: &str) -> Result<String, Msg> {
    let v = s.trim().to_ascii_lowercase();
    let ok_chars = v
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    let ok_start = v.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
    if !(3..=32).contains(&v.len()) || !ok_chars || !ok_start {
        return Err(Msg::new(
            "用户名为 3 至 32 位小写字母、数字或 . _ -,以字母或数字开头",
            "a username has 3 to 32 lower-case letters, digits or . _ -, starting with a letter or digit",
        ));
    }
    Ok(v)
}

/// The password rule: at least `min_len` characters (8 by default) from at least three of the four
/// classes lower case, upper case, digits, symbols; not the username; not a well-known password.
pub fn check_password(password: &str, username: &str, min_len: usize) -> Result<(), Msg> {
    let n = password.chars().count();
    if n > 128 {
        return Err(Msg::new(
            "密码不能超过 128 个字符",
            "a password is at most 128 characters",
        ));
    }
    if n < min_len {
        return Err(Msg::owned(
            format!("密码至少 {min_len} 个字符"),
            format!("a password has at least {min_len} characters"),
        ));
    }
    if password.chars().any(|c| c.is_control()) {
        return Err(Msg::new(
            "密码不能包含控制字符",
            "a password must not contain control characters",
        ));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|x| **x).count() < 3 {
        return Err(Msg::new(
            "密码需包含小写字母、大写字母、数字、符号中的至少三类",
            "a password needs three of: lower case, upper case, digits, symbols",
        ));
    }
    let lower = password.to_lowercase();
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return Err(Msg::new(
            "密码不能包含用户名",
            "a password must not contain the username",
        ));
    }
    if COMMON.iter().any(|c| lower == *c) {
        return Err(Msg::new(
            "这个密码太常见,请换一个",
            "this password is too common",
        ));
    }
    Ok(())
}

/// Passwords that meet the class rule yet appear at the top of every leaked list.
const COMMON: [&str; 8] = [
    "password1!",
    "p@ssw0rd",
    "p@ssword1",
    "admin@123",
    "abc@1234",
    "qwer@1234",
    "passw0rd!",
    "admin123!",
];

/// Login lockout settings (configurable per deployment).
#[derive(Debug, Clone, Copy)]
pub struct Lockout {
    pub max_failures: i32,
    pub lock_secs: i64,
}

impl Default for Lockout {
    fn default() -> Self {
        Lockout {
            max_failures: 5,
            lock_secs: 30 * 60,
        }
    }
}

/// What a failed login does to an account's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterFailure {
    pub failures: i32,
    pub locked_until: Option<i64>,
}

impl Lockout {
    /// The counters after one more failure at `now`: the `max_failures`-th locks the account and
    /// starts counting again from zero.
    pub fn after_failure(&self, failures: i32, now: i64) -> AfterFailure {
        let failures = failures.saturating_add(1);
        if failures >= self.max_failures {
            AfterFailure {
                failures: 0,
                locked_until: Some(now + self.lock_secs),
            }
        } else {
            AfterFailure {
                failures,
                locked_until: None,
            }
        }
    }

    pub fn is_locked(locked_until: Option<i64>, now: i64) -> bool {
        locked_until.is_some_and(|t| t > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn usernames() {
        assert_eq!(username(" Worker2 ").unwrap(), "worker2");
        for bad in [
            "",
            "ab",
            "-abc",
            "张三",
            "a b c",
            "abc;drop",
            &"a".repeat(33),
            "ｗｏｒｋｅｒ",
        ] {
            assert!(username(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn password_policy() {
        assert!(check_password("Shegong#2026", "worker", 8).is_ok());
        assert!(check_password("社工站服务Aa1!", "worker", 8).is_ok());
        assert!(
            check_password("Aa1!", "worker", 8)
                .unwrap_err()
                .zh
                .contains("至少 8")
        );
        assert!(
            check_password("abcdefgh1", "worker", 8)
                .unwrap_err()
                .zh
                .contains("三类")
        );
        assert!(
            check_password("Worker#2026", "worker", 8)
                .unwrap_err()
                .zh
                .contains("用户名")
        );
        assert!(
            check_password("P@ssw0rd", "worker", 8)
                .unwrap_err()
                .zh
                .contains("常见")
        );
        assert!(check_password(&"Aa1!".repeat(40), "worker", 8).is_err());
    }

    #[test]
    fn fifth_failure_locks_for_thirty_minutes() {
        let l = Lockout::default();
        let mut f = 0;
        for _ in 0..4 {
            let a = l.after_failure(f, 1000);
            assert_eq!(a.locked_until, None);
            f = a.failures;
        }
        let a = l.after_failure(f, 1000);
        assert_eq!(a.locked_until, Some(1000 + 1800));
        assert_eq!(a.failures, 0);
        assert!(Lockout::is_locked(a.locked_until, 1000 + 1799));
        assert!(!Lockout::is_locked(a.locked_until, 1000 + 1800));
    }

    proptest! {
        #[test]
        fn accepted_passwords_meet_every_rule(p in "\\PC{0,20}") {
            if check_password(&p, "worker", 8).is_ok() {
                prop_assert!(p.chars().count() >= 8);
                prop_assert!(!p.to_lowercase().contains("worker"));
            }
        }

        #[test]
        fn accepted_usernames_are_lower_ascii(s in "\\PC{0,40}") {
            if let Ok(u) = username(&s) {
                prop_assert!(u.bytes().all(|b| !b.is_ascii_uppercase() && b.is_ascii()));
                prop_assert!((3..=32).contains(&u.len()));
            }
        }
    }
}

/// Steps of a login after the password, in the order they are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LoginStage {
    /// Enter the code of the authenticator app.
    TwoFactor,
    /// Replace an initial or reset password (等保: no one keeps a password someone else chose).
    ChangePassword,
    /// Set up the authenticator app (required for system admins and purchasers).
    SetUpTwoFactor,
    /// Fully logged in.
    Done,
}

impl LoginStage {
    pub const ALL: [LoginStage; 4] = [
        LoginStage::TwoFactor,
        LoginStage::ChangePassword,
        LoginStage::SetUpTwoFactor,
        LoginStage::Done,
    ];

    pub fn id(self) -> &'static str {
        match self {
            LoginStage::TwoFactor => "two_factor",
            LoginStage::ChangePassword => "change_password",
            LoginStage::SetUpTwoFactor => "set_up_two_factor",
            LoginStage::Done => "done",
        }
    }

    pub fn from_id(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.id() == s)
    }
}

/// What an account still owes at login.
#[derive(Debug, Clone, Copy)]
pub struct LoginNeeds {
    pub two_factor_enabled: bool,
    pub must_change_password: bool,
    pub must_set_up_two_factor: bool,
}

/// The first step not yet done. `two_factor_passed` is whether this session already gave a code.
pub fn pending_stage(needs: LoginNeeds, two_factor_passed: bool) -> LoginStage {
    if needs.two_factor_enabled && !two_factor_passed {
        LoginStage::TwoFactor
    } else if needs.must_change_password {
        LoginStage::ChangePassword
    } else if needs.must_set_up_two_factor && !needs.two_factor_enabled {
        LoginStage::SetUpTwoFactor
    } else {
        LoginStage::Done
    }
}

#[cfg(test)]
mod stage_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever an account owes, the session reaches `Done` only after paying all of it, and
        /// the code is always asked first.
        #[test]
        fn done_only_when_nothing_is_owed(tf in any::<bool>(), mc in any::<bool>(), su in any::<bool>(), passed in any::<bool>()) {
            let needs = LoginNeeds { two_factor_enabled: tf, must_change_password: mc, must_set_up_two_factor: su };
            let s = pending_stage(needs, passed);
            if s == LoginStage::Done {
                let owes_code = tf && !passed;
                let owes_setup = su && !tf;
                prop_assert!(!(owes_code || mc || owes_setup));
            }
            if tf && !passed {
                prop_assert_eq!(s, LoginStage::TwoFactor);
            }
        }
    }

    #[test]
    fn stage_ids_round_trip() {
        for s in LoginStage::ALL {
            assert_eq!(LoginStage::from_id(s.id()), Some(s));
        }
    }
}
