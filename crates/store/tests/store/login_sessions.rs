use super::*;
use shegong_domain::account::LoginStage;
use shegong_domain::role::Role;
use shegong_store::sessions::{self, Lifetimes, Lookup};
use shegong_store::users::{self, NewUser};
use shegong_store::{db_test, tokens};

fn user(db: &Db) -> i64 {
    load_hetang(db);
    db.write(|c| {
        users::create(
            c,
            &NewUser {
                username: "worker",
                display_name: "张𠮷",
                role: Role::SocialWorker,
                org_code: "430202001",
                password_hash: "h",
                must_change_password: false,
                two_factor_exempt: false,
            },
            0,
        )
    })
    .unwrap()
}

db_test!(fn sessions_expire_when_idle_and_can_be_ended(t) {
    let uid = user(&t.db);
    let life = Lifetimes { idle_secs: 1800, absolute_secs: 43_200 };
    let (token, csrf) = t.db.write(|c| sessions::create(c, uid, LoginStage::Done, "127.0.0.1", "test", 1_000)).unwrap();
    assert_eq!(token.len(), 64);
    let (s, u) = t.db.read(|c| sessions::load(c, &token, 2_000, life)).unwrap().unwrap();
    assert_eq!((s.csrf_token.as_str(), u.display_name.as_str(), s.stage()), (csrf.as_str(), "张𠮷", LoginStage::Done));
    // The database holds a hash, never the cookie value.
    assert_ne!(s.id, token);
    assert!(sessions::needs_touch(&s, 1_060) && !sessions::needs_touch(&s, 1_059));
    assert_eq!(t.db.read(|c| sessions::load(c, &token, 1_000 + 1801, life)).unwrap().unwrap_err(), Lookup::Expired);
    t.db.write(|c| sessions::touch(c, &s.id, 2_500)).unwrap();
    assert!(t.db.read(|c| sessions::load(c, &token, 2_500 + 1800, life)).unwrap().is_ok());
    assert_eq!(t.db.read(|c| sessions::load(c, &token, 1_000 + 43_201, life)).unwrap().unwrap_err(), Lookup::Expired);
    t.db.write(|c| sessions::set_stage(c, &s.id, LoginStage::ChangePassword)).unwrap();
    assert_eq!(t.db.read(|c| sessions::load(c, &token, 2_600, life)).unwrap().unwrap().0.stage(), LoginStage::ChangePassword);
    t.db.write(|c| sessions::delete_by_token(c, &token)).unwrap();
    assert_eq!(t.db.read(|c| sessions::load(c, &token, 2_600, life)).unwrap().unwrap_err(), Lookup::Missing);
});

db_test!(fn ending_other_sessions_and_purging(t) {
    let uid = user(&t.db);
    let life = Lifetimes::default();
    let (a, _) = t.db.write(|c| sessions::create(c, uid, LoginStage::Done, "ip", "ua", 100)).unwrap();
    let (b, _) = t.db.write(|c| sessions::create(c, uid, LoginStage::Done, "ip", "ua", 100)).unwrap();
    let keep = t.db.read(|c| sessions::load(c, &a, 100, life)).unwrap().unwrap().0.id;
    assert_eq!(t.db.write(|c| sessions::delete_for_user(c, uid, Some(&keep))).unwrap(), 1);
    assert!(t.db.read(|c| sessions::load(c, &b, 100, life)).unwrap().is_err());
    assert!(t.db.read(|c| sessions::load(c, &a, 100, life)).unwrap().is_ok());
    assert_eq!(t.db.write(|c| sessions::purge_expired(c, 100 + 1801, life)).unwrap(), 1);
});

db_test!(fn api_tokens_authenticate_until_revoked_or_expired(t) {
    let uid = user(&t.db);
    let (id, secret) = t.db.write(|c| tokens::create(c, uid, "低保系统对接", Some(10_000), 100)).unwrap();
    assert!(secret.starts_with(tokens::PREFIX));
    let (tok, u) = t.db.read(|c| tokens::authenticate(c, &secret, 200)).unwrap().unwrap();
    assert_eq!((tok.id, u.id), (id, uid));
    t.db.write(|c| tokens::note_use(c, &tok, 200)).unwrap();
    assert_eq!(t.db.read(|c| tokens::list_for_user(c, uid)).unwrap()[0].last_used_at, Some(200));
    assert!(t.db.read(|c| tokens::authenticate(c, &secret, 10_001)).unwrap().is_none());
    assert!(t.db.read(|c| tokens::authenticate(c, "sgt_wrong", 200)).unwrap().is_none());
    assert!(t.db.read(|c| tokens::authenticate(c, "not-a-token", 200)).unwrap().is_none());
    // Someone else's token cannot be revoked; one's own can, once.
    assert!(t.db.write(|c| tokens::revoke(c, uid + 1, id, 300)).is_err());
    t.db.write(|c| tokens::revoke(c, uid, id, 300)).unwrap();
    assert!(t.db.read(|c| tokens::authenticate(c, &secret, 301)).unwrap().is_none());
    assert!(t.db.write(|c| tokens::revoke(c, uid, id, 300)).is_err());
});
