use super::*;
use shegong_domain::org::OrgCode;
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use shegong_store::query::Page;
use shegong_store::users::{self, NewUser};
use shegong_store::{StoreError, db_test};

fn scope(codes: &[&str]) -> Scope {
    Scope::new(codes.iter().map(|c| OrgCode::parse(c).unwrap()).collect())
}

fn add(db: &Db, username: &str, role: Role, org: &str) -> i64 {
    db.write(|c| {
        users::create(
            c,
            &NewUser {
                username,
                display_name: "测试",
                role,
                org_code: org,
                password_hash: "$argon2id$x",
                must_change_password: true,
                two_factor_exempt: false,
            },
            1_000,
        )
    })
    .unwrap()
}

db_test!(fn create_list_and_scope(t) {
    load_hetang(&t.db);
    let w1 = add(&t.db, "worker", Role::SocialWorker, "430202001");
    add(&t.db, "worker2", Role::SocialWorker, "430202002");
    add(&t.db, "head", Role::StationHead, "430202001");
    let station = scope(&["430202001"]);
    let l = t.db.read(|c| users::list(c, &station, &users::Filter::default(), Page::default(), 0)).unwrap();
    assert_eq!(l.total, 2);
    assert!(l.items.iter().all(|u| u.org_code == "430202001"));
    let county = scope(&["430202"]);
    let by_role = t.db.read(|c| users::count_by_role(c, &county)).unwrap();
    assert_eq!(by_role, vec![(Role::SocialWorker, 2), (Role::StationHead, 1)]);
    let q = t.db.read(|c| users::list(c, &county, &users::Filter { q: Some("worker2".into()), ..Default::default() }, Page::default(), 0)).unwrap();
    assert_eq!(q.total, 1);
    // In scope by id; out of scope is not found.
    assert_eq!(t.db.read(|c| users::get(c, &station, w1)).unwrap().username, "worker");
    let w2 = q.items[0].id;
    assert!(matches!(t.db.read(|c| users::get(c, &station, w2)), Err(StoreError::NotFound)));
});

db_test!(fn usernames_are_unique(t) {
    load_hetang(&t.db);
    add(&t.db, "worker", Role::SocialWorker, "430202001");
    let again = t.db.write(|c| users::create(c, &NewUser {
        username: "worker", display_name: "x", role: Role::SocialWorker, org_code: "430202002",
        password_hash: "h", must_change_password: false, two_factor_exempt: false,
    }, 1));
    assert!(matches!(again, Err(StoreError::Conflict(_))));
});

db_test!(fn unknown_org_is_refused_and_nothing_written(t) {
    load_hetang(&t.db);
    let r = t.db.write(|c| users::create(c, &NewUser {
        username: "ghost", display_name: "x", role: Role::SocialWorker, org_code: "430299001",
        password_hash: "h", must_change_password: false, two_factor_exempt: false,
    }, 1));
    assert!(r.is_err());
    assert!(t.db.read(|c| users::credentials_by_username(c, "ghost")).unwrap().is_none());
});

db_test!(fn lockout_counters(t) {
    load_hetang(&t.db);
    let id = add(&t.db, "worker", Role::SocialWorker, "430202001");
    t.db.write(|c| users::record_login_failure(c, id, 3, None)).unwrap();
    let u = t.db.read(|c| users::get_self(c, id)).unwrap();
    assert_eq!((u.failed_logins, u.locked_until), (3, None));
    t.db.write(|c| users::record_login_failure(c, id, 0, Some(5_000))).unwrap();
    let u = t.db.read(|c| users::get_self(c, id)).unwrap();
    assert!(u.is_locked(4_999) && !u.is_locked(5_000));
    assert_eq!(t.db.read(|c| users::count_locked(c, &scope(&["430202"]), 4_000)).unwrap(), 1);
    t.db.write(|c| users::record_login_success(c, id, 6_000)).unwrap();
    let u = t.db.read(|c| users::get_self(c, id)).unwrap();
    assert_eq!((u.failed_logins, u.locked_until, u.last_login_at), (0, None, Some(6_000)));
});

db_test!(fn totp_secret_and_password_changes(t) {
    load_hetang(&t.db);
    let id = add(&t.db, "worker", Role::SocialWorker, "430202001");
    t.db.write(|c| users::set_totp(c, id, Some(b"secret"), true, 10)).unwrap();
    let cr = t.db.read(|c| users::credentials_by_id(c, id)).unwrap();
    assert_eq!(cr.totp_secret.as_deref(), Some(&b"secret"[..]));
    assert!(cr.user.totp_enabled);
    t.db.write(|c| users::set_totp_step(c, id, 99)).unwrap();
    assert_eq!(t.db.read(|c| users::credentials_by_id(c, id)).unwrap().totp_last_step, Some(99));
    t.db.write(|c| users::set_password(c, id, "newhash", false, 20)).unwrap();
    let cr = t.db.read(|c| users::credentials_by_id(c, id)).unwrap();
    assert_eq!(cr.password_hash, "newhash");
    assert!(!cr.user.must_change_password);
    assert_eq!(cr.user.password_changed_at, 20);
});

db_test!(fn list_filters_by_subtree_role_and_lock(t) {
    load_hetang(&t.db);
    add(&t.db, "worker", Role::SocialWorker, "430202001");
    add(&t.db, "worker2", Role::SocialWorker, "430202002");
    let head = add(&t.db, "head", Role::StationHead, "430202001");
    add(&t.db, "lusong", Role::StationHead, "430203001");
    let county = scope(&["430202"]);
    let list = |f: users::Filter| t.db.read(|c| users::list(c, &county, &f, Page::default(), 2_000)).unwrap();
    let code = |c: &str| Some(OrgCode::parse(c).unwrap());
    // A county code finds every account of its stations; a station code only its own.
    assert_eq!(list(users::Filter { org_code: code("430202"), ..Default::default() }).total, 3);
    assert_eq!(list(users::Filter { org_code: code("430202001"), ..Default::default() }).total, 2);
    // Out of scope stays out of scope, whatever the filter asks for.
    assert_eq!(list(users::Filter { org_code: code("430203001"), ..Default::default() }).total, 0);
    assert_eq!(list(users::Filter { role: Some(Role::StationHead), ..Default::default() }).total, 1);
    t.db.write(|c| users::record_login_failure(c, head, 0, Some(3_000))).unwrap();
    let locked = list(users::Filter { locked_only: true, ..Default::default() });
    assert_eq!((locked.total, locked.items[0].id), (1, head));
});

db_test!(fn validation_reports_every_bad_field_at_once(t) {
    load_hetang(&t.db);
    let input = users::AccountInput {
        username: "坏 名字".into(),
        display_name: "张三😀".into(),
        role: "root".into(),
        org_code: "430299001".into(),
    };
    let Err(StoreError::Invalid(inv)) = t.db.read(|c| users::validate_account(c, &input)) else { panic!("invalid") };
    let fields: Vec<&str> = inv.errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["username", "display_name", "role", "org_code"]);
    // A real role at a level where it cannot be held.
    let input = users::AccountInput { username: "ok_name".into(), display_name: String::new(), role: "social_worker".into(), org_code: "430202".into() };
    let Err(StoreError::Invalid(inv)) = t.db.read(|c| users::validate_account(c, &input)) else { panic!("invalid") };
    assert_eq!(inv.errors.len(), 1);
    assert!(inv.errors[0].message.zh.contains("不能设在"));
    // A blank display name falls back to the username.
    let input = users::AccountInput { username: " New.Worker ".into(), display_name: " ".into(), role: "social_worker".into(), org_code: "430202001".into() };
    let v = t.db.read(|c| users::validate_account(c, &input)).unwrap();
    assert_eq!((v.username.as_str(), v.display_name.as_str(), v.role), ("new.worker", "new.worker", Role::SocialWorker));
});

db_test!(fn operator_scopes_hold_exactly_their_operator_and_stations(t) {
    load_hetang(&t.db);
    t.db.write(|c| {
        for (code, name) in [("430202OPHT01", "阳光社工"), ("430202OPHT012", "另一家社工机构")] {
            shegong_store::org::upsert_operator(c, &OrgCode::parse(code).unwrap(), name)?;
        }
        shegong_store::org::link_station(c, "430202OPHT01", "430202001")
    })
    .unwrap();
    add(&t.db, "op_sup", Role::Supervisor, "430202OPHT01");
    add(&t.db, "other_sup", Role::Supervisor, "430202OPHT012");
    add(&t.db, "worker", Role::SocialWorker, "430202001");
    add(&t.db, "worker2", Role::SocialWorker, "430202002");
    let s = t.db.read(|c| shegong_store::org::scope_of(c, Role::OperatorAdmin, "430202OPHT01")).unwrap();
    let l = t.db.read(move |c| users::list(c, &s, &users::Filter::default(), Page::default(), 0)).unwrap();
    let mut names: Vec<String> = l.items.into_iter().map(|u| u.username).collect();
    names.sort();
    // An operator code is matched exactly (430202OPHT012 is another organisation), on both databases.
    assert_eq!(names, ["op_sup", "worker"]);
});
