//! For tests and the benchmark: a sample archive, and the text of a PDF read back with
//! `pdftotext` (poppler-utils), which got every character of rare names back where Rust PDF
//! readers were not reliable for CID fonts.
//!
//! Without Chinese fonts or `pdftotext` a test prints `skipped: …` and passes, like the browser
//! tests; with `SHEGONG_REQUIRE_PDF=1` (as `.ci/run` sets) it fails instead.

use crate::{CaseArchive, Engine, Field, Record, Section, Table};
use std::process::Command;
use std::sync::OnceLock;

pub const STATION: &str = "株洲市荷塘区月塘街道社工站";
/// A surname of two characters and a given name with 𠮷 (CJK Extension B).
pub const NAME: &str = "欧阳𠮷祥";
/// 㛃 is in CJK Extension A.
pub const RELATIVE: &str = "㛃娟";

/// The engine over the machine's fonts (`SHEGONG_FONT_DIRS` or the default folders), loaded once
/// per test binary — or `None` (after saying why) when it cannot print Chinese or the text cannot
/// be read back.
pub fn engine() -> Option<&'static Engine> {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    let e = ENGINE.get_or_init(|| Engine::load(&env_font_dirs()));
    if !e.has_cjk() {
        return skip(&format!(
            "no Chinese font found (apt-get install {})",
            crate::FONT_PACKAGES
        ));
    }
    if Command::new("pdftotext").arg("-v").output().is_err() {
        return skip("pdftotext not found (apt-get install poppler-utils)");
    }
    Some(e)
}

/// `SHEGONG_FONT_DIRS`, or none (the default folders).
pub fn env_font_dirs() -> Vec<std::path::PathBuf> {
    std::env::var_os("SHEGONG_FONT_DIRS")
        .map(|v| crate::font_dirs(&v))
        .unwrap_or_default()
}

fn skip<T>(why: &str) -> Option<T> {
    if std::env::var("SHEGONG_REQUIRE_PDF").is_ok_and(|v| v == "1") {
        panic!("SHEGONG_REQUIRE_PDF=1 but {why}");
    }
    eprintln!("skipped: {why}");
    None
}

/// The text of a PDF, pages separated by form feeds.
pub fn text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(out.status.success(), "pdftotext failed: {out:?}");
    String::from_utf8(out.stdout).expect("pdftotext writes UTF-8")
}

/// The text without any whitespace: line breaks and spacing differ between layouts, the
/// characters do not.
pub fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A case archive with `services` service records of some length each, as a closed case has.
pub fn sample(services: usize) -> CaseArchive {
    fn f(label: &str, value: impl Into<String>) -> Field {
        Field::new(label, value)
    }
    CaseArchive {
        station: STATION.into(),
        case_id: 42,
        person_name: NAME.into(),
        id_number_masked: "430202********1234".into(),
        sensitivity: "一般".into(),
        marking: None,
        facts: vec![
            f("当前阶段", "已结案"),
            f("开案日期", "2026-03-02"),
            f("社工", "张敏(主责)、李华"),
        ],
        sections: vec![
            Section {
                title: "接案(MZ/T 094)".into(),
                empty: "无".into(),
                records: vec![Record {
                    heading: None,
                    fields: vec![
                        f("来源", "走访发现"),
                        f(
                            "求助问题",
                            format!("独居,女儿{RELATIVE}在外地务工,近期跌倒后行动不便。"),
                        ),
                        f("知情同意", "是"),
                    ],
                }],
                table: None,
            },
            Section {
                title: "服务记录(10.3)".into(),
                empty: "尚无服务记录".into(),
                records: (1..=services)
                    .map(|i| Record {
                        heading: Some(format!("第 {i} 次 · 2026-04-{:02} · 入户", i % 28 + 1)),
                        fields: vec![
                            f("时长", "60 分钟"),
                            f("社工", "张敏"),
                            f(
                                "服务内容",
                                "陪同老人复诊并整理用药清单;与邻居商定每日探望一次;\n\
                                 检查家中防滑垫与扶手安装情况,联系村委会协调维修。",
                            ),
                            f("服务项目", "8.2.3 照料支持、8.2.5 精神慰藉"),
                            f("下一步", "两周后电话回访"),
                        ],
                    })
                    .collect(),
                table: None,
            },
            Section {
                title: "跟进(10.4)".into(),
                empty: "无跟进".into(),
                records: vec![],
                table: Some(Table {
                    columns: vec!["应跟进日期".into(), "联系日期".into(), "结果".into()],
                    rows: vec![vec![
                        "2026-06-01".into(),
                        "2026-06-02".into(),
                        "情况稳定".into(),
                    ]],
                }),
            },
        ],
        printed_by: "张敏".into(),
        printed_at: "2026-11-29 10:00".into(),
    }
}
