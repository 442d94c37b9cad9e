//! Calendar dates as people and rosters write them: `2026-11-29`, `2026/11/29`, `2026.11.29`,
//! `2026年11月29日`, with or without leading zeros. Impossible dates (`1990/2/30`) are refused.

use crate::Msg;
use time::{Date, Month};

pub fn parse(input: &str) -> Result<Date, Msg> {
    let s = crate::id_number::normalise_digits(input);
    let s = s.trim_end_matches('日');
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
    let bad = || {
        Msg::owned(
            format!("“{}”不是有效日期,请写成 2026-11-29", input.trim()),
            format!(
                "“{}” is not a valid date; write it as 2026-11-29",
                input.trim()
            ),
        )
    };
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return Err(bad());
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>()) else {
        return Err(bad());
    };
    let month = Month::try_from(m).map_err(|_| bad())?;
    Date::from_calendar_date(y, month, d).map_err(|_| bad())
}

/// The ISO form stored in the database.
pub fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Today in China time.
pub fn today() -> Date {
    time::OffsetDateTime::now_utc()
        .to_offset(crate::clock::CHINA)
        .date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn the_ways_dates_are_written() {
        for s in [
            "2026-11-29",
            "2026/11/29",
            "2026.11.29",
            "2026年11月29日",
            " 2026-11-29 ",
            "２０２６-１１-２９",
        ] {
            assert_eq!(parse(s).unwrap(), date!(2026 - 11 - 29), "{s}");
        }
        assert_eq!(parse("1990/2/3").unwrap(), date!(1990 - 02 - 03));
    }

    #[test]
    fn impossible_dates_are_refused() {
        for s in [
            "1990/2/30",
            "2026-13-01",
            "2026-00-10",
            "26-1-1",
            "2026-1",
            "yesterday",
            "",
            "2026-1-1-1",
        ] {
            assert!(parse(s).is_err(), "{s}");
        }
        assert!(parse("1990/2/30").unwrap_err().zh.contains("1990/2/30"));
    }

    proptest! {
        #[test]
        fn iso_round_trips(y in 1900i32..2100, m in 1u8..=12, d in 1u8..=28) {
            let date = Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap();
            prop_assert_eq!(parse(&iso(date)).unwrap(), date);
        }
    }
}

/// Which items of a due list to show: due soon (within a module's window), overdue, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Due from today up to the window, not yet overdue.
    Soon,
    /// Due before today.
    Overdue,
    /// Both, overdue first.
    All,
}

impl Due {
    /// `due`, `overdue`, or empty / `all`; `window_days` names the window in the message.
    pub fn parse(status: Option<&str>, window_days: i64) -> Result<Due, crate::Msg> {
        match status.map(str::trim).unwrap_or_default() {
            "" | "all" => Ok(Due::All),
            "due" => Ok(Due::Soon),
            "overdue" => Ok(Due::Overdue),
            _ => Err(crate::Msg::owned(
                format!("status 应为 due({window_days} 天内到期)或 overdue(已逾期)"),
                format!("status is due (within {window_days} days) or overdue"),
            )),
        }
    }
}

#[cfg(test)]
mod due_tests {
    use super::Due;

    #[test]
    fn due_statuses() {
        assert_eq!(Due::parse(None, 7), Ok(Due::All));
        assert_eq!(Due::parse(Some(" due "), 7), Ok(Due::Soon));
        assert_eq!(Due::parse(Some("overdue"), 30), Ok(Due::Overdue));
        assert!(
            Due::parse(Some("soon"), 30)
                .unwrap_err()
                .zh
                .contains("30 天")
        );
    }
}
