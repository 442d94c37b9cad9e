//! The archive PDF read back as text (issue 4 point 8): Chinese text embedded, rare name
//! characters, page numbers, the station in the header, user text printed literally, and missing
//! glyphs named rather than silently blank.

use super::*;
use crate::testing::{self, NAME, RELATIVE, STATION, sample, squeeze};

#[test]
fn chinese_text_rare_names_station_and_page_numbers_come_back_out() {
    let Some(e) = testing::engine() else { return };
    let r = e.render(&sample(30)).unwrap();
    assert!(r.pdf.starts_with(b"%PDF-"));
    assert!(r.pages >= 3, "30 service records fill several pages");
    assert!(r.missing.is_empty(), "{:?}", r.missing);
    let text = testing::text(&r.pdf);
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(pages.len(), r.pages);
    let all = squeeze(&text);
    for want in [
        "个案档案",
        NAME,
        RELATIVE,
        "430202********1234",
        "8.2.5精神慰藉",
    ] {
        assert!(all.contains(want), "{want} not in the PDF text");
    }
    for (i, page) in pages.iter().enumerate() {
        let page = squeeze(page);
        // 7.6.4: every page says whose archive it is and where it stands.
        assert!(page.contains(STATION), "no station on page {}", i + 1);
        let number = format!("第{}页共{}页", i + 1, r.pages);
        assert!(page.contains(&number), "no {number} on page {}", i + 1);
    }
}

#[test]
fn user_text_is_printed_literally_never_run_as_markup() {
    let Some(e) = testing::engine() else { return };
    let hostile = [
        r#"#eval("1+1")"#,
        "*粗体*",
        "_斜体_",
        "$x^2$",
        r"\反斜杠\n",
        "[方括号]",
        "<script>alert(1)</script>",
        "= 标题",
        "// 注释",
        "@label",
        "#set page(paper: \"a5\")",
        "`code`",
    ];
    let mut a = sample(1);
    a.person_name = format!("{NAME}{}", hostile[0]);
    a.facts.push(Field::new("备注", hostile.join("\n")));
    let r = e.render(&a).unwrap();
    let all = squeeze(&testing::text(&r.pdf));
    assert!(all.contains(&squeeze(&a.person_name)));
    for h in hostile {
        assert!(all.contains(&squeeze(h)), "{h} was not printed as written");
    }
    assert!(!all.contains("2个案"), "the name's #eval ran");
}

#[test]
fn a_character_no_font_has_is_named_on_the_first_page() {
    let Some(e) = testing::engine() else { return };
    // A private-use character of plane 16: no font covers it.
    let mut a = sample(1);
    a.person_name = format!("{NAME}\u{10FFFD}");
    let r = e.render(&a).unwrap();
    assert_eq!(r.missing, vec!['\u{10FFFD}']);
    let first = squeeze(testing::text(&r.pdf).split('\u{c}').next().unwrap());
    assert!(first.contains("U+10FFFD"), "{first}");
    assert!(first.contains("印为空白"));
}

#[test]
fn the_check_ignores_spaces_and_controls_and_names_each_character_once() {
    let Some(e) = testing::engine() else { return };
    assert!(e.missing("个案 档案\n\t ABC 123 𠮷㛃").is_empty());
    assert_eq!(
        e.missing("\u{10FFFD}个\u{10FFFD}\u{10FFFE}"),
        vec!['\u{10FFFD}', '\u{10FFFE}']
    );
}

#[test]
fn without_a_chinese_font_the_engine_refuses_and_says_what_to_install() {
    let empty = tempfile::tempdir().unwrap();
    let e = Engine::load(&[empty.path(), Path::new("/no/such/folder")]);
    assert_eq!(e.faces(), 0);
    assert!(!e.has_cjk());
    let err = e.render(&sample(1)).unwrap_err();
    assert!(matches!(err, PdfError::NoCjkFont));
    assert!(err.to_string().contains("fonts-noto-cjk"));
}

#[test]
fn font_folders_come_from_a_path_list() {
    assert_eq!(
        font_dirs(OsStr::new("/a::/b/c:")),
        vec![PathBuf::from("/a"), PathBuf::from("/b/c")]
    );
    assert!(font_dirs(OsStr::new("")).is_empty());
}

#[test]
fn the_engine_is_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Engine>();
    let Some(e) = testing::engine() else { return };
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| assert!(e.render(&sample(2)).unwrap().pages >= 1));
        }
    });
}
