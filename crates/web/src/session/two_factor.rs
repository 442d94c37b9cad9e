//! TOTP (RFC 6238) second factor: 6 digits, 30-second steps, one step of clock skew either way, and
//! each step accepted once per account (the caller stores the last step used).

use qrcode::QrCode;
use qrcode::render::svg;
use totp_rs::{Builder, Secret, Totp};

pub const ISSUER: &str = "shegong";

pub fn new_secret() -> Vec<u8> {
    let mut s = vec![0u8; 20];
    rand::fill(&mut s[..]);
    s
}

fn totp(secret: &[u8], account: &str) -> Option<Totp> {
    Builder::new()
        .with_secret(Secret::new(secret.to_vec().into_boxed_slice()))
        .with_account_name(account.to_string())
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// The step of `code` if it is valid now and newer than the last step used.
pub fn accept(secret: &[u8], code: &str, last_step: Option<i64>, now: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret, "x")?;
    let step = t.check(&code, u64::try_from(now).ok()?)? as i64;
    (last_step.is_none_or(|last| step > last)).then_some(step)
}

/// The code an authenticator app shows at `now` (for tests and the demo).
pub fn code_at(secret: &[u8], now: i64) -> String {
    totp(secret, "x")
        .map(|t| t.generate(now as u64).to_string())
        .unwrap_or_default()
}

pub fn base32(secret: &[u8]) -> String {
    Secret::new(secret.to_vec().into_boxed_slice()).to_base32()
}

pub fn otpauth_url(secret: &[u8], account: &str) -> String {
    totp(secret, account)
        .and_then(|t| t.to_url().ok())
        .unwrap_or_default()
}

/// The `otpauth://` URL as an SVG QR code, for phones to scan.
pub fn qr_svg(url: &str) -> String {
    QrCode::new(url.as_bytes())
        .map(|c| {
            c.render::<svg::Color>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_accepted_once_and_only_near_its_time() {
        let s = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&s, now);
        let step = accept(&s, &code, None, now).expect("current code");
        assert_eq!(accept(&s, &code, Some(step), now), None, "replayed");
        assert!(
            accept(&s, &code, None, now + 30).is_some(),
            "one step of skew"
        );
        assert_eq!(accept(&s, &code, None, now + 120), None, "too late");
        assert_eq!(accept(&s, "12345", None, now), None);
        assert_eq!(accept(&s, "abcdef", None, now), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(accept(&s, &spaced, None, now).is_some());
    }

    #[test]
    fn setup_material() {
        let s = new_secret();
        assert_eq!(base32(&s).len(), 32);
        let url = otpauth_url(&s, "admin");
        assert!(url.starts_with("otpauth://totp/shegong:admin?"), "{url}");
        assert!(qr_svg(&url).contains("<svg"));
    }
}
