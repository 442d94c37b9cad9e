use super::*;
use shegong_domain::dates;
use shegong_domain::org::OrgCode;
use shegong_domain::person::{self, CategoryInput, PersonInput};
use shegong_domain::policy::Sensitivity;
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use shegong_store::audit::Actor;
use shegong_store::persons::{self, Filter, Secret, Viewer};
use shegong_store::query::Page;
use shegong_store::testing::TestDb;
use shegong_store::users::{self, NewUser};
use shegong_store::{StoreError, db_test};

fn viewer(user_id: i64, codes: &[&str], head: bool) -> Viewer {
    Viewer {
        user_id,
        scope: Scope::new(codes.iter().map(|c| OrgCode::parse(c).unwrap()).collect()),
        all_confidential: head,
    }
}

pub fn seed_users(t: &TestDb) -> (i64, i64, i64) {
    load_hetang(&t.db);
    t.db.write(|c| {
        let mk = |c: &mut shegong_store::DbConn, u: &str, role, org: &str| {
            users::create(
                c,
                &NewUser {
                    username: u,
                    display_name: u,
                    role,
                    org_code: org,
                    password_hash: "h",
                    must_change_password: false,
                    two_factor_exempt: true,
                },
                0,
            )
        };
        Ok((
            mk(c, "worker", Role::SocialWorker, "430202001")?,
            mk(c, "worker_b", Role::SocialWorker, "430202001")?,
            mk(c, "worker2", Role::SocialWorker, "430202002")?,
        ))
    })
    .unwrap()
}

fn add(t: &TestDb, uid: i64, org: &str, input: PersonInput) -> Result<i64, StoreError> {
    let f = person::validate(&input, dates::today(), &|_| false).map_err(StoreError::Invalid)?;
    let actor = Actor {
        user_id: Some(uid),
        name: "worker".into(),
        ip: "t".into(),
    };
    let org = org.to_string();
    t.db.write(move |c| persons::create(c, &t.keys, &f, &org, &actor, 100))
}

fn named(name: &str) -> PersonInput {
    PersonInput {
        name: name.into(),
        ..Default::default()
    }
}

fn names(l: &shegong_store::query::Listing<persons::PersonRow>) -> Vec<String> {
    l.items.iter().map(|p| p.name.clone()).collect()
}

db_test!(fn create_read_and_the_id_number_at_rest(t) {
    let (w, _, _) = seed_users(t);
    let id = add(t, w, "430202001001", PersonInput {
        id_number: Some("11010519491231002X".into()),
        phone: Some("13812345678".into()),
        categories: Some(vec![CategoryInput { code: "低保".into(), ..Default::default() }]),
        ..named("欧阳𠮷祥")
    }).unwrap();
    let v = viewer(w, &["430202001"], false);
    let (p, cats) = t.db.read(|c| persons::get(c, &v, id)).unwrap();
    assert_eq!(p.name, "欧阳𠮷祥", "rare characters kept exactly");
    assert_eq!(p.id_number_masked.as_deref(), Some("1101**********002X"));
    assert_eq!(p.phone_masked.as_deref(), Some("138****5678"));
    assert_eq!(p.birth_date.as_deref(), Some("1949-12-31"));
    assert_eq!(cats.iter().map(|c| c.category.as_str()).collect::<Vec<_>>(), ["dibao"]);
    assert_eq!(t.db.read(|c| persons::reveal(c, &t.keys, &v, id, Secret::IdNumber)).unwrap().as_deref(), Some("11010519491231002X"));
    assert_eq!(t.db.read(|c| persons::reveal(c, &t.keys, &v, id, Secret::Phone)).unwrap().as_deref(), Some("13812345678"));
    // Nothing in the table holds the plain number.
    let dump: Vec<(Option<Vec<u8>>, Option<String>)> = t.db.read(|c| {
        use diesel::prelude::*;
        use shegong_store::schema::persons::dsl;
        Ok(dsl::persons.select((dsl::id_number_enc, dsl::id_number_index)).load(c)?)
    }).unwrap();
    let (enc, idx) = &dump[0];
    assert!(!String::from_utf8_lossy(enc.as_ref().unwrap()).contains("11010519491231002X"));
    assert!(!idx.as_ref().unwrap().contains("1101"));
    // Out of scope: not found.
    let other = viewer(w, &["430202002"], false);
    assert!(matches!(t.db.read(|c| persons::get(c, &other, id)), Err(StoreError::NotFound)));
    assert!(matches!(t.db.read(|c| persons::reveal(c, &t.keys, &other, id, Secret::IdNumber)), Err(StoreError::NotFound)));
});

db_test!(fn the_masked_id_number_for_a_case_archive(t) {
    let (w, _, _) = seed_users(t);
    let with = add(t, w, "430202001001", PersonInput {
        id_number: Some("11010519491231002X".into()),
        ..named("欧阳𠮷祥")
    }).unwrap();
    let without = add(t, w, "430202001001", named("㛃娟")).unwrap();
    let masked = |id| t.db.read(move |c| persons::id_number_masked(c, id));
    assert_eq!(masked(with).unwrap().as_deref(), Some("1101**********002X"));
    assert_eq!(masked(without).unwrap(), None);
    assert!(matches!(masked(without + 100), Err(StoreError::NotFound)));
});

db_test!(fn one_id_number_per_deployment(t) {
    let (w, _, w2) = seed_users(t);
    add(t, w, "430202001", PersonInput { id_number: Some("11010519491231002X".into()), ..named("张三") }).unwrap();
    // Another station, where the first record is out of scope: a conflict naming nothing.
    let e = add(t, w2, "430202002", PersonInput { id_number: Some("11010519491231002x".into()), ..named("张三") }).unwrap_err();
    match e {
        StoreError::Conflict(m) => {
            assert!(m.zh.contains("转移申请"));
            assert!(!m.zh.contains("430202001") && !m.zh.contains("月塘"), "nothing about the other record");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(t.db.read(|c| persons::count(c, &viewer(w2, &["430202002"], false))).unwrap(), 0, "nothing written");
});

db_test!(fn confidential_records_only_for_assigned_workers_and_the_head(t) {
    let (w, wb, _) = seed_users(t);
    let id = add(t, w, "430202001", PersonInput { sensitivity: Some("confidential".into()), ..named("李四") }).unwrap();
    let mine = viewer(w, &["430202001"], false);
    let colleague = viewer(wb, &["430202001"], false);
    let head = viewer(999, &["430202001"], true);
    assert!(t.db.read(|c| persons::get(c, &mine, id)).is_ok(), "the creator is assigned");
    assert!(matches!(t.db.read(|c| persons::get(c, &colleague, id)), Err(StoreError::NotFound)));
    assert!(t.db.read(|c| persons::get(c, &head, id)).is_ok());
    let l = t.db.read(|c| persons::search(c, &t.keys, &colleague, &Filter::default(), Page::default())).unwrap();
    assert_eq!(l.total, 0, "absent from lists and counts");
    t.db.write(|c| persons::assign(c, id, wb)).unwrap();
    assert!(t.db.read(|c| persons::get(c, &colleague, id)).is_ok());
});

db_test!(fn updates_need_the_version_seen_and_leave_history(t) {
    let (w, _, _) = seed_users(t);
    let id = add(t, w, "430202001", PersonInput { phone: Some("13812345678".into()), ..named("王五") }).unwrap();
    let v = viewer(w, &["430202001"], false);
    let actor = Actor { user_id: Some(w), name: "worker".into(), ip: "t".into() };
    let f = person::validate(&PersonInput { phone: Some("13912345678".into()), ..named("王小五") }, dates::today(), &|_| false).unwrap();
    let changed = t.db.write(|c| persons::update(c, &t.keys, &v, id, 1, &f, "430202001001", &actor, 200)).unwrap();
    assert_eq!(changed, ["name", "org_code", "phone"]);
    let stale = t.db.write(|c| persons::update(c, &t.keys, &v, id, 1, &f, "430202001", &actor, 300));
    assert!(matches!(stale, Err(StoreError::Conflict(_))));
    let h = t.db.read(|c| persons::history(c, &v, id)).unwrap();
    let phone = h.iter().find(|r| r.field == "phone").unwrap();
    assert_eq!((phone.old_value.as_deref(), phone.new_value.as_deref()), (Some("138****5678"), Some("139****5678")), "masked in the history");
    assert!(h.iter().any(|r| r.field == "created"));
    // Search follows the new name.
    let found = t.db.read(|c| persons::search(c, &t.keys, &v, &Filter { q: Some("小五".into()), ..Default::default() }, Page::default())).unwrap();
    assert_eq!(names(&found), ["王小五"]);
    assert!(t.db.read(|c| persons::timeline(c, &v, id)).unwrap().len() >= 2);
});

db_test!(fn search_by_name_pinyin_initials_id_phone_and_filters(t) {
    let (w, _, w2) = seed_users(t);
    add(t, w, "430202001001", PersonInput { birth_date: Some("1940-03-01".into()), categories: Some(vec![CategoryInput { code: "elderly_advanced".into(), ..Default::default() }]), ..named("张三") }).unwrap();
    add(t, w, "430202001002", PersonInput { phone: Some("0731-22334455".into()), birth_date: Some("1985-06-01".into()), ..named("张三丰") }).unwrap();
    add(t, w, "430202001", PersonInput { id_number: Some("11010519491231002X".into()), ..named("曾小红") }).unwrap();
    add(t, w, "430202001", named("李张")).unwrap();
    add(t, w2, "430202002", named("张三")).unwrap();
    let v = viewer(w, &["430202001"], false);
    let s = |q: &str| t.db.read(|c| persons::search(c, &t.keys, &v, &Filter { q: Some(q.into()), ..Default::default() }, Page::default())).unwrap();
    assert_eq!(names(&s("张三")), ["张三", "张三丰"], "exact first, only in scope");
    assert_eq!(names(&s("三")), ["张三", "张三丰"]);
    assert_eq!(names(&s("zhangsan")), ["张三", "张三丰"]);
    assert_eq!(names(&s("zs")), ["张三", "张三丰"]);
    assert_eq!(names(&s("ZhangS")), ["张三", "张三丰"]);
    assert_eq!(names(&s("张\0三")), ["张三", "张三丰"], "a control character is dropped");
    assert_eq!(names(&s("cengxiaohong")), ["曾小红"], "every reading of 曾");
    assert_eq!(names(&s("zxh")), ["曾小红"]);
    assert_eq!(names(&s("11010519491231002x")), ["曾小红"]);
    assert_eq!(names(&s("0731 2233 4455")), ["张三丰"]);
    assert_eq!(s("13800000000").total, 0);
    for nasty in ["%", "_", "'; DROP TABLE persons; --", "<script>", "😀", "...", "\0", "\"]", "\\u0000"] {
        assert_eq!(s(nasty).total, 0, "{nasty}");
    }
    let f = |f: Filter| names(&t.db.read(|c| persons::search(c, &t.keys, &v, &f, Page::default())).unwrap());
    assert_eq!(f(Filter { category: Some("elderly_advanced".into()), ..Default::default() }), ["张三"]);
    assert_eq!(f(Filter { org_code: Some("430202001002".into()), ..Default::default() }), ["张三丰"]);
    assert_eq!(f(Filter { age_min: Some(80), ..Default::default() }), ["张三"]);
    assert_eq!(f(Filter { age_min: Some(70), ..Default::default() }), ["张三", "曾小红"]);
    assert_eq!(f(Filter { age_min: Some(30), age_max: Some(50), ..Default::default() }), ["张三丰"]);
    assert_eq!(f(Filter { sensitivity: Some(Sensitivity::Ordinary), q: Some("李".into()), ..Default::default() }), ["李张"]);
    let page = t.db.read(|c| persons::search(c, &t.keys, &v, &Filter::default(), Page::new(Some(2), Some(2)))).unwrap();
    assert_eq!((page.total, page.items.len()), (4, 2));
});

db_test!(fn pinyin_over_a_county_and_more_matches_than_a_statement_binds(t) {
    let (w, _, w2) = seed_users(t);
    add(t, w, "430202001001", named("吕小兰")).unwrap();
    add(t, w2, "430202002", named("刘备")).unwrap();
    add(t, w2, "430202002", named("王五")).unwrap();
    let county = viewer(w, &["430202"], true);
    let s = |q: &str| t.db.read(|c| persons::search(c, &t.keys, &county, &Filter { q: Some(q.into()), ..Default::default() }, Page::default())).unwrap();
    assert_eq!(names(&s("l")), ["刘备", "吕小兰"], "both stations of the county");
    assert_eq!(names(&s("lv")), ["吕小兰"], "ü typed as v");
    assert_eq!(names(&s("lxl")), ["吕小兰"]);
    // Forty thousand people matching `lzz` in one station: the match is a subquery, not a list
    // of ids bound into the statement (SQLite binds at most 32,766 values, PostgreSQL 65,535).
    t.db.write(|c| {
        use diesel::RunQueryDsl;
        diesel::sql_query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000) \
             INSERT INTO persons (org_code, name, created_at, updated_at) \
             SELECT '430202002', '林' || i, 0, 0 FROM n",
        )
        .execute(c)?;
        diesel::sql_query(
            "INSERT INTO person_search_tokens (token, person_id, org_code) \
             SELECT '430202002|p:lzz' || name, id, org_code FROM persons WHERE name LIKE '林%'",
        )
        .execute(c)?;
        Ok(())
    })
    .unwrap();
    // As the import and the demo do after a bulk write.
    t.db.refresh_statistics().unwrap();
    let many = s("lzz");
    assert_eq!((many.total, many.items.len()), (40_000, 50));
    assert_eq!(many.items[0].name, "林1", "shorter names first");
});

db_test!(fn categories_of_list_rows_and_added_categories(t) {
    let (w, ..) = seed_users(t);
    let cat = |code: &str, start: &str, end: Option<&str>| CategoryInput {
        code: code.into(),
        start_date: Some(start.into()),
        end_date: end.map(str::to_string),
        grade: None,
    };
    let a = add(t, w, "430202001", PersonInput {
        name: "甲".into(),
        categories: Some(vec![cat("dibao", "2020-01-01", Some("2021-01-01")), cat("dibao", "2022-01-01", None), cat("tekun", "2020-01-01", None)]),
        ..Default::default()
    }).unwrap();
    let b = add(t, w, "430202001", PersonInput { name: "乙".into(), ..Default::default() }).unwrap();
    let got = t.db.read(move |c| persons::current_categories(c, &[a, b], "2020-06-01")).unwrap();
    assert_eq!(got.get(&a).unwrap(), &vec!["dibao".to_string(), "tekun".to_string()]);
    assert!(!got.contains_key(&b));
    let got = t.db.read(move |c| persons::current_categories(c, &[a], "2021-06-01")).unwrap();
    assert_eq!(got.get(&a).unwrap(), &vec!["tekun".to_string()], "the ended entry does not count");
    t.db.write(|c| persons::add_custom_category(c, "veteran_family", "优抚对象", "veteran family", 1)).unwrap();
    assert!(matches!(t.db.write(|c| persons::add_custom_category(c, "veteran_family", "x", "x", 2)), Err(StoreError::Conflict(_))));
    assert!(matches!(t.db.write(|c| persons::add_custom_category(c, "dibao", "x", "x", 2)), Err(StoreError::Conflict(_))));
    let list = t.db.read(persons::custom_category_list).unwrap();
    assert_eq!(list, vec![("veteran_family".to_string(), "优抚对象".to_string(), "veteran family".to_string())]);
    assert!(t.db.read(|c| persons::known_category(c, "veteran_family")).unwrap());
});

db_test!(fn an_export_takes_every_page_and_reveals_only_when_asked(t) {
    let (w, _, w2) = seed_users(t);
    for i in 0..3 {
        add(t, w, "430202001001", PersonInput {
            phone: (i == 0).then(|| "13812345678".to_string()),
            id_number: (i == 0).then(|| "11010519491231002X".to_string()),
            ..named(&format!("甲{i}"))
        }).unwrap();
    }
    add(t, w2, "430202002003", named("乙")).unwrap();
    let v = viewer(w, &["430202001"], false);
    let keys = t.keys.clone();
    // The list's own query, page by page: every row, in the list's order, nothing out of scope.
    let all = t.db.read(|c| shegong_store::exports::all(|p| persons::search(c, &keys, &v, &Filter::default(), Page { per_page: 2, ..p }))).unwrap();
    assert_eq!(all.len(), 3);
    let masked = t.db.read(|c| shegong_store::exports::rows(c, &keys, &v, &Filter::default(), false)).unwrap();
    assert_eq!(masked.len(), 3);
    assert!(masked.iter().all(|r| r.revealed.is_none() && r.place == "文化路社区居委会"));
    let full = t.db.read(|c| shegong_store::exports::rows(c, &keys, &v, &Filter::default(), true)).unwrap();
    let first = full.iter().find(|r| r.person.name == "甲0").unwrap();
    let n = first.revealed.clone().unwrap();
    assert_eq!((n.id_number.as_deref(), n.phone.as_deref()), (Some("11010519491231002X"), Some("13812345678")));
    let ids: Vec<i64> = full.iter().map(|r| r.person.id).collect();
    let numbers = t.db.read(|c| shegong_store::exports::numbers(c, &keys, &ids)).unwrap();
    assert_eq!(numbers.len(), 3);
    assert_eq!(numbers.values().filter(|n| n.phone.is_some()).count(), 1);
    // More than an export holds: refused with the reason, as a bad filter.
    let big = shegong_store::exports::all(|_| Ok(shegong_store::query::Listing::<i64> { items: vec![1], total: shegong_store::exports::MAX_ROWS + 1 }));
    match big {
        Err(StoreError::Invalid(i)) => assert!(i.errors[0].message.zh.contains("超过一次导出的上限")),
        other => panic!("{other:?}"),
    }
});
