//! Instants are stored as Unix seconds (the same on both databases) and shown in China Standard
//! Time, UTC+8, which has no daylight saving.

use time::{OffsetDateTime, UtcOffset};

pub const CHINA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("valid offset"),
};

pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// `2026-11-29 10:31` in China time; an empty string for an impossible instant.
pub fn display(unix: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => {
            let t = t.to_offset(CHINA);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        }
        Err(_) => String::new(),
    }
}

/// Parses `YYYY-MM-DD` as the start of that day in China time.
pub fn parse_day_start(s: &str) -> Option<i64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s.trim(), fmt).ok()?;
    Some(d.midnight().assume_offset(CHINA).unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_china_time() {
        // 2026-11-29 00:00:00 UTC is 08:00 in Changsha.
        assert_eq!(display(1_795_910_400), "2026-11-29 08:00");
    }

    #[test]
    fn day_start_is_china_midnight() {
        let t = parse_day_start("2026-11-29").unwrap();
        assert_eq!(display(t), "2026-11-29 00:00");
        assert!(parse_day_start("2026-02-30").is_none());
        assert!(parse_day_start("yesterday").is_none());
    }
}
