use super::*;
use shegong_domain::org::{OrgCode, OrgLevel};
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use shegong_store::db_test;
use shegong_store::query::Page;

fn scope(codes: &[&str]) -> Scope {
    Scope::new(codes.iter().map(|c| OrgCode::parse(c).unwrap()).collect())
}

db_test!(fn full_hunan_import_is_idempotent(t) {
    let rows = org::read_division_dir(&hunan_dir()).unwrap();
    assert_eq!(rows.len(), 31_691);
    let first = t.db.write(|c| org::import_divisions(c, &rows)).unwrap();
    assert_eq!(first.inserted, 31_691);
    let second = t.db.write(|c| org::import_divisions(c, &rows)).unwrap();
    assert_eq!(second, org::ImportReport { inserted: 0, updated: 0, unchanged: 31_691 });
    let counts = t.db.read(|c| org::count_by_level(c, &scope(&["43"]))).unwrap();
    assert_eq!(
        counts,
        vec![(OrgLevel::Province, 1), (OrgLevel::City, 14), (OrgLevel::County, 134), (OrgLevel::Township, 2008), (OrgLevel::Village, 29_534)]
    );
});

db_test!(fn renamed_nodes_are_updated_and_nothing_else(t) {
    let mut rows = hetang_rows();
    t.db.write(|c| org::import_divisions(c, &rows)).unwrap();
    let yt = rows.iter_mut().find(|r| r.code.as_str() == "430202001").unwrap();
    yt.name = "月塘街道(新)".into();
    let r = t.db.write(|c| org::import_divisions(c, &rows)).unwrap();
    assert_eq!((r.inserted, r.updated), (0, 1));
    let u = t.db.read(|c| org::get(c, &scope(&["430202"]), "430202001")).unwrap();
    assert_eq!(u.name, "月塘街道(新)");
});

db_test!(fn lists_search_and_scope(t) {
    load_hetang(&t.db);
    let hetang = scope(&["430202"]);
    // Top of the scope, then children with counts.
    let top = t.db.read(|c| org::list(c, &hetang, &org::Query::default(), Page::default())).unwrap();
    assert_eq!(top.total, 1);
    assert_eq!(top.items[0].unit.name, "荷塘区");
    assert!(top.items[0].children >= 7);
    let kids = t.db.read(|c| org::list(c, &hetang, &org::Query { parent: Some("430202".into()), ..Default::default() }, Page::default())).unwrap();
    assert!(kids.items.iter().any(|n| n.unit.name == "月塘街道" && n.children > 0));
    // Search by part of a name and by code prefix, in scope only.
    let by_name = t.db.read(|c| org::list(c, &hetang, &org::Query { q: Some("月塘".into()), ..Default::default() }, Page::default())).unwrap();
    assert!(by_name.items.iter().any(|n| n.unit.code == "430202001"));
    let by_code = t.db.read(|c| org::list(c, &hetang, &org::Query { q: Some("430202001".into()), ..Default::default() }, Page::default())).unwrap();
    assert!(by_code.total >= 2 && by_code.items.iter().all(|n| n.unit.code.starts_with("430202001")));
    // 430203 (芦淞区) is imported but out of this scope: absent from search, count and get.
    let other = t.db.read(|c| org::list(c, &hetang, &org::Query { q: Some("430203".into()), ..Default::default() }, Page::default())).unwrap();
    assert_eq!(other.total, 0);
    assert!(matches!(t.db.read(|c| org::get(c, &hetang, "430203001")), Err(shegong_store::StoreError::NotFound)));
    // Wildcards in a query are literal.
    let pct = t.db.read(|c| org::list(c, &hetang, &org::Query { q: Some("%".into()), ..Default::default() }, Page::default())).unwrap();
    assert_eq!(pct.total, 0);
    // Paging.
    let p2 = t.db.read(|c| org::list(c, &hetang, &org::Query { level: Some(OrgLevel::Village), ..Default::default() }, Page::new(Some(2), Some(10)))).unwrap();
    assert_eq!(p2.items.len(), 10);
    assert_eq!(p2.total, 62);
});

db_test!(fn operators_reach_their_stations(t) {
    load_hetang(&t.db);
    let op = OrgCode::parse("430202OPHT01").unwrap();
    t.db.write(|c| {
        org::upsert_operator(c, &op, "株洲市荷塘区阳光社会工作服务中心")?;
        org::link_station(c, "430202OPHT01", "430202001")?;
        org::link_station(c, "430202OPHT01", "430202002")
    })
    .unwrap();
    let s = t.db.read(|c| org::scope_of(c, Role::OperatorAdmin, "430202OPHT01")).unwrap();
    assert!(s.contains("430202001001"));
    assert!(s.contains("430202OPHT01"));
    assert!(!s.contains("430202003"));
    let stations = t.db.read(|c| org::stations_of(c, "430202OPHT01")).unwrap();
    assert_eq!(stations.len(), 2);
    assert_eq!(t.db.read(|c| org::operator_of(c, "430202001")).unwrap().unwrap().code, "430202OPHT01");
    // Only stations can be linked; unknown codes are not found.
    assert!(t.db.write(|c| org::link_station(c, "430202OPHT01", "430202")).is_err());
    assert!(matches!(t.db.write(|c| org::link_station(c, "430202OPHT01", "430299001")), Err(shegong_store::StoreError::NotFound)));
    // A volunteer reaches nothing through the tree.
    assert!(t.db.read(|c| org::scope_of(c, Role::Volunteer, "430202001")).unwrap().is_empty());
});

db_test!(fn node_detail_and_operator_register(t) {
    load_hetang(&t.db);
    let op = OrgCode::parse("430202OPHT01").unwrap();
    let unit = t.db.write(|c| {
        let u = org::create_operator(c, &op, "株洲市荷塘区阳光社会工作服务中心")?;
        org::link_station(c, "430202OPHT01", "430202001")?;
        org::link_station(c, "430202OPHT01", "430202002")?;
        Ok(u)
    })
    .unwrap();
    assert_eq!((unit.code.as_str(), unit.level()), ("430202OPHT01", OrgLevel::Operator));
    // An existing code is a conflict, whether operator or division; nothing is renamed.
    let again = t.db.write(|c| org::create_operator(c, &op, "改名")).unwrap_err();
    assert!(matches!(again, shegong_store::StoreError::Conflict(_)));
    let division = OrgCode::parse("430202001").unwrap();
    assert!(matches!(t.db.write(|c| org::create_operator(c, &division, "x")), Err(shegong_store::StoreError::Conflict(_))));
    assert!(matches!(t.db.write(|c| org::create_operator(c, &OrgCode::parse("430299001").unwrap(), "x")), Err(shegong_store::StoreError::Invalid(_))));
    assert_eq!(t.db.read(|c| org::get_unscoped(c, "430202OPHT01")).unwrap().unwrap().name, "株洲市荷塘区阳光社会工作服务中心");

    // A station seen from the county: breadcrumb within scope, children, its operator.
    let county = scope(&["430202"]);
    let d = t.db.read(|c| org::detail(c, &county, "430202001")).unwrap();
    assert_eq!(d.unit.name, "月塘街道");
    assert_eq!(d.path.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(), ["430202"]);
    assert_eq!(d.children, 11);
    assert_eq!(d.operator.as_ref().map(|u| u.code.as_str()), Some("430202OPHT01"));
    assert!(d.stations.is_empty());
    assert_eq!(d.accounts, 0);
    // The operator lies under the county that registered it: the county and the province reach
    // it with every station; a station does not.
    let d = t.db.read(|c| org::detail(c, &county, "430202OPHT01")).unwrap();
    assert_eq!(d.path.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(), ["430202"]);
    let province = scope(&["43"]);
    let d = t.db.read(|c| org::detail(c, &province, "430202OPHT01")).unwrap();
    assert_eq!(d.stations.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(), ["430202001", "430202002"]);
    assert_eq!(d.path.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(), ["43", "4302", "430202"]);
    assert!(d.operator.is_none());
    assert!(matches!(t.db.read(|c| org::detail(c, &scope(&["430202001"]), "430202OPHT01")), Err(shegong_store::StoreError::NotFound)));
    // An operator code must start with a division that exists.
    let nowhere = OrgCode::parse("430299OPHT01").unwrap();
    assert!(matches!(t.db.write(|c| org::create_operator(c, &nowhere, "x")), Err(shegong_store::StoreError::Invalid(_))));
    let ops = t.db.read(|c| org::list(c, &province, &org::Query { level: Some(OrgLevel::Operator), ..Default::default() }, Page::default())).unwrap();
    assert_eq!(ops.total, 1);
    // Stations of an operator are listed within the caller's scope only.
    let one_station = scope(&["430202OPHT01", "430202002"]);
    let d = t.db.read(|c| org::detail(c, &one_station, "430202OPHT01")).unwrap();
    assert_eq!(d.stations.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(), ["430202002"]);
    let path = t.db.read(|c| org::detail(c, &province, "430202001001")).unwrap().path;
    assert_eq!(path.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["湖南省", "株洲市", "荷塘区", "月塘街道"]);
    assert!(matches!(t.db.read(|c| org::detail(c, &province, "430299001")), Err(shegong_store::StoreError::NotFound)));
});

db_test!(fn code_search_ignores_case_on_both_databases(t) {
    load_hetang(&t.db);
    t.db.write(|c| org::upsert_operator(c, &OrgCode::parse("430202OPHT01").unwrap(), "阳光社工").map(|_| ())).unwrap();
    let province = scope(&["43"]);
    for q in ["430202OPHT", "430202opht", "430202OpHt01"] {
        let l = t.db.read(|c| org::list(c, &province, &org::Query { q: Some(q.into()), ..Default::default() }, Page::default())).unwrap();
        assert_eq!(l.items.iter().map(|n| n.unit.code.as_str()).collect::<Vec<_>>(), ["430202OPHT01"], "{q}");
    }
});
