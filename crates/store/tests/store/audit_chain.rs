use diesel::connection::SimpleConnection;
use shegong_domain::org::OrgCode;
use shegong_domain::scope::Scope;
use shegong_store::audit::{self, Actor, Event, Finding, Outcome, Problem};
use shegong_store::query::Page;
use shegong_store::testing::TestDb;
use shegong_store::{DbConn, db_test};

fn append_n(t: &TestDb, n: usize) {
    let actor = Actor {
        user_id: Some(7),
        name: "worker".into(),
        ip: "10.0.0.1".into(),
    };
    for i in 0..n {
        t.db.write(|c| {
            audit::append(
                c,
                &t.keys,
                &Event::new(&actor, "person.read", "person", i)
                    .org(if i % 2 == 0 { "430202001" } else { "430202002" })
                    .detail(serde_json::json!({"i": i})),
            )
        })
        .unwrap();
    }
}

fn verify(t: &TestDb) -> Finding {
    t.db.read(|c| audit::verify(c, &t.keys)).unwrap()
}

/// Direct database access, as an attacker with the file or a superuser would have.
fn tamper(t: &TestDb, sql: &str) {
    t.db.with_writer(|c| {
        let drop_guard = match c {
            DbConn::Sqlite(_) => "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_keep_180_days;",
            DbConn::Pg(_) => "DROP TRIGGER IF EXISTS audit_log_guard ON audit_log;",
        };
        c.batch_execute(drop_guard)?;
        c.batch_execute(sql)?;
        Ok(())
    })
    .unwrap();
}

db_test!(fn an_untouched_chain_verifies(t) {
    assert_eq!(verify(t), Finding::Intact { entries: 0 });
    append_n(t, 12);
    assert_eq!(verify(t), Finding::Intact { entries: 12 });
});

db_test!(fn a_changed_entry_is_named(t) {
    append_n(t, 10);
    tamper(t, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 4");
    assert_eq!(verify(t), Finding::Broken { seq: 4, problem: Problem::Changed });
});

db_test!(fn a_changed_entry_with_a_recomputed_hash_fails_its_mac(t) {
    append_n(t, 5);
    // Copy entry 3's hash onto entry 2: the link of entry 3 then breaks, and entry 2's own MAC
    // no longer matches. Either way the first bad entry is 2.
    tamper(t, "UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE seq = 3) WHERE seq = 2");
    assert_eq!(verify(t), Finding::Broken { seq: 2, problem: Problem::Changed });
});

db_test!(fn a_deleted_entry_is_named(t) {
    append_n(t, 10);
    tamper(t, "DELETE FROM audit_log WHERE seq = 6");
    assert_eq!(verify(t), Finding::Broken { seq: 6, problem: Problem::Deleted });
});

db_test!(fn a_deleted_tail_is_found(t) {
    append_n(t, 10);
    tamper(t, "DELETE FROM audit_log WHERE seq >= 9");
    assert!(matches!(verify(t), Finding::Broken { seq: 9, problem: Problem::Head }));
});

db_test!(fn reordered_entries_are_found(t) {
    append_n(t, 10);
    tamper(t, "UPDATE audit_log SET seq = 100 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 100;");
    assert_eq!(verify(t), Finding::Broken { seq: 3, problem: Problem::Changed });
});

db_test!(fn the_database_refuses_changes_and_young_deletions(t) {
    append_n(t, 3);
    let upd = t.db.with_writer(|c| c.batch_execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1").map_err(Into::into));
    assert!(upd.is_err());
    let del = t.db.with_writer(|c| c.batch_execute("DELETE FROM audit_log WHERE seq = 1").map_err(Into::into));
    assert!(del.is_err());
    assert_eq!(verify(t), Finding::Intact { entries: 3 });
});

db_test!(fn purge_keeps_180_days_and_the_chain_verifies_after(t) {
    let now = shegong_domain::clock::now();
    let actor = Actor::system("test");
    for (i, at) in [now - 400 * 86_400, now - 300 * 86_400, now - 200 * 86_400, now - 10, now].into_iter().enumerate() {
        t.db.write(|c| audit::append_at(c, &t.keys, &Event::new(&actor, "test", "t", i), at)).unwrap();
    }
    assert!(t.db.write(|c| audit::purge(c, &t.keys, 10 * 86_400, now)).is_err(), "under 180 days is refused");
    assert_eq!(t.db.write(|c| audit::purge(c, &t.keys, 180 * 86_400, now)).unwrap(), 3);
    assert_eq!(verify(t), Finding::Intact { entries: 2 });
    // Appending after a purge continues the chain.
    append_n(t, 2);
    assert_eq!(verify(t), Finding::Intact { entries: 4 });
    // Nothing young can be purged, whatever the caller claims the time is: the database refuses.
    assert!(t.db.write(|c| audit::purge(c, &t.keys, 180 * 86_400, now + 10_000 * 86_400)).is_err());
    assert_eq!(verify(t), Finding::Intact { entries: 4 });
});

db_test!(fn listing_filters_and_scope(t) {
    append_n(t, 9);
    let actor = Actor::system("import");
    t.db.write(|c| audit::append(c, &t.keys, &Event::new(&actor, "org.import", "org", "43").outcome(Outcome::Ok))).unwrap();
    let station = Scope::new(vec![OrgCode::parse("430202001").unwrap()]);
    let l = t.db.read(|c| audit::list(c, &station, &audit::Filter::default(), Page::default())).unwrap();
    assert_eq!(l.total, 5);
    assert!(l.items.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
    let all = Scope::new(vec![OrgCode::parse("43").unwrap()]);
    let with_system = t.db.read(|c| audit::list(c, &all, &audit::Filter { include_unscoped: true, ..Default::default() }, Page::default())).unwrap();
    assert_eq!(with_system.total, 10);
    let by_action = t.db.read(|c| audit::list(c, &all, &audit::Filter { action_prefix: Some("org.".into()), include_unscoped: true, ..Default::default() }, Page::default())).unwrap();
    assert_eq!(by_action.total, 1);
});

db_test!(fn action_prefixes_match_underscores_literally(t) {
    let actor = Actor::system("test");
    for a in ["auth.password_change", "auth.passwordXchange", "auth.two_factor", "auth.two_factor_disabled", "auth.twoXfactor"] {
        t.db.write(|c| audit::append(c, &t.keys, &Event::new(&actor, a, "user", 1).org("430202001"))).unwrap();
    }
    let all = Scope::new(vec![OrgCode::parse("43").unwrap()]);
    let actions = |prefix: &str| {
        let f = audit::Filter { action_prefix: Some(prefix.into()), ..Default::default() };
        t.db.read(|c| audit::list(c, &all, &f, Page::default())).unwrap().items.into_iter().map(|e| e.action).collect::<Vec<_>>()
    };
    assert_eq!(actions("auth.password_change"), ["auth.password_change"]);
    assert_eq!(actions("auth.two_factor"), ["auth.two_factor_disabled", "auth.two_factor"]);
    assert!(actions("auth.%").is_empty(), "a % is a character, not a wildcard");
    assert_eq!(actions("auth.").len(), 5);
});
