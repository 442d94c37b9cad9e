//! Attachments of service records (10.3, decision 0017): rows kept, listed, read and deleted with
//! their audit entries, bounded by the case, on both databases.

use super::cases::{actor, audit_actions, open, save, seed, viewer};
use shegong_domain::policy::Sensitivity;
use shegong_store::StoreError;
use shegong_store::attachments::{self, NewAttachment};
use shegong_store::cases::{self as store, Kind};
use shegong_store::db_test;
use shegong_store::testing::TestDb;

const STATION: &str = "430202001";

fn attach(t: &TestDb, uid: i64, id: i64, rid: i64, key: &str) -> Result<i64, StoreError> {
    let v = viewer(uid, STATION, false);
    t.db.write(|c| {
        let k = store::get(c, &v, id)?;
        attachments::insert(
            c,
            &t.keys,
            &k.case,
            &NewAttachment {
                record_id: rid,
                storage_key: key,
                file_name: "家访.jpg",
                content_type: "image/jpeg",
                size: 3,
                sha256: "abc",
            },
            &actor(uid),
            40,
        )
    })
}

db_test!(fn attachments_are_kept_listed_read_and_deleted_with_their_audit(t) {
    let (ids, pid) = seed(t);
    let id = open(t, ids, pid, Sensitivity::Ordinary);
    save(t, ids[0], id, Kind::Service, &serde_json::json!({"content": "入户探访"}));
    let rows = t.db.read(|c| store::records(c, id)).unwrap();
    let rid = rows.iter().find(|r| r.kind == "service").unwrap().id;
    let intake = rows.iter().find(|r| r.kind == "intake").unwrap().id;

    let a = attach(t, ids[0], id, rid, &"a".repeat(32)).unwrap();
    let b = attach(t, ids[0], id, rid, &"b".repeat(32)).unwrap();
    // Only a service record of this case takes attachments.
    assert!(matches!(attach(t, ids[0], id, intake, &"c".repeat(32)), Err(StoreError::NotFound)));
    let other = open(t, ids, pid, Sensitivity::Ordinary);
    assert!(matches!(attach(t, ids[0], other, rid, &"d".repeat(32)), Err(StoreError::NotFound)));

    let listed = t.db.read(|c| attachments::of_record(c, id, rid)).unwrap();
    assert_eq!(listed.iter().map(|r| r.id).collect::<Vec<_>>(), [a, b]);
    assert_eq!((listed[0].file_name.as_str(), listed[0].uploaded_by_name.as_str()), ("家访.jpg", "u1"));
    assert_eq!(t.db.read(|c| attachments::counts(c, id)).unwrap(), [(rid, 2)]);
    // Another case's id finds nothing.
    assert!(matches!(t.db.read(|c| attachments::get(c, other, a)), Err(StoreError::NotFound)));

    let v = viewer(ids[0], STATION, false);
    let read = t.db.write(|c| {
        let k = store::get(c, &v, id)?;
        attachments::read(c, &t.keys, &k.case, a, &actor(ids[0]))
    }).unwrap();
    assert_eq!(read.storage_key, "a".repeat(32));

    let del = |aid: i64| t.db.write(|c| {
        let k = store::get(c, &v, id)?;
        attachments::delete(c, &t.keys, &k.case, aid, "拍错了人", &actor(ids[0]), 50)
    });
    assert_eq!(del(a).unwrap(), "a".repeat(32));
    assert!(matches!(del(a), Err(StoreError::NotFound)));
    let gone = t.db.write(|c| {
        let k = store::get(c, &v, id)?;
        attachments::read(c, &t.keys, &k.case, a, &actor(ids[0]))
    });
    assert!(matches!(gone, Err(StoreError::NotFound)));
    let listed = t.db.read(|c| attachments::of_record(c, id, rid)).unwrap();
    assert_eq!((listed[0].deleted_at, listed[0].delete_reason.as_deref()), (Some(50), Some("拍错了人")));
    assert_eq!(t.db.read(|c| attachments::counts(c, id)).unwrap(), [(rid, 1)]);

    let actions = audit_actions(t);
    let ours: Vec<&str> = actions.iter().map(String::as_str).filter(|a| a.starts_with("case.attachment")).collect();
    assert_eq!(ours, ["case.attachment.create", "case.attachment.create", "case.attachment.read", "case.attachment.delete"]);
});

db_test!(fn a_storage_key_is_used_once(t) {
    let (ids, pid) = seed(t);
    let id = open(t, ids, pid, Sensitivity::Ordinary);
    save(t, ids[0], id, Kind::Service, &serde_json::json!({"content": "电话回访"}));
    let rid = t.db.read(|c| store::records(c, id)).unwrap().iter().find(|r| r.kind == "service").unwrap().id;
    attach(t, ids[0], id, rid, &"e".repeat(32)).unwrap();
    let again = attach(t, ids[0], id, rid, &"e".repeat(32)).unwrap_err();
    assert!(again.is_unique_violation());
    assert_eq!(t.db.read(|c| attachments::of_record(c, id, rid)).unwrap().len(), 1);
});
