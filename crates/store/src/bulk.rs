//! Fast insertion of many people at once, for synthetic data (`shegong demo --scale N`) and
//! benchmarks: multi-row inserts per table instead of one statement per row. The rows get
//! everything [`crate::persons::create`] gives one person (encrypted numbers, blind indexes,
//! categories, search tokens, a timeline entry), without history entries or per-row audit: the
//! caller audits the whole batch.

use crate::audit::Actor;
use crate::db::DbConn;
use crate::error::StoreResult;
use crate::keys::Keys;
use crate::persons::{ID_NUMBER, PHONE};
use crate::schema::{
    household_members, households, person_categories, person_search_tokens, person_timeline,
    persons,
};
use diesel::prelude::*;
use shegong_domain::dates;
use shegong_domain::person::PersonFields;

pub struct Household {
    pub org_code: String,
    pub address: String,
}

pub struct Person {
    pub org_code: String,
    pub fields: PersonFields,
    /// Index into the households of the same batch, and the relation to its head (the first
    /// member listed is the head).
    pub household: Option<(usize, String)>,
}

/// Inserts one batch (call inside a write transaction; a few thousand people per batch); returns
/// the ids of the people and of the households, in the order given.
pub fn insert(
    conn: &mut DbConn,
    keys: &Keys,
    hh: &[Household],
    people: &[Person],
    actor: &Actor,
    now: i64,
) -> StoreResult<(Vec<i64>, Vec<i64>)> {
    let hh_rows: Vec<_> = hh
        .iter()
        .map(|h| {
            (
                households::org_code.eq(h.org_code.clone()),
                households::address.eq(h.address.clone()),
                households::created_at.eq(now),
                households::updated_at.eq(now),
            )
        })
        .collect();
    let mut hh_ids: Vec<i64> = Vec::with_capacity(hh.len());
    for chunk in hh_rows.chunks(2000) {
        let ids: Vec<i64> = crate::each_backend!(conn, c => diesel::insert_into(households::table).values(chunk).returning(households::id).get_results(c))?;
        hh_ids.extend(ids);
    }
    let rows: Vec<_> = people
        .iter()
        .map(|p| {
            let f = &p.fields;
            (
                (
                    persons::org_code.eq(p.org_code.clone()),
                    persons::name.eq(f.name.clone()),
                    persons::gender.eq(f.gender.map(|g| g.id())),
                    persons::ethnicity.eq(f.ethnicity),
                    persons::birth_date.eq(f.birth_date.map(dates::iso)),
                    persons::id_number_enc.eq(f
                        .id_number
                        .as_ref()
                        .map(|i| keys.encrypt(i.as_str().as_bytes()))),
                    persons::id_number_index.eq(f
                        .id_number
                        .as_ref()
                        .map(|i| keys.blind_index(ID_NUMBER, i.as_str()))),
                    persons::id_number_masked.eq(f.id_number.as_ref().map(|i| i.masked())),
                    persons::phone_enc.eq(f
                        .phone
                        .as_ref()
                        .map(|p| keys.encrypt(p.as_str().as_bytes()))),
                    persons::phone_index.eq(f
                        .phone
                        .as_ref()
                        .map(|p| keys.blind_index(PHONE, &p.digits()))),
                    persons::phone_masked.eq(f.phone.as_ref().map(|p| p.masked())),
                ),
                (
                    persons::household_id.eq(p.household.as_ref().map(|(i, _)| hh_ids[*i])),
                    persons::address.eq(f.address.clone()),
                    persons::difficulty_degree.eq(f.difficulty_degree),
                    persons::health.eq(f.health),
                    persons::monthly_income.eq(f.monthly_income),
                    persons::sensitivity.eq(f.sensitivity.id()),
                    persons::created_by.eq(actor.user_id),
                    persons::created_at.eq(now),
                    persons::updated_at.eq(now),
                ),
            )
        })
        .collect();
    let mut ids: Vec<i64> = Vec::with_capacity(people.len());
    for chunk in rows.chunks(500) {
        let got: Vec<i64> = crate::each_backend!(conn, c => diesel::insert_into(persons::table).values(chunk).returning(persons::id).get_results(c))?;
        ids.extend(got);
    }
    // Heads first in each household, so the head is the first member seen.
    let mut heads: Vec<(i64, i64)> = Vec::new();
    let mut members = Vec::new();
    let mut cats = Vec::new();
    let mut tokens = Vec::new();
    let mut timeline = Vec::new();
    let mut seen_head = std::collections::HashSet::new();
    for (p, id) in people.iter().zip(&ids) {
        if let Some((i, relation)) = &p.household {
            if seen_head.insert(*i) {
                heads.push((hh_ids[*i], *id));
            }
            members.push((
                household_members::household_id.eq(hh_ids[*i]),
                household_members::person_id.eq(*id),
                household_members::relation.eq(relation.clone()),
            ));
        }
        for c in &p.fields.categories {
            cats.push((
                person_categories::person_id.eq(*id),
                person_categories::category.eq(c.code.clone()),
                person_categories::start_date.eq(dates::iso(c.start_date)),
                person_categories::grade.eq(c.grade.clone()),
            ));
        }
        for t in shegong_domain::search::name_tokens(&p.fields.name) {
            tokens.push((
                person_search_tokens::token.eq(crate::persons::station_token(&p.org_code, &t)),
                person_search_tokens::person_id.eq(*id),
                person_search_tokens::org_code.eq(p.org_code.clone()),
            ));
        }
        timeline.push((
            person_timeline::person_id.eq(*id),
            person_timeline::at.eq(now),
            person_timeline::kind.eq("archive.created"),
            person_timeline::summary.eq("建立档案"),
            person_timeline::actor.eq(actor.name.clone()),
        ));
    }
    for chunk in members.chunks(3000) {
        crate::each_backend!(conn, c => diesel::insert_into(household_members::table).values(chunk).execute(c))?;
    }
    for (hid, pid) in heads {
        diesel::update(households::table.find(hid))
            .set(households::head_person_id.eq(pid))
            .execute(conn)?;
    }
    for chunk in cats.chunks(3000) {
        crate::each_backend!(conn, c => diesel::insert_into(person_categories::table).values(chunk).execute(c))?;
    }
    for chunk in tokens.chunks(5000) {
        crate::each_backend!(conn, c => diesel::insert_into(person_search_tokens::table).values(chunk).execute(c))?;
    }
    for chunk in timeline.chunks(3000) {
        crate::each_backend!(conn, c => diesel::insert_into(person_timeline::table).values(chunk).execute(c))?;
    }
    Ok((ids, hh_ids))
}

/// The archives of 8.1.1.1, 8.1.1.2, 8.2.1.1 and 8.3.1 for people and households already stored
/// (synthetic data): each record as its single-record write would store it, with a timeline line,
/// in multi-row inserts.
#[derive(Default)]
pub struct Records {
    /// (household id, investigation whose members' `person_id`s are real ids)
    pub investigations: Vec<(i64, shegong_domain::household::Investigation)>,
    /// (household id, member ids, review)
    pub reviews: Vec<(i64, Vec<i64>, shegong_domain::household::Review)>,
    pub elderly: Vec<Elderly>,
    pub guardianship: Vec<Guardianship>,
}

pub struct Elderly {
    pub person_id: i64,
    pub fields: shegong_domain::care::ElderlyFields,
    pub opened_on: time::Date,
    /// Oldest first.
    pub visits: Vec<shegong_domain::care::Visit>,
}

pub struct Guardianship {
    pub person_id: i64,
    pub fields: shegong_domain::care::GuardianshipFields,
    pub age: i32,
}

/// Inserts [`Records`] (call inside a write transaction).
pub fn records(
    conn: &mut DbConn,
    keys: &Keys,
    r: &Records,
    actor: &Actor,
    today: time::Date,
    now: i64,
) -> StoreResult<()> {
    use crate::care::{
        care_alerts as al, care_carers as ca, care_elderly as el, care_guardians as gd,
        care_guardianship as gs, care_visits as vi,
    };
    use crate::households::json;
    use crate::households::{assistance_reviews as ar, household_investigations as hi};
    use shegong_domain::care::{self, CarerPhone};
    use shegong_domain::household as dh;
    let mut timeline: Vec<(i64, &'static str, String)> = Vec::new();
    let inv = r
        .investigations
        .iter()
        .map(|(hid, i)| -> StoreResult<_> {
            let summary = format!("入户调查(8.1.1.1,{})", dates::iso(i.date));
            timeline.extend(
                i.members
                    .iter()
                    .map(|m| (m.person_id, "household.investigation", summary.clone())),
            );
            Ok((
                (
                    hi::household_id.eq(*hid),
                    hi::investigated_on.eq(dates::iso(i.date)),
                    hi::investigators.eq(json(&i.investigators)?),
                    hi::members.eq(json(&i.members)?),
                    hi::incomes.eq(json(&i.incomes)?),
                    hi::spending.eq(json(&i.spending)?),
                    hi::property.eq(json(&i.property)?),
                    hi::notes.eq(i.notes.clone()),
                    hi::signed.eq(i.signed),
                ),
                (
                    hi::member_count.eq(i.members.len() as i64),
                    hi::total_income_fen.eq(i.total_income_fen),
                    hi::total_spending_fen.eq(i.total_spending_fen),
                    hi::per_capita_monthly_fen.eq(i.per_capita_monthly_fen),
                    hi::created_by.eq(actor.user_id),
                    hi::created_by_name.eq(actor.name.clone()),
                    hi::created_at.eq(now),
                ),
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    for chunk in inv.chunks(1000) {
        crate::each_backend!(conn, c => diesel::insert_into(hi::table).values(chunk).execute(c))?;
    }
    let reviews: Vec<_> = r
        .reviews
        .iter()
        .map(|(hid, members, v)| {
            let summary = format!(
                "救助复核(8.1.1.2):{} {}",
                dh::label(&dh::ASSISTANCE_CATEGORIES, v.category),
                dh::label(&dh::REVIEW_RESULTS, v.result)
            );
            timeline.extend(
                members
                    .iter()
                    .map(|p| (*p, "household.review", summary.clone())),
            );
            (
                ar::household_id.eq(*hid),
                ar::category.eq(v.category),
                ar::reviewed_on.eq(dates::iso(v.reviewed_on)),
                ar::result.eq(v.result),
                ar::next_due.eq(v.next_due.map(dates::iso)),
                ar::notes.eq(v.notes.clone()),
                ar::superseded.eq(false),
                ar::created_by.eq(actor.user_id),
                ar::created_by_name.eq(actor.name.clone()),
                ar::created_at.eq(now),
            )
        })
        .collect();
    for chunk in reviews.chunks(2000) {
        crate::each_backend!(conn, c => diesel::insert_into(ar::table).values(chunk).execute(c))?;
    }
    let (mut elderly, mut carers, mut visits) = (Vec::new(), Vec::new(), Vec::new());
    for e in &r.elderly {
        let last = e.visits.last().map(|v| v.visited_on);
        let due = care::next_visit_due(last, e.opened_on, e.fields.visit_interval_days);
        elderly.push((
            el::person_id.eq(e.person_id),
            el::living_arrangement.eq(e.fields.living_arrangement),
            el::visit_interval_days.eq(e.fields.visit_interval_days),
            el::notes.eq(e.fields.notes.clone()),
            el::opened_on.eq(dates::iso(e.opened_on)),
            el::last_visit_on.eq(last.map(dates::iso)),
            el::next_visit_due.eq(dates::iso(due)),
            el::created_at.eq(now),
            el::updated_at.eq(now),
        ));
        timeline.push((
            e.person_id,
            "care.elderly.created",
            "建立老年人档案(8.2.1.1)".into(),
        ));
        for (i, c) in e.fields.carers.iter().enumerate() {
            let phone = match &c.phone {
                CarerPhone::New(p) => Some(p),
                _ => None,
            };
            carers.push((
                ca::person_id.eq(e.person_id),
                ca::position.eq(i as i64),
                ca::name.eq(c.name.clone()),
                ca::relation.eq(c.relation.clone()),
                ca::phone_enc.eq(phone.map(|p| keys.encrypt(p.as_str().as_bytes()))),
                ca::phone_masked.eq(phone.map(|p| p.masked())),
            ));
        }
        for v in &e.visits {
            visits.push((
                vi::person_id.eq(e.person_id),
                vi::visited_on.eq(dates::iso(v.visited_on)),
                vi::visitor.eq(v.visitor.clone()),
                vi::mode.eq(v.mode),
                vi::findings.eq(v.findings.clone()),
                vi::notes.eq(v.notes.clone()),
                vi::recorded_by.eq(actor.user_id),
                vi::created_at.eq(now),
            ));
            timeline.push((
                e.person_id,
                "care.visit",
                format!(
                    "{}({})",
                    care::label(&care::VISIT_MODES, v.mode).zh,
                    dates::iso(v.visited_on)
                ),
            ));
        }
    }
    for chunk in elderly.chunks(2000) {
        crate::each_backend!(conn, c => diesel::insert_into(el::table).values(chunk).execute(c))?;
    }
    for chunk in carers.chunks(2000) {
        crate::each_backend!(conn, c => diesel::insert_into(ca::table).values(chunk).execute(c))?;
    }
    for chunk in visits.chunks(2000) {
        crate::each_backend!(conn, c => diesel::insert_into(vi::table).values(chunk).execute(c))?;
    }
    let (mut children, mut guardians, mut alerts) = (Vec::new(), Vec::new(), Vec::new());
    for g in &r.guardianship {
        let f = &g.fields;
        children.push((
            (
                gs::person_id.eq(g.person_id),
                gs::living_situation.eq(f.living_situation),
                gs::school.eq(f.school.clone()),
                gs::grade.eq(f.grade.clone()),
                gs::study_status.eq(f.study_status),
                gs::health.eq(f.health),
                gs::health_notes.eq(f.health_notes.clone()),
            ),
            (
                gs::social_support.eq(f.social_support.clone()),
                gs::notes.eq(f.notes.clone()),
                gs::support.eq(f.support.id()),
                gs::created_at.eq(now),
                gs::updated_at.eq(now),
            ),
        ));
        timeline.push((
            g.person_id,
            "care.guardianship.created",
            "建立儿童监护档案(8.3.1)".into(),
        ));
        for (i, x) in f.guardians.iter().enumerate() {
            guardians.push((
                gd::person_id.eq(g.person_id),
                gd::position.eq(i as i64),
                gd::name.eq(x.name.clone()),
                gd::relation.eq(x.relation),
                gd::status.eq(x.status),
                gd::notes.eq(x.notes.clone()),
            ));
        }
        if let Some(gap) = f.gap {
            alerts.push((
                al::person_id.eq(g.person_id),
                al::kind.eq(gap.id()),
                al::age.eq(i64::from(g.age)),
                al::raised_at.eq(now),
                al::raised_on.eq(dates::iso(today)),
                al::raised_by.eq(actor.name.clone()),
            ));
            timeline.push((
                g.person_id,
                "care.alert.raised",
                format!("监护缺失预警:{}", gap.label().zh),
            ));
        }
    }
    for chunk in children.chunks(1000) {
        crate::each_backend!(conn, c => diesel::insert_into(gs::table).values(chunk).execute(c))?;
    }
    for chunk in guardians.chunks(2000) {
        crate::each_backend!(conn, c => diesel::insert_into(gd::table).values(chunk).execute(c))?;
    }
    for chunk in alerts.chunks(2000) {
        crate::each_backend!(conn, c => diesel::insert_into(al::table).values(chunk).execute(c))?;
    }
    let rows: Vec<_> = timeline
        .into_iter()
        .map(|(pid, kind, summary)| {
            (
                person_timeline::person_id.eq(pid),
                person_timeline::at.eq(now),
                person_timeline::kind.eq(kind),
                person_timeline::summary.eq(summary),
                person_timeline::actor.eq(actor.name.clone()),
            )
        })
        .collect();
    for chunk in rows.chunks(3000) {
        crate::each_backend!(conn, c => diesel::insert_into(person_timeline::table).values(chunk).execute(c))?;
    }
    Ok(())
}
