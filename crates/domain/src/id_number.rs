//! Citizen identity numbers (GB 11643—1999, domain-rules.md § Identity and places): 6-digit area
//! code, 8-digit birth date, 3-digit sequence (odd = male), check digit by ISO 7064 MOD 11-2.
//! An [`IdNumber`] can only hold a valid number ("parse, don't validate").

use crate::Msg;
use serde::Serialize;
use time::{Date, Month};

/// Province-level codes of GB/T 2260 (the first two digits), including Taiwan, Hong Kong, Macao.
const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct IdNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn id(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }

    pub fn from_id(s: &str) -> Option<Gender> {
        match s.trim() {
            "male" | "男" | "M" | "m" => Some(Gender::Male),
            "female" | "女" | "F" | "f" => Some(Gender::Female),
            _ => None,
        }
    }

    pub fn label(self) -> Msg {
        match self {
            Gender::Male => Msg::new("男", "male"),
            Gender::Female => Msg::new("女", "female"),
        }
    }
}

/// Folds what people and spreadsheets type into plain ASCII: full-width digits and letters (as an
/// IME produces), lower-case `x`, and spaces anywhere.
pub fn normalise_digits(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' => char::from(b'0' + (c as u32 - 0xFF10) as u8),
            '\u{FF21}'..='\u{FF3A}' => char::from(b'A' + (c as u32 - 0xFF21) as u8),
            '\u{FF41}'..='\u{FF5A}' => char::from(b'A' + (c as u32 - 0xFF41) as u8),
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

/// The check digit of the first 17 digits.
pub fn check_digit(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

impl IdNumber {
    /// Parses and checks a number; `today` bounds the birth date. The error says what is wrong.
    pub fn parse(input: &str, today: Date) -> Result<IdNumber, Msg> {
        let s = normalise_digits(input);
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(Msg::owned(
                format!("身份证号应为 18 位(现为 {} 位)", s.chars().count()),
                format!(
                    "an ID number has 18 characters (this has {})",
                    s.chars().count()
                ),
            ));
        }
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(Msg::new(
                "身份证号前 17 位应为数字,最后一位为数字或 X",
                "the first 17 characters are digits and the last a digit or X",
            ));
        }
        let province = (b[0] - b'0') * 10 + (b[1] - b'0');
        if !PROVINCES.contains(&province) || &s[2..6] == "0000" {
            return Err(Msg::owned(
                format!("身份证号的地址码 {} 不是有效的行政区划代码", &s[..6]),
                format!("the area code {} is not a valid division code", &s[..6]),
            ));
        }
        let birth = birth_date(&s).ok_or_else(|| {
            Msg::owned(
                format!("身份证号中的出生日期 {} 不是真实的日期", &s[6..14]),
                format!(
                    "the birth date {} in the ID number is not a real date",
                    &s[6..14]
                ),
            )
        })?;
        if birth > today {
            return Err(Msg::new(
                "身份证号中的出生日期晚于今天",
                "the birth date in the ID number is in the future",
            ));
        }
        if birth.year() < 1890 {
            return Err(Msg::new(
                "身份证号中的出生日期早于 1890 年",
                "the birth date in the ID number is before 1890",
            ));
        }
        let expected = check_digit(&b[..17]);
        if b[17] != expected {
            return Err(Msg::owned(
                format!(
                    "身份证号校验码错误:最后一位应为 {},请核对是否抄错",
                    expected as char
                ),
                format!(
                    "wrong check digit: the last character should be {}; check for a typo",
                    expected as char
                ),
            ));
        }
        Ok(IdNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Date {
        birth_date(&self.0).expect("checked at parse")
    }

    pub fn gender(&self) -> Gender {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    pub fn area_code(&self) -> &str {
        &self.0[..6]
    }

    /// Age in whole years on `on`.
    pub fn age(&self, on: Date) -> i32 {
        age_on(self.birth_date(), on)
    }

    /// `4302**********123X`: the province and city, and the last four.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.0[..4], &self.0[14..])
    }
}

fn birth_date(s: &str) -> Option<Date> {
    let y: i32 = s.get(6..10)?.parse().ok()?;
    let m: u8 = s.get(10..12)?.parse().ok()?;
    let d: u8 = s.get(12..14)?.parse().ok()?;
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

/// Whole years between a birth date and `on`.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 29);

    #[test]
    fn the_standard_example_is_valid() {
        let id = IdNumber::parse("11010519491231002X", TODAY).unwrap();
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.age(TODAY), 76);
        assert_eq!(id.masked(), "1101**********002X");
    }

    #[test]
    fn lower_case_x_full_width_and_spaces_are_folded() {
        let want = IdNumber::parse("11010519491231002X", TODAY).unwrap();
        assert_eq!(IdNumber::parse("11010519491231002x", TODAY).unwrap(), want);
        let full: String = "11010519491231002"
            .chars()
            .map(|c| char::from_u32(c as u32 - 0x30 + 0xFF10).unwrap())
            .collect();
        assert_eq!(
            IdNumber::parse(&format!("{full}\u{FF38}"), TODAY).unwrap(),
            want
        );
        assert_eq!(
            IdNumber::parse(" 110105 19491231 002X ", TODAY).unwrap(),
            want
        );
    }

    #[test]
    fn every_kind_of_bad_number_says_why() {
        let cases = [
            ("", "18 位"),
            ("1101051949123100", "18 位"),
            ("1101051949123100X2", "前 17 位"),
            ("11010519491231002Y", "前 17 位"),
            ("99010519491231002X", "地址码"),
            ("110000194912310021", "地址码"),
            ("110105194902300029", "出生日期"),
            ("110105202712310023", "晚于今天"),
            ("110105188012310025", "1890"),
            ("110105194912310021", "校验码"),
        ];
        for (input, reason) in cases {
            let err = IdNumber::parse(input, TODAY).unwrap_err();
            assert!(
                err.zh.contains(reason),
                "{input}: {} should mention {reason}",
                err.zh
            );
        }
    }

    #[test]
    fn ages_turn_on_the_birthday() {
        assert_eq!(age_on(date!(2012 - 11 - 30), TODAY), 13);
        assert_eq!(age_on(date!(2012 - 11 - 29), TODAY), 14);
    }

    fn valid_id() -> impl Strategy<Value = String> {
        (
            prop::sample::select(&PROVINCES[..]),
            1u32..99,
            1u32..99,
            1900i32..2026,
            1u8..=12,
            1u8..=28,
            0u32..999,
        )
            .prop_map(|(p, c, d, y, m, day, seq)| {
                let first17 = format!("{p:02}{c:02}{d:02}{y:04}{m:02}{day:02}{seq:03}");
                let check = check_digit(first17.as_bytes()) as char;
                format!("{first17}{check}")
            })
    }

    proptest! {
        #[test]
        fn built_numbers_parse_and_round_trip(s in valid_id()) {
            let id = IdNumber::parse(&s, TODAY).unwrap();
            prop_assert_eq!(id.as_str(), s.as_str());
            let odd = (s.as_bytes()[16] - b'0') % 2 == 1;
            prop_assert_eq!(id.gender() == Gender::Male, odd);
            prop_assert_eq!(id.masked().len(), 18);
            prop_assert!(id.age(TODAY) >= 0);
        }

        #[test]
        fn any_single_digit_change_is_caught(s in valid_id(), pos in 0usize..17, delta in 1u8..10) {
            let mut b = s.into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(b).unwrap();
            // Either the changed digit breaks the area or the date, or the check digit catches it.
            prop_assert!(IdNumber::parse(&changed, TODAY).is_err());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = IdNumber::parse(&s, TODAY);
        }
    }
}
