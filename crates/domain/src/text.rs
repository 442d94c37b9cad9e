//! Rules for the free-standing text fields every form has: one-line labels, people's names and
//! multi-line notes. Values are stored as typed and always escaped on output; these checks keep
//! out what no honest value contains (control characters, markup in a name) and what would not fit.

use crate::Msg;

/// Trims a one-line value and checks its length in characters (not bytes: 𠮷 is one character).
pub fn one_line(value: &str, max_chars: usize) -> Result<String, Msg> {
    let v = value.trim();
    if v.chars().any(|c| c.is_control()) {
        return Err(Msg::new(
            "不能包含换行或控制字符",
            "must not contain line breaks or control characters",
        ));
    }
    check_len(v, max_chars)?;
    Ok(v.to_string())
}

/// Like [`one_line`] but the value must not be empty.
pub fn required_line(value: &str, max_chars: usize) -> Result<String, Msg> {
    let v = one_line(value, max_chars)?;
    if v.is_empty() {
        return Err(Msg::new("必填", "required"));
    }
    Ok(v)
}

/// Multi-line notes: line breaks and tabs allowed, other control characters not.
pub fn notes(value: &str, max_chars: usize) -> Result<String, Msg> {
    let v = value.trim();
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Msg::new(
            "不能包含控制字符",
            "must not contain control characters",
        ));
    }
    check_len(v, max_chars)?;
    Ok(v.replace("\r\n", "\n"))
}

/// Longest reason for correcting or deleting a saved record.
pub const REASON_MAX: usize = 500;

/// Why a saved record is corrected or deleted: required, so every change to what was recorded
/// says why (the record and its history are the station's archive, 7.6.4).
pub fn reason(value: &str) -> Result<String, Msg> {
    let v = notes(value, REASON_MAX)?;
    if v.is_empty() {
        return Err(Msg::new(
            "请填写更正或删除的原因",
            "give the reason for the correction or deletion",
        ));
    }
    Ok(v)
}

/// A corrected record with its reason, or every reason the correction is refused at once (the
/// record's own problems and a missing reason together).
pub fn corrected<T>(
    record: Result<T, crate::Invalid>,
    reason_in: &str,
) -> Result<(T, String), crate::Invalid> {
    let mut inv = match &record {
        Ok(_) => crate::Invalid::new(),
        Err(e) => e.clone(),
    };
    let reason = inv.check("reason", reason(reason_in));
    match (record, reason) {
        (Ok(r), Some(why)) if inv.is_empty() => Ok((r, why)),
        _ => Err(inv),
    }
}

/// A person's or an organisation's name: letters of any script (including rare characters such as
/// 𠮷 and 㛃), digits for organisations, and the separators names really use (· for names of ethnic
/// minorities, spaces, hyphens, brackets). Emoji, markup and quotes are refused with the reason.
pub fn name(value: &str, max_chars: usize) -> Result<String, Msg> {
    let v = required_line(value, max_chars)?;
    if let Some(bad) = v.chars().find(|c| !is_name_char(*c)) {
        return Err(Msg::owned(
            format!("不能包含字符“{bad}”,只能使用文字、数字、间隔号·、空格、连字符和括号"),
            format!(
                "must not contain “{bad}”; use letters, digits, ·, spaces, hyphens and brackets"
            ),
        ));
    }
    Ok(v)
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            '·' | '•' | '.' | ' ' | '-' | '(' | ')' | '\u{FF08}' | '\u{FF09}' | '、' | '_'
        )
}

fn check_len(v: &str, max_chars: usize) -> Result<(), Msg> {
    let n = v.chars().count();
    if n > max_chars {
        return Err(Msg::owned(
            format!("不能超过 {max_chars} 个字(现有 {n} 个)"),
            format!("must be at most {max_chars} characters (has {n})"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_correction_needs_a_reason() {
        assert_eq!(reason("  录入错误 ").unwrap(), "录入错误");
        assert_eq!(reason("").unwrap_err().zh, "请填写更正或删除的原因");
        for bad in ["", "   ", "\u{0}x"] {
            assert!(reason(bad).is_err(), "{bad:?}");
        }
        assert!(reason(&"字".repeat(REASON_MAX + 1)).is_err());
        let both = corrected::<()>(
            Err(crate::Invalid::one("visited_on", Msg::new("x", "x"))),
            "",
        )
        .unwrap_err();
        let fields: Vec<_> = both.errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["visited_on", "reason"]);
        assert_eq!(corrected(Ok(1), "错填").unwrap(), (1, "错填".to_string()));
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_keep_rare_characters_exactly() {
        assert_eq!(name(" 欧阳𠮷祥 ", 20).unwrap(), "欧阳𠮷祥");
        assert_eq!(name("㛃娟", 20).unwrap(), "㛃娟");
        assert_eq!(name("阿依古丽·买买提", 20).unwrap(), "阿依古丽·买买提");
        assert_eq!(
            name("株洲市荷塘区阳光社会工作服务中心(分部)", 60)
                .unwrap()
                .chars()
                .count(),
            20
        );
    }

    #[test]
    fn names_refuse_emoji_markup_and_quotes() {
        for bad in [
            "张三😀",
            "<script>alert(1)</script>",
            "李'四",
            "王\"五",
            "赵;六",
            "a\u{0}b",
        ] {
            let err = name(bad, 20).unwrap_err();
            assert!(!err.zh.is_empty(), "{bad} should be refused");
        }
    }

    #[test]
    fn empty_and_blank_names_are_required() {
        assert_eq!(name("", 20).unwrap_err().zh, "必填");
        assert_eq!(name("   ", 20).unwrap_err().zh, "必填");
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(one_line(&"𠮷".repeat(10), 10).is_ok());
        let err = one_line(&"𠮷".repeat(11), 10).unwrap_err();
        assert!(err.zh.contains("10"));
    }

    #[test]
    fn notes_allow_line_breaks_but_not_other_controls() {
        assert_eq!(notes("第一行\r\n第二行", 100).unwrap(), "第一行\n第二行");
        assert!(notes("a\u{7}b", 100).is_err());
        assert!(one_line("a\nb", 100).is_err());
    }

    proptest! {
        #[test]
        fn accepted_one_line_values_are_trimmed_and_within_limit(s in "\\PC{0,40}", max in 1usize..30) {
            if let Ok(v) = one_line(&s, max) {
                prop_assert!(v.chars().count() <= max);
                prop_assert_eq!(v.trim(), v.as_str());
                prop_assert!(!v.chars().any(|c| c.is_control()));
            }
        }

        #[test]
        fn accepted_names_contain_no_markup(s in "\\PC{0,30}") {
            if let Ok(v) = name(&s, 30) {
                prop_assert!(!v.contains(['<', '>', '"', '\'', '&', ';']));
                prop_assert!(!v.is_empty());
            }
        }
    }
}
