//! Roster imports on both databases: dry run, all-or-nothing commit, idempotent re-import.

use super::*;
use rust_xlsxwriter::{Format, Workbook};
use shegong_domain::id_number::check_digit;
use shegong_domain::org::OrgCode;
use shegong_domain::roster::Field;
use shegong_domain::scope::Scope;
use shegong_store::audit::Actor;
use shegong_store::db_test;
use shegong_store::imports::{self, Upload};
use shegong_store::persons::{self, Filter, Viewer};
use shegong_store::query::Page;

/// A valid ID number born on `birth` (YYYYMMDD) with sequence `seq`.
pub fn id_number(area: &str, birth: &str, seq: u32) -> String {
    let first = format!("{area}{birth}{seq:03}");
    format!("{first}{}", check_digit(first.as_bytes()) as char)
}

/// A roster as a civil-affairs system exports it: merged title, a note row, the header on row 3.
pub fn roster(rows: &[[&str; 5]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.merge_range(0, 0, 0, 5, "月塘街道困难群众花名册", &Format::new())
        .unwrap();
    ws.write_string(1, 0, "填报日期:2026年11月").unwrap();
    for (c, h) in [
        "序号",
        "姓名",
        "身份证号码",
        "村（社区）",
        "救助类别",
        "出生日期",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    for (i, r) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        if r.iter().all(|c| c.is_empty()) {
            continue;
        }
        ws.write_number(row, 0, (i + 1) as f64).unwrap();
        for (c, v) in r.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(row, c as u16 + 1, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn station_viewer(uid: i64) -> Viewer {
    Viewer {
        user_id: uid,
        scope: Scope::new(vec![OrgCode::parse("430202001").unwrap()]),
        all_confidential: false,
    }
}

fn actor(uid: i64) -> Actor {
    Actor {
        user_id: Some(uid),
        name: "worker".into(),
        ip: "t".into(),
    }
}

fn upload(t: &shegong_store::testing::TestDb, uid: i64, bytes: Vec<u8>) -> (i64, imports::DryRun) {
    let up = Upload::read(&bytes, "花名册.xlsx").unwrap();
    let v = station_viewer(uid);
    let a = actor(uid);
    let (row, run) =
        t.db.write(|c| imports::create(c, &t.keys, &v, "430202001", &up, &a, 1000))
            .unwrap();
    (row.id, run)
}

fn commit(
    t: &shegong_store::testing::TestDb,
    uid: i64,
    id: i64,
) -> Result<imports::Report, imports::DryRun> {
    let v = station_viewer(uid);
    let a = actor(uid);
    t.db.write(|c| imports::commit(c, &t.keys, &v, id, &a, 1001))
        .unwrap()
}

fn people(t: &shegong_store::testing::TestDb, uid: i64) -> i64 {
    let v = station_viewer(uid);
    t.db.read(|c| persons::search(c, &t.keys, &v, &Filter::default(), Page::default()))
        .unwrap()
        .total
}

db_test!(fn a_roster_is_checked_committed_and_reimported_without_duplicates(t) {
    let (w, _, _) = super::people::seed_users(t);
    let zhang = id_number("430202", "19500101", 11);
    let li = id_number("430202", "19800202", 22);
    let good = [
        [" 张  三 ", zhang.as_str(), "文化路社区", "低保", ""],
        ["", "", "", "", ""],
        ["李四", li.as_str(), "东湖社区居委会", "特困人员、残疾人", ""],
        ["王五", "", "荷塘铺村", "", "1990/2/3"],
    ];
    let (id, run) = upload(t, w, roster(&good));
    assert_eq!((run.rows_total, run.rows_bad, run.to_create), (3, 0, 3), "{:?}", run.errors);
    assert_eq!(people(t, w), 0, "a dry run writes no person");
    let rep = commit(t, w, id).unwrap();
    assert_eq!((rep.created, rep.updated, rep.unchanged), (3, 0, 0));
    assert_eq!(people(t, w), 3);
    let v = station_viewer(w);
    let found = t.db.read(|c| persons::search(c, &t.keys, &v, &Filter { q: Some("王五".into()), ..Default::default() }, Page::default())).unwrap();
    assert_eq!(found.items[0].org_code, "430202001201");
    assert_eq!(found.items[0].birth_date.as_deref(), Some("1990-02-03"));
    let tl = t.db.read(|c| persons::timeline(c, &v, found.items[0].id)).unwrap();
    assert!(tl.iter().any(|l| l.kind == "import.created" && l.ref_id == Some(id)));
    // Committing twice is refused; the same file again creates nobody.
    assert!(t.db.write(|c| imports::commit(c, &t.keys, &v, id, &actor(w), 1002)).is_err());
    let (id2, run2) = upload(t, w, roster(&good));
    assert_eq!((run2.to_create, run2.unchanged), (0, 3));
    let rep2 = commit(t, w, id2).unwrap();
    assert_eq!((rep2.created, rep2.updated, rep2.unchanged), (0, 0, 3));
    assert_eq!(people(t, w), 3);
    // A changed village is an update, found by the ID number.
    let moved = [[" 张三", zhang.as_str(), "合泰社区", "低保", ""]];
    let (id3, run3) = upload(t, w, roster(&moved));
    assert_eq!(run3.to_update, 1);
    assert_eq!(commit(t, w, id3).unwrap().updated, 1);
    assert_eq!(people(t, w), 3);
});

db_test!(fn every_bad_row_is_listed_and_nothing_is_written(t) {
    let (w, _, w2) = super::people::seed_users(t);
    // Someone registered at another station: importing the same ID number is refused.
    let elsewhere = id_number("430202", "19600303", 33);
    let f = shegong_domain::person::validate(&shegong_domain::person::PersonInput {
        name: "赵六".into(),
        id_number: Some(elsewhere.clone()),
        ..Default::default()
    }, shegong_domain::dates::today(), &|_| false).unwrap();
    t.db.write(|c| persons::create(c, &t.keys, &f, "430202002", &actor(w2), 10)).unwrap();
    let ok = id_number("430202", "19700101", 44);
    let bad = [
        ["张三", ok.as_str(), "文化路社区", "低保", ""],
        ["李四", "430202199002301234", "文化路社区", "", ""],
        ["王五", "", "火星村", "", "1990/2/30"],
        ["赵六", elsewhere.as_str(), "", "", ""],
        ["<script>", "", "", "富豪", ""],
        ["张三", ok.as_str(), "", "", ""],
    ];
    let (id, run) = upload(t, w, roster(&bad));
    assert_eq!(run.rows_total, 6);
    assert_eq!(run.rows_bad, 5, "{:#?}", run.errors);
    let rows: std::collections::BTreeSet<usize> = run.errors.iter().map(|e| e.row).collect();
    assert_eq!(rows.into_iter().collect::<Vec<_>>(), [5, 6, 7, 8, 9]);
    let on = |row: usize, col: &str| run.errors.iter().find(|e| e.row == row && e.column.starts_with(col)).unwrap_or_else(|| panic!("row {row} col {col}: {:#?}", run.errors)).reason.clone();
    assert!(on(5, "C").contains("出生日期"));
    assert!(on(6, "D").contains("火星村"));
    assert!(on(6, "F").contains("1990/2/30"));
    assert!(on(7, "C").contains("转移"));
    assert!(on(8, "B").contains("<"));
    assert!(on(8, "E").contains("富豪"));
    assert!(on(9, "C").contains("第 4 行"));
    assert!(commit(t, w, id).is_err());
    assert_eq!(people(t, w), 0, "nothing half-written");
});

db_test!(fn a_chosen_mapping_is_remembered_for_the_layout(t) {
    let (w, _, _) = super::people::seed_users(t);
    let bytes = roster(&[["张三", "", "", "", ""]]);
    let (id, _) = upload(t, w, bytes.clone());
    let v = station_viewer(w);
    let mut m = t.db.read(|c| imports::get(c, &v.scope, id)).unwrap().mapping();
    assert_eq!(m[&Field::Name], 1);
    m.remove(&Field::Category);
    m.insert(Field::Notes, 4);
    t.db.write(|c| imports::set_mapping(c, &t.keys, &v, id, &m, &actor(w), 1000)).unwrap();
    let (id2, _) = upload(t, w, bytes);
    let m2 = t.db.read(|c| imports::get(c, &v.scope, id2)).unwrap().mapping();
    assert_eq!(m2, m);
    // Out of scope: another station's viewer does not see the import.
    let other = Viewer { user_id: w, scope: Scope::new(vec![OrgCode::parse("430202002").unwrap()]), all_confidential: false };
    assert!(t.db.read(|c| imports::get(c, &other.scope, id)).is_err());
});

#[test]
fn workbooks_that_are_not_rosters_are_refused() {
    assert!(
        Upload::read(b"not a spreadsheet", "a.xlsx")
            .unwrap_err()
            .zh
            .contains("不是有效的 Excel 文件")
    );
    let mut wb = Workbook::new();
    wb.add_worksheet().write_string(0, 0, "hello").unwrap();
    assert!(
        Upload::read(&wb.save_to_buffer().unwrap(), "a.xlsx")
            .unwrap_err()
            .zh
            .contains("表头")
    );
}
