//! Search tokens for people's names (design.md: name search in the database, not a side index).
//! A name yields: each character, each pair of neighbouring characters, the full pinyin (every
//! reading of multi-reading characters such as 曾 zeng/ceng, 单 shan/dan) and the pinyin initials.
//! Tokens carry a kind prefix so that a character and a pinyin string never collide.

use pinyin::ToPinyinMulti;

/// Most combinations of readings kept per name: names are short, but a name of four
/// multi-reading characters would otherwise give dozens.
const MAX_READINGS: usize = 16;

pub const CHAR: &str = "c:";
pub const PAIR: &str = "b:";
pub const PINYIN: &str = "p:";
pub const INITIALS: &str = "i:";

/// All tokens of a name, deduplicated. Characters without a reading (such as 𠮷, which the pinyin
/// tables lack) still give character and pair tokens; their pinyin is skipped, not guessed.
pub fn name_tokens(name: &str) -> Vec<String> {
    let chars: Vec<char> = name
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '.' | '-'))
        .collect();
    let mut out: Vec<String> = Vec::new();
    for c in &chars {
        out.push(format!("{CHAR}{}", c.to_lowercase()));
    }
    for w in chars.windows(2) {
        out.push(format!(
            "{PAIR}{}{}",
            w[0].to_lowercase(),
            w[1].to_lowercase()
        ));
    }
    for (full, initials) in readings(&chars) {
        if !full.is_empty() {
            out.push(format!("{PINYIN}{full}"));
            out.push(format!("{INITIALS}{initials}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every combination of readings of the name as (full pinyin, initials), letters only; Latin
/// letters in a name are kept as they are, characters without a reading are left out.
fn readings(chars: &[char]) -> Vec<(String, String)> {
    let mut combos: Vec<(String, String)> = vec![(String::new(), String::new())];
    for c in chars {
        let options: Vec<(String, String)> = if c.is_ascii_alphabetic() {
            let l = c.to_ascii_lowercase().to_string();
            vec![(l.clone(), l)]
        } else {
            match c.to_pinyin_multi() {
                Some(m) => {
                    let mut v: Vec<(String, String)> = m
                        .into_iter()
                        .map(|p| (typed(p.plain()), p.first_letter().to_string()))
                        .collect();
                    v.dedup();
                    v
                }
                None => continue,
            }
        };
        let mut next = Vec::new();
        for (f, i) in &combos {
            for (of, oi) in &options {
                if next.len() < MAX_READINGS {
                    next.push((format!("{f}{of}"), format!("{i}{oi}")));
                }
            }
        }
        combos = next;
    }
    combos
}

/// A reading as it is typed on a keyboard: `ü` as `v` (吕 `lv`, the pinyin input methods'
/// convention) and `ê` as `e`, so that every pinyin token is plain ASCII letters.
fn typed(plain: &str) -> String {
    plain.replace('ü', "v").replace('ê', "e")
}

/// Where a name found by a search stands in the results (issue 3 point 7, "ranked exact-first"):
/// the name itself first, then names starting with the text, then the rest; shorter names before
/// longer, then by name. Sort by this key, then by record id for a stable order.
pub fn rank<'a>(name: &'a str, q: &str) -> (u8, usize, &'a str) {
    let q = q.trim();
    let place = if name == q {
        0
    } else if !q.is_empty() && name.starts_with(q) {
        1
    } else {
        2
    };
    (place, name.chars().count(), name)
}

/// What a search box holds, as a token query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameQuery {
    /// Chinese characters: all of these tokens must be present (one character, or its pairs).
    Hanzi(Vec<String>),
    /// Latin letters: full pinyin or initials starting with these letters.
    Pinyin(String),
}

/// Turns a search text into a token query; `None` when it holds nothing searchable.
pub fn name_query(q: &str) -> Option<NameQuery> {
    // Control characters (a NUL typed into a URL) are in no name and PostgreSQL refuses them.
    let chars: Vec<char> = q
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '·' | '•' | '.' | '-'))
        .collect();
    if chars.is_empty() {
        return None;
    }
    if chars.iter().all(|c| c.is_ascii_alphabetic()) {
        return Some(NameQuery::Pinyin(
            chars.iter().collect::<String>().to_ascii_lowercase(),
        ));
    }
    let lower: Vec<String> = chars.iter().map(|c| c.to_lowercase().to_string()).collect();
    let tokens = if lower.len() == 1 {
        vec![format!("{CHAR}{}", lower[0])]
    } else {
        let mut t: Vec<String> = lower
            .windows(2)
            .map(|w| format!("{PAIR}{}{}", w[0], w[1]))
            .collect();
        t.sort();
        t.dedup();
        t
    };
    Some(NameQuery::Hanzi(tokens))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_plain_name() {
        let t = name_tokens("张三");
        for want in ["c:张", "c:三", "b:张三", "p:zhangsan", "i:zs"] {
            assert!(t.contains(&want.to_string()), "{want} in {t:?}");
        }
    }

    #[test]
    fn exact_names_first_then_prefixes_then_shorter() {
        let mut names = ["李张三", "张三丰", "张三", "张", "三张", "张三𠮷"];
        names.sort_by_key(|n| rank(n, " 张三 "));
        assert_eq!(names, ["张三", "张三丰", "张三𠮷", "张", "三张", "李张三"]);
    }

    proptest! {
        #[test]
        fn a_name_equal_to_the_query_always_comes_first(name in "\\PC{1,6}", other in "\\PC{1,6}") {
            prop_assume!(name != other && name.trim() == name && !name.is_empty());
            prop_assert!(rank(&name, &name) < rank(&other, &name));
        }
    }

    #[test]
    fn u_umlaut_is_typed_as_v() {
        let t = name_tokens("吕女士");
        assert!(t.contains(&"p:lvnvshi".to_string()), "{t:?}");
        assert!(
            t.iter().all(|t| !t.starts_with(PINYIN) || t.is_ascii()),
            "{t:?}"
        );
    }

    #[test]
    fn every_reading_of_a_multi_reading_surname() {
        let t = name_tokens("曾小红");
        assert!(
            t.contains(&"p:zengxiaohong".to_string()) && t.contains(&"p:cengxiaohong".to_string()),
            "{t:?}"
        );
        assert!(t.contains(&"i:zxh".to_string()) && t.contains(&"i:cxh".to_string()));
        let t = name_tokens("单雄");
        assert!(
            t.contains(&"p:shanxiong".to_string()) && t.contains(&"p:danxiong".to_string()),
            "{t:?}"
        );
    }

    #[test]
    fn rare_characters_keep_their_character_tokens() {
        let t = name_tokens("欧阳𠮷祥");
        assert!(
            t.contains(&"c:𠮷".to_string())
                && t.contains(&"b:阳𠮷".to_string())
                && t.contains(&"b:𠮷祥".to_string())
        );
        // 𠮷 has no reading: the pinyin skips it rather than break.
        assert!(t.iter().any(|x| x.starts_with("p:ouyang")), "{t:?}");
    }

    #[test]
    fn queries() {
        assert_eq!(name_query("  "), None);
        assert_eq!(
            name_query("ZhangS"),
            Some(NameQuery::Pinyin("zhangs".into()))
        );
        assert_eq!(
            name_query("张"),
            Some(NameQuery::Hanzi(vec!["c:张".into()]))
        );
        assert_eq!(
            name_query("张三丰"),
            Some(NameQuery::Hanzi(vec!["b:三丰".into(), "b:张三".into()]))
        );
    }

    proptest! {
        #[test]
        fn a_name_is_found_by_any_part_of_it(name in "[\\u{4e00}-\\u{9fa5}]{2,4}", start in 0usize..3, len in 1usize..3) {
            let tokens = name_tokens(&name);
            let chars: Vec<char> = name.chars().collect();
            let start = start.min(chars.len() - 1);
            let end = (start + len).min(chars.len());
            let part: String = chars[start..end].iter().collect();
            match name_query(&part).unwrap() {
                NameQuery::Hanzi(q) => prop_assert!(q.iter().all(|t| tokens.contains(t))),
                NameQuery::Pinyin(_) => prop_assert!(false),
            }
        }

        #[test]
        fn tokens_never_panic_and_stay_bounded(name in "\\PC{0,12}") {
            let t = name_tokens(&name);
            prop_assert!(t.len() <= 12 + 11 + 2 * MAX_READINGS);
        }
    }
}
