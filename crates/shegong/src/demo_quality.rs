//! Demo content of supervision and quality (7.4 b, 7.5.2.2, 10.5): a supervision record by the
//! demo supervisor on the demo worker, and — when the demo has closed cases at 月塘街道 — a quality
//! review drawn by the head with a fixed seed. Copes with a demo without cases.

use anyhow::Result;
use shegong_domain::dates;
use shegong_domain::org::OrgCode;
use shegong_domain::quality::{self, SampleSize, supervision};
use shegong_domain::scope::Scope;
use shegong_store::audit::Actor;
use shegong_store::keys::Keys;
use shegong_store::persons::Viewer;
use shegong_store::{Db, StoreError, quality as reviews, supervision as store, users};
use time::Duration;

const STATION: &str = "430202001";

fn account(c: &mut shegong_store::db::DbConn, username: &str) -> Result<i64, StoreError> {
    users::credentials_by_username(c, username)?
        .map(|cr| cr.user.id)
        .ok_or(StoreError::NotFound)
}

pub fn seed(db: &Db, keys: &Keys) -> Result<()> {
    let today = dates::today();
    let record = supervision::validate(
        &supervision::SupervisionInput {
            held_on: dates::iso(today - Duration::days(3)),
            mode: "individual".into(),
            observations: "个案记录及时,需求评估中家庭系统部分较简略。(演示数据)".into(),
            advice: "补充家庭支持网络分析,邀请家属参与服务计划。(演示数据)".into(),
            follow_up: Some("补写家庭系统评估并提交站长".into()),
            follow_up_due: Some(dates::iso(today + Duration::days(7))),
        },
        today,
    )
    .map_err(|e| anyhow::anyhow!("demo supervision: {:?}", e.errors))?;
    db.write(|c| {
        let sup = account(c, "supervisor")?;
        let worker = account(c, "worker")?;
        let head = account(c, "head")?;
        store::create(
            c,
            keys,
            &store::New {
                org_code: STATION,
                case_id: None,
                worker_id: worker,
                supervisor_id: sup,
                record: &record,
            },
            &Actor::system("demo"),
            shegong_domain::clock::now(),
        )?;
        let v = Viewer {
            user_id: head,
            scope: Scope::new(vec![OrgCode::parse(STATION).expect("demo station code")]),
            all_confidential: true,
        };
        let from = today - Duration::days(365);
        let population = reviews::closed_cases(c, &v, from, today)?;
        if population.is_empty() {
            return Ok(());
        }
        let size = SampleSize::Count(5);
        let drawn = quality::draw(&population, size, 2026);
        reviews::create(
            c,
            keys,
            &reviews::NewReview {
                org_code: STATION,
                from,
                to: today,
                size,
                seed: 2026,
                population: population.len(),
                reviewed_on: today,
                drawn: &drawn,
            },
            // The review is the head's: its author is a user (the table says who drew it).
            &Actor {
                user_id: Some(head),
                name: "head".into(),
                ip: "local".into(),
            },
            shegong_domain::clock::now(),
        )?;
        Ok(())
    })?;
    Ok(())
}
