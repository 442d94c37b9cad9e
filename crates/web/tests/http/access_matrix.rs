//! The access matrix of issue 2 point 5, through HTTP on both databases: every role × every action
//! that has a route so far × a target in its scope and one outside it (芦淞区, 430203). The
//! expected answers are written out, not derived from the policy: 2xx allowed, 403 in scope but not
//! for this role, 404 out of scope (never revealing that the record exists).
//! Record actions (ReadRecord, WriteRecord, RevealIdentity, ExportRecords, WriteSupervision) get
//! their routes with the service archive and are walked by `domain::policy` tests until then.

use crate::helpers::*;
use crate::http_test;
use serde_json::json;

const ROLES: [&str; 8] = [
    "admin",
    "purchaser",
    "operator",
    "head",
    "worker",
    "supervisor",
    "liaison",
    "volunteer",
];

/// (action, [expected status for each of ROLES, in scope], [… out of scope]).
type Row = (&'static str, [u16; 8], [u16; 8]);

const MATRIX: [Row; 5] = [
    // The province admin's scope is all of Hunan: its "out of scope" target is still in scope.
    (
        "ViewOrg",
        [200, 200, 200, 200, 200, 200, 200, 403],
        [200, 404, 404, 404, 404, 404, 404, 403],
    ),
    (
        "ManageOrg",
        [200, 403, 403, 403, 403, 403, 403, 404],
        [200, 404, 404, 404, 404, 404, 404, 404],
    ),
    // A volunteer's scope is empty: every account is out of its reach.
    (
        "ViewUsers",
        [200, 200, 200, 200, 200, 403, 403, 404],
        [200, 404, 404, 404, 404, 404, 404, 404],
    ),
    (
        "ManageUsers",
        [200, 403, 200, 200, 403, 403, 403, 404],
        [200, 404, 404, 404, 404, 404, 404, 404],
    ),
    (
        "ViewAudit",
        [200, 200, 403, 200, 403, 403, 403, 403],
        [200, 200, 403, 200, 403, 403, 403, 403],
    ),
];

http_test!(async fn every_role_every_action_in_and_out_of_scope(app) {
    // A second operator to link stations to (each successful link is undone below).
    let other_op = shegong_domain::org::OrgCode::parse("430203OPLS01").unwrap();
    app.t.db.write(|c| shegong_store::org::upsert_operator(c, &other_op, "芦淞社工中心")).unwrap();
    let in_user = app.user_id("volunteer");
    let out_user = app.user_id("lusong_head");
    for (i, who) in ROLES.iter().enumerate() {
        let api = app.api(who).await;
        let own_org = ACCOUNTS.iter().find(|(u, ..)| u == who).unwrap().2;
        for (action, inside, outside) in MATRIX {
            for (target_in, want) in [(true, inside[i]), (false, outside[i])] {
                let (user, station, org) = if target_in { (in_user, "430202001", own_org) } else { (out_user, "430203001", "430203001") };
                let r = match action {
                    "ViewOrg" => api.get(&format!("/api/v1/org-units/{org}")).await,
                    "ManageOrg" => api
                        .c
                        .put(api.url(&format!("/api/v1/org-units/{station}/operator")))
                        .header("X-CSRF-Token", &api.csrf)
                        .json(&json!({"operator_code": "430203OPLS01"}))
                        .send()
                        .await
                        .unwrap(),
                    "ViewUsers" => api.get(&format!("/api/v1/users/{user}")).await,
                    "ManageUsers" => api.post(&format!("/api/v1/users/{user}/unlock"), json!({})).await,
                    "ViewAudit" => api.get(&format!("/api/v1/audit?org_code={org}")).await,
                    _ => unreachable!(),
                };
                let what = format!("{who} {action} {}", if target_in { "in scope" } else { "out of scope" });
                if want == 200 {
                    assert_eq!(r.status(), 200, "{what}");
                    if action == "ManageOrg" {
                        // Put the link back, so the next role walks the same scopes.
                        app.t.exec(&format!("DELETE FROM operator_stations WHERE station_code = '{station}'"));
                        if target_in {
                            app.t.db.write(|c| shegong_store::org::link_station(c, OPERATOR, station)).unwrap();
                        }
                    }
                    if action == "ViewAudit" && !target_in && *who != "admin" {
                        let v: serde_json::Value = r.json().await.unwrap();
                        assert_eq!(v["total"], 0, "{what}: nothing from outside the scope, not even a count");
                    }
                } else {
                    assert_eq!(r.status().as_u16(), want, "{what}");
                    problem(r, want).await;
                }
            }
        }
    }
});
