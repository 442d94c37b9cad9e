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

/// A roster by household: 姓名, 身份证号码, 户主身份证号, 与户主关系, 家庭人口, 村(社区).
fn household_roster(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "姓名",
        "身份证号码",
        "户主身份证号",
        "与户主关系",
        "家庭人口",
        "村(社区)",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in r.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(1 + i as u32, c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn households_of(
    t: &shegong_store::testing::TestDb,
    uid: i64,
) -> Vec<(i64, Vec<(String, String)>)> {
    use shegong_store::households;
    let v = station_viewer(uid);
    let list =
        t.db.read(|c| households::list(c, &v, None, Page::default()))
            .unwrap();
    list.items
        .iter()
        .map(|h| {
            let mut m: Vec<(String, String)> =
                t.db.read(|c| households::members(c, &v, h.household.id))
                    .unwrap()
                    .iter()
                    .map(|m| (m.name.clone(), m.relation_code().to_string()))
                    .collect();
            m.sort();
            (h.household.id, m)
        })
        .collect()
}

db_test!(fn a_household_roster_puts_people_into_households_once(t) {
    let (w, _, _) = super::people::seed_users(t);
    let file = include_bytes!("../../../../examples/roster-households.xlsx").to_vec();
    let (id, run) = upload(t, w, file.clone());
    assert_eq!((run.rows_total, run.rows_bad, run.to_create), (8, 0, 8), "{:?}", run.errors);
    assert_eq!((run.households_new, run.members_new), (4, 8));
    let v = station_viewer(w);
    let m = t.db.read(|c| imports::get(c, &v.scope, id)).unwrap().mapping();
    assert_eq!(m[&Field::Name], 4, "成员姓名, not 户主姓名");
    assert_eq!(m[&Field::HeadName], 2);
    assert_eq!(m[&Field::HouseholdNo], 1);
    assert_eq!(m[&Field::HouseholdSize], 8);
    let rep = commit(t, w, id).unwrap();
    assert_eq!((rep.created, rep.households_new, rep.members_new), (8, 4, 8));
    let hh = households_of(t, w);
    assert_eq!(hh.len(), 4);
    let huang = hh.iter().find(|h| h.1.iter().any(|m| m.0 == "黄德明")).unwrap();
    assert_eq!(huang.1, [("刘桂英".into(), "spouse".into()), ("黄德明".into(), "head".into()), ("黄雨涵".into(), "grandchild".into())]);
    let peng = hh.iter().find(|h| h.1.iter().any(|m| m.0 == "彭春生")).unwrap();
    assert!(peng.1.contains(&("彭春生".into(), "head".into())), "a head listed after a member heads it");
    // The same file again: nobody, no household and no membership twice.
    let (id2, run2) = upload(t, w, file);
    assert_eq!((run2.unchanged, run2.households_new, run2.members_new), (8, 0, 0), "{:?}", run2.errors);
    commit(t, w, id2).unwrap();
    assert_eq!(households_of(t, w), hh);
    // A new member of an existing household, found by the head's ID number alone.
    let tan = id_number("430202", "19720305", 51);
    let girl = id_number("430202", "20120909", 82);
    let (id3, run3) = upload(t, w, household_roster(&[["谭小红", girl.as_str(), tan.as_str(), "子女", "4", "东湖社区"]]));
    assert_eq!((run3.to_create, run3.households_new, run3.members_new), (1, 0, 1), "{:?}", run3.errors);
    commit(t, w, id3).unwrap();
    let after = households_of(t, w);
    assert_eq!(after.len(), 4);
    assert!(after.iter().any(|h| h.1.contains(&("谭小红".into(), "child".into())) && h.1.iter().any(|m| m.0 == "谭建华")));
    // The timeline says who joined by which import.
    let found = t.db.read(|c| persons::search(c, &t.keys, &v, &Filter { q: Some("谭小红".into()), ..Default::default() }, Page::default())).unwrap();
    let tl = t.db.read(|c| persons::timeline(c, &v, found.items[0].id)).unwrap();
    assert!(tl.iter().any(|l| l.kind == "household.joined" && l.ref_id == Some(id3)));
});

db_test!(fn household_rows_are_checked_in_the_dry_run(t) {
    let (w, _, _) = super::people::seed_users(t);
    let file = include_bytes!("../../../../examples/roster-households.xlsx").to_vec();
    let (id, _) = upload(t, w, file);
    commit(t, w, id).unwrap();
    let huang = id_number("430202", "19560417", 13);
    let liu = id_number("430202", "19580923", 24);
    let nobody = id_number("430202", "19660101", 91);
    let new1 = id_number("430202", "19900101", 93);
    let new2 = id_number("430202", "19910101", 95);
    let rows = [
        // 刘桂英 lives in 黄德明's household: made head of a new one, refused.
        ["刘桂英", liu.as_str(), "", "户主", "", "文化路社区"],
        // A head neither listed nor registered.
        ["马一", new1.as_str(), nobody.as_str(), "子女", "", "文化路社区"],
        ["马二", new2.as_str(), huang.as_str(), "邻居", "", "文化路社区"],
        ["马三", "", "430202195604171", "子女", "", "文化路社区"],
        ["马四", "", huang.as_str(), "子女", "两人", "文化路社区"],
    ];
    let (id2, run) = upload(t, w, household_roster(&rows));
    assert_eq!(run.rows_bad, 5, "{:#?}", run.errors);
    let on = |row: usize, col: &str| run.errors.iter().find(|e| e.row == row && e.column.starts_with(col)).unwrap_or_else(|| panic!("row {row} col {col}: {:#?}", run.errors)).reason.clone();
    assert!(on(2, "D").contains("另一户"));
    assert!(on(3, "C").contains("户主不在本表中"));
    assert!(on(4, "D").contains("与户主关系应为"));
    assert!(on(5, "C").contains("户主身份证号"));
    assert!(on(6, "E").contains("家庭人口"));
    assert_eq!((run.households_new, run.members_new), (0, 0));
    assert!(commit(t, w, id2).is_err());
    assert_eq!(households_of(t, w).len(), 4, "nothing half-written");
});
