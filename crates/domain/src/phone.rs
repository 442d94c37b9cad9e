//! Phone numbers: mainland mobiles (11 digits starting 13–19) and landlines with their area code
//! (`0731-12345678`, extension allowed). Stored as digits (plus `-` between area code, number and
//! extension), shown masked.

use crate::Msg;
use crate::id_number::normalise_digits;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, Msg> {
        let s: String = normalise_digits(input)
            .chars()
            .map(|c| {
                if matches!(c, '—' | '－' | '_' | '(' | ')' | '\u{FF08}' | '\u{FF09}') {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        let s = s
            .strip_prefix("+86")
            .or_else(|| s.strip_prefix("0086"))
            .unwrap_or(&s)
            .trim_matches('-')
            .to_string();
        let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
        let bad = || {
            Msg::new(
                "电话号码应为 11 位手机号,或带区号的座机号(如 0731-12345678)",
                "a phone is an 11-digit mobile number or a landline with its area code (e.g. 0731-12345678)",
            )
        };
        if !s.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return Err(bad());
        }
        if digits.len() == 11
            && digits.starts_with('1')
            && (b'3'..=b'9').contains(&digits.as_bytes()[1])
            && !s.starts_with('0')
        {
            return Ok(Phone(digits));
        }
        // Landline: area code 0XX or 0XXX, then 7–8 digits, then an optional extension.
        let parts: Vec<&str> = s.split('-').filter(|p| !p.is_empty()).collect();
        let (area, number, ext) = match parts.as_slice() {
            [a, n] => (*a, *n, None),
            [a, n, e] => (*a, *n, Some(*e)),
            [one] if one.starts_with('0') && (10..=12).contains(&one.len()) => {
                let area_len = if matches!(&one[..2], "01" | "02") {
                    3
                } else {
                    4
                };
                (&one[..area_len], &one[area_len..], None)
            }
            _ => return Err(bad()),
        };
        let ok = area.starts_with('0')
            && (3..=4).contains(&area.len())
            && (7..=8).contains(&number.len())
            && !number.starts_with('0')
            && ext.is_none_or(|e| (1..=6).contains(&e.len()));
        if !ok {
            return Err(bad());
        }
        Ok(Phone(match ext {
            Some(e) => format!("{area}-{number}-{e}"),
            None => format!("{area}-{number}"),
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits only: what a search by phone compares.
    pub fn digits(&self) -> String {
        self.0.chars().filter(|c| c.is_ascii_digit()).collect()
    }

    /// `138****5678`, `0731****5678`.
    pub fn masked(&self) -> String {
        let d = self.digits();
        if self.0.contains('-') {
            let area = self.0.split('-').next().unwrap_or_default();
            format!("{area}****{}", &d[d.len() - 4..])
        } else {
            format!("{}****{}", &d[..3], &d[7..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mobiles_and_landlines() {
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
        assert_eq!(
            Phone::parse("+86 138 1234 5678").unwrap().as_str(),
            "13812345678"
        );
        assert_eq!(
            Phone::parse("\u{FF11}\u{FF13}\u{FF18}12345678")
                .unwrap()
                .as_str(),
            "13812345678"
        );
        assert_eq!(
            Phone::parse("0731-22334455").unwrap().masked(),
            "0731****4455"
        );
        assert_eq!(
            Phone::parse("(0731)22334455").unwrap().as_str(),
            "0731-22334455"
        );
        assert_eq!(
            Phone::parse("073122334455").unwrap().as_str(),
            "0731-22334455"
        );
        assert_eq!(
            Phone::parse("010-12345678-123").unwrap().as_str(),
            "010-12345678-123"
        );
        for bad in [
            "",
            "12345",
            "1381234567",
            "23812345678",
            "12012345678",
            "abc",
            "0731-0123456",
            "138-1234-5678x",
            "<script>",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn accepted_mobiles_mask_to_eleven(d in "1[3-9][0-9]{9}") {
            let p = Phone::parse(&d).unwrap();
            prop_assert_eq!(p.masked().len(), 11);
            prop_assert_eq!(p.digits(), d);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = Phone::parse(&s);
        }
    }
}
