//! Likely duplicates, merging, and transfers between stations (issue 3 point 8).

use super::*;
use shegong_domain::dates;
use shegong_domain::id_number::IdNumber;
use shegong_domain::moves::{Decision, Direction, Likeness, Status};
use shegong_domain::org::OrgCode;
use shegong_domain::person::{self, CategoryInput, PersonInput};
use shegong_domain::scope::Scope;
use shegong_store::audit::Actor;
use shegong_store::persons::{self, Filter, Secret, Viewer};
use shegong_store::query::Page;
use shegong_store::testing::TestDb;
use shegong_store::transfers::{self, NewTransfer, Which};
use shegong_store::{StoreError, db_test, duplicates};

fn viewer(codes: &[&str]) -> Viewer {
    Viewer {
        user_id: 0,
        scope: Scope::new(codes.iter().map(|c| OrgCode::parse(c).unwrap()).collect()),
        all_confidential: true,
    }
}

fn actor() -> Actor {
    Actor {
        user_id: None,
        name: "tester".into(),
        ip: "t".into(),
    }
}

fn add(t: &TestDb, org: &str, input: PersonInput) -> i64 {
    let f = person::validate(&input, dates::today(), &|_| false).unwrap();
    let org = org.to_string();
    t.db.write(move |c| persons::create(c, &t.keys, &f, &org, &actor(), 100))
        .unwrap()
}

fn person(name: &str, birth: &str) -> PersonInput {
    PersonInput {
        name: name.into(),
        birth_date: Some(birth.into()),
        ..Default::default()
    }
}

const ID: &str = "11010519491231002X";

db_test!(fn likely_duplicates_merge_keeping_both_histories(t) {
    load_hetang(&t.db);
    let a = add(t, "430202001001", PersonInput { address: Some("甲村".into()), categories: Some(vec![CategoryInput { code: "dibao".into(), ..Default::default() }]), ..person("张晓", "1949-12-31") });
    let b = add(t, "430202001002", PersonInput { id_number: Some(ID.into()), phone: Some("13812345678".into()), categories: Some(vec![CategoryInput { code: "tekun".into(), ..Default::default() }]), ..person("章晓", "1949-12-31") });
    let _other_day = add(t, "430202001", person("张晓", "1950-01-01"));
    let _elsewhere = add(t, "430202002", person("张晓", "1949-12-31"));
    let v = viewer(&["430202001"]);
    let pairs = t.db.read(|c| duplicates::likely(c, &v)).unwrap();
    assert_eq!(pairs.len(), 1, "only the pair both in scope, born the same day");
    assert_eq!((pairs[0].a.id, pairs[0].b.id, pairs[0].likeness), (a, b, Likeness::SamePinyin));
    // The whole county sees the third record too.
    let county = viewer(&["430202"]);
    assert_eq!(t.db.read(|c| duplicates::likely(c, &county)).unwrap().len(), 3);
    // b has an elderly archive (8.2.1.1); a has none: it moves with the merge.
    let fields = shegong_domain::care::ElderlyFields { living_arrangement: "alone", carers: Vec::new(), visit_interval_days: 7, notes: String::new() };
    t.db.write(|c| shegong_store::care::save_elderly(c, &t.keys, b, &fields, None, dates::today(), &actor(), 150)).unwrap();
    // Merge b into a: a gets b's ID, phone, category and history; b stays, marked.
    t.db.write(|c| duplicates::merge(c, &v, a, b, &actor(), 200)).unwrap();
    assert!(t.db.read(|c| shegong_store::care::elderly(c, a)).unwrap().is_some(), "the care archive moved");
    assert!(t.db.read(|c| shegong_store::care::elderly(c, b)).unwrap().is_none());
    let (kept, cats) = t.db.read(|c| persons::get(c, &v, a)).unwrap();
    assert_eq!(kept.id_number_masked.as_deref(), Some("1101**********002X"));
    assert_eq!(t.db.read(|c| persons::reveal(c, &t.keys, &v, a, Secret::Phone)).unwrap().as_deref(), Some("13812345678"));
    let codes: Vec<&str> = cats.iter().map(|c| c.category.as_str()).collect();
    assert!(codes.contains(&"dibao") && codes.contains(&"tekun"));
    let (gone, _) = t.db.read(|c| persons::get(c, &v, b)).unwrap();
    assert_eq!(gone.merged_into, Some(a));
    let history = t.db.read(|c| persons::history(c, &v, a)).unwrap();
    assert_eq!(history.iter().filter(|h| h.field == "created").count(), 2, "both records' history");
    assert!(t.db.read(|c| persons::timeline(c, &v, a)).unwrap().iter().any(|e| e.kind == "archive.merged"));
    // The ID number now finds the kept record; the merged one has left search and the list.
    let idn = IdNumber::parse(ID, dates::today()).unwrap();
    assert_eq!(t.db.read(|c| persons::holder_of_id_number(c, &t.keys, &idn)).unwrap().unwrap().0, a);
    let f = Filter { q: Some("zx".into()), ..Default::default() };
    let found = t.db.read(|c| persons::search(c, &t.keys, &v, &f, Page::new(None, None))).unwrap();
    let ids: Vec<i64> = found.items.iter().map(|p| p.id).collect();
    assert!(ids.contains(&a) && !ids.contains(&b), "{ids:?}");
    assert!(t.db.read(|c| duplicates::likely(c, &v)).unwrap().is_empty());
    // Refusals change nothing.
    assert!(matches!(t.db.write(|c| duplicates::merge(c, &v, a, b, &actor(), 300)), Err(StoreError::Conflict(_))), "merged already");
    assert!(matches!(t.db.write(|c| duplicates::merge(c, &v, a, a, &actor(), 300)), Err(StoreError::Conflict(_))));
    let out = add(t, "430202002", person("李四", "1949-12-31"));
    assert!(matches!(t.db.write(|c| duplicates::merge(c, &v, a, out, &actor(), 300)), Err(StoreError::NotFound)), "out of scope");
});

db_test!(fn two_id_numbers_are_two_people_and_dismissed_pairs_stay_away(t) {
    load_hetang(&t.db);
    let a = add(t, "430202001", PersonInput { id_number: Some(ID.into()), ..person("王五", "1949-12-31") });
    let b = add(t, "430202001", PersonInput { id_number: Some("110105194912310046".into()), ..person("王五", "1949-12-31") });
    let v = viewer(&["430202001"]);
    assert!(t.db.read(|c| duplicates::likely(c, &v)).unwrap().is_empty());
    assert!(matches!(t.db.write(|c| duplicates::merge(c, &v, a, b, &actor(), 200)), Err(StoreError::Conflict(_))));
    let c1 = add(t, "430202001", person("赵六", "1960-01-01"));
    let c2 = add(t, "430202001", person("赵六", "1960-01-01"));
    assert_eq!(t.db.read(|c| duplicates::likely(c, &v)).unwrap().len(), 1);
    t.db.write(|c| duplicates::dismiss(c, &v, c2, c1, &actor(), 200)).unwrap();
    t.db.write(|c| duplicates::dismiss(c, &v, c1, c2, &actor(), 201)).unwrap();
    assert!(t.db.read(|c| duplicates::likely(c, &v)).unwrap().is_empty());
});

db_test!(fn transfers_move_the_record_with_its_history(t) {
    load_hetang(&t.db);
    let p = add(t, "430202001001", PersonInput { id_number: Some(ID.into()), ..person("孙七", "1949-12-31") });
    let (yt, ct) = (viewer(&["430202001"]), viewer(&["430202002"]));
    let send = |dir: Direction| NewTransfer { person_id: p, from_org: "430202001001", to_org: "430202002003", direction: dir, reason: "迁居" };
    let id = t.db.write(|c| transfers::create(c, &send(Direction::Send), &actor(), 200)).unwrap();
    assert!(matches!(t.db.write(|c| transfers::create(c, &send(Direction::Send), &actor(), 201)), Err(StoreError::Conflict(_))), "one pending transfer per person");
    let sees_none = |_: &mut shegong_store::DbConn, _: i64| Ok(false);
    let l = t.db.read(|c| transfers::list(c, &ct.scope, Which::ToDecide, None, Page::new(None, None), &sees_none)).unwrap();
    assert_eq!((l.total, l.items[0].name.as_str()), (1, "孙七"), "the receiver of a sent person sees the name");
    assert_eq!(t.db.read(|c| transfers::list(c, &yt.scope, Which::ToDecide, None, Page::new(None, None), &sees_none)).unwrap().total, 0);
    assert_eq!(t.db.read(|c| transfers::count_to_decide(c, &ct.scope)).unwrap(), 1);
    assert!(matches!(t.db.read(|c| transfers::get(c, &viewer(&["430203"]).scope, id)), Err(StoreError::NotFound)));
    t.db.write(|c| transfers::settle(c, id, Decision::Accept, "", &actor(), 300)).unwrap();
    assert!(matches!(t.db.write(|c| transfers::settle(c, id, Decision::Decline, "", &actor(), 301)), Err(StoreError::Conflict(_))));
    assert!(matches!(t.db.read(|c| persons::get(c, &yt, p)), Err(StoreError::NotFound)), "gone from the old station");
    let (moved, _) = t.db.read(|c| persons::get(c, &ct, p)).unwrap();
    assert_eq!(moved.org_code, "430202002003");
    let f = Filter { q: Some("sq".into()), ..Default::default() };
    assert_eq!(t.db.read(|c| persons::search(c, &t.keys, &ct, &f, Page::new(None, None))).unwrap().total, 1, "search follows");
    let h = t.db.read(|c| persons::history(c, &ct, p)).unwrap();
    assert!(h.iter().any(|h| h.field == "created") && h.iter().any(|h| h.field == "org_code"), "the history travels");
    // A request by ID number: the asking side does not learn where the person is until accepted.
    let back = NewTransfer { person_id: p, from_org: "430202002003", to_org: "430202001", direction: Direction::Request, reason: "" };
    let r = t.db.write(|c| transfers::create(c, &back, &actor(), 400)).unwrap();
    let l = t.db.read(|c| transfers::list(c, &yt.scope, Which::Asked, Some(Status::Pending), Page::new(None, None), &sees_none)).unwrap();
    assert_eq!((l.items[0].name.as_str(), l.items[0].t.from_org.as_str()), ("", ""));
    let l = t.db.read(|c| transfers::list(c, &ct.scope, Which::ToDecide, None, Page::new(None, None), &|_, _| Ok(true))).unwrap();
    assert_eq!(l.items[0].t.id, r);
    t.db.write(|c| transfers::settle(c, r, Decision::Decline, "仍住本地", &actor(), 500)).unwrap();
    assert_eq!(t.db.read(|c| persons::get(c, &ct, p)).unwrap().0.org_code, "430202002003", "declined: nothing moves");
});
