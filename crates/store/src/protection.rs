//! Child protection on a case (8.3.4.1, R-8.3.4; decision 0019): findings of harm and the report
//! to the police. Recording a finding makes the case 机密 in the same transaction; a finding
//! recorded without its report is raised at once (notifications to the station head and the
//! county purchaser) and stays "unfinished" until the report is completed.

use crate::audit::{self, Actor, Event};
use crate::cases::{CaseRow, case_workers, cases};
use crate::db::{DbConn, MultiBackend};
use crate::error::{StoreError, StoreResult};
use crate::keys::Keys;
use crate::notifications;
use crate::persons;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use shegong_domain::Msg;
use shegong_domain::case::protection::{Harm, PoliceReport, ReportStatus};
use shegong_domain::policy::Sensitivity;
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;

diesel::table! {
    case_protection (id) {
        id -> BigInt,
        case_id -> BigInt,
        org_code -> Text,
        finding -> Text,
        harms -> Text,
        found_at -> BigInt,
        description -> Text,
        reported_at -> Nullable<BigInt>,
        police_unit -> Nullable<Text>,
        officer -> Nullable<Text>,
        method -> Nullable<Text>,
        recorded_by -> BigInt,
        created_at -> BigInt,
        report_recorded_by -> Nullable<BigInt>,
        report_recorded_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(case_protection -> cases (case_id));
diesel::allow_tables_to_appear_in_same_query!(case_protection, cases);
diesel::allow_tables_to_appear_in_same_query!(case_protection, case_workers);

/// One finding as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = case_protection)]
pub struct ProtectionRow {
    pub id: i64,
    pub case_id: i64,
    pub finding: String,
    /// Ids of `protection::HARMS` joined by `,`.
    pub harms: String,
    pub found_at: i64,
    pub description: String,
    pub reported_at: Option<i64>,
    pub police_unit: Option<String>,
    pub officer: Option<String>,
    pub method: Option<String>,
    pub recorded_by: i64,
    pub created_at: i64,
    pub report_recorded_at: Option<i64>,
}

impl ProtectionRow {
    pub fn unfinished(&self) -> bool {
        self.reported_at.is_none()
    }

    pub fn harm_ids(&self) -> Vec<&str> {
        self.harms.split(',').filter(|h| !h.is_empty()).collect()
    }
}

/// Records a finding on `c`, makes the case 机密 and, when the report to the police is not
/// recorded with it, tells the station head(s) and the county purchaser(s) at once — all in
/// the caller's transaction.
pub fn record(
    conn: &mut DbConn,
    keys: &Keys,
    c: &CaseRow,
    harm: &Harm,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    let (reported_at, unit, officer, method) = match &harm.report {
        ReportStatus::Reported(r) => (
            Some(r.reported_at),
            Some(r.unit.as_str()),
            Some(r.officer.as_str()),
            Some(r.method),
        ),
        ReportStatus::Unfinished => (None, None, None, None),
    };
    let id = diesel::insert_into(case_protection::table)
        .values((
            case_protection::case_id.eq(c.id),
            case_protection::org_code.eq(&c.org_code),
            case_protection::finding.eq(harm.finding),
            case_protection::harms.eq(harm.harms.join(",")),
            case_protection::found_at.eq(harm.found_at),
            case_protection::description.eq(&harm.description),
            case_protection::reported_at.eq(reported_at),
            case_protection::police_unit.eq(unit),
            case_protection::officer.eq(officer),
            case_protection::method.eq(method),
            case_protection::recorded_by.eq(actor.user_id.unwrap_or_default()),
            case_protection::created_at.eq(now),
            case_protection::report_recorded_by.eq(reported_at.and(actor.user_id)),
            case_protection::report_recorded_at.eq(reported_at.map(|_| now)),
        ))
        .returning(case_protection::id)
        .get_result::<i64>(conn)?;
    // 8.3.4.1 with 个人信息保护法 Art. 28: the case is confidential from now on, whatever it was.
    diesel::update(cases::table.find(c.id))
        .set((
            cases::sensitivity.eq(harm.sensitivity().id()),
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(now),
        ))
        .execute(conn)?;
    let unfinished = reported_at.is_none();
    let told = if unfinished {
        let to = notifications::protection_recipients(conn, &c.org_code)?;
        notifications::notify(conn, &to, notifications::UNFINISHED_REPORT, c.id, now)?;
        to
    } else {
        Vec::new()
    };
    persons::add_timeline(
        conn,
        c.person_id,
        "case.protection",
        Some(c.id),
        "儿童保护记录(8.3.4.1)",
        actor,
        now,
    )?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, "case.protection.create", "case", c.id)
            .org(c.org_code.clone())
            .detail(json!({
                "record_id": id,
                "finding": harm.finding,
                "reported": !unfinished,
                "sensitivity": Sensitivity::Confidential.id(),
                "notified": told,
            })),
    )?;
    Ok(id)
}

/// Completes the unfinished report `pid` of case `c`. Another case's record is not found; a
/// report already recorded is a conflict (it is not rewritten).
pub fn complete_report(
    conn: &mut DbConn,
    keys: &Keys,
    c: &CaseRow,
    pid: i64,
    r: &PoliceReport,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    let n = diesel::update(
        case_protection::table
            .find(pid)
            .filter(case_protection::case_id.eq(c.id))
            .filter(case_protection::reported_at.is_null()),
    )
    .set((
        case_protection::reported_at.eq(r.reported_at),
        case_protection::police_unit.eq(&r.unit),
        case_protection::officer.eq(&r.officer),
        case_protection::method.eq(r.method),
        case_protection::report_recorded_by.eq(actor.user_id),
        case_protection::report_recorded_at.eq(now),
    ))
    .execute(conn)?;
    if n != 1 {
        get(conn, c.id, pid)?;
        return Err(StoreError::Conflict(Msg::new(
            "该报警信息已录入",
            "this report to the police is already recorded",
        )));
    }
    persons::add_timeline(
        conn,
        c.person_id,
        "case.protection",
        Some(c.id),
        "补录报警信息(8.3.4.1)",
        actor,
        now,
    )?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, "case.protection.report", "case", c.id)
            .org(c.org_code.clone())
            .detail(json!({"record_id": pid, "method": r.method})),
    )?;
    Ok(())
}

/// The findings of a case, newest first.
pub fn of_case(conn: &mut DbConn, case_id: i64) -> StoreResult<Vec<ProtectionRow>> {
    Ok(case_protection::table
        .filter(case_protection::case_id.eq(case_id))
        .order(case_protection::id.desc())
        .select(ProtectionRow::as_select())
        .load(conn)?)
}

/// One finding of a case (404 when it is another case's).
pub fn get(conn: &mut DbConn, case_id: i64, pid: i64) -> StoreResult<ProtectionRow> {
    case_protection::table
        .find(pid)
        .filter(case_protection::case_id.eq(case_id))
        .select(ProtectionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// Whether a case has an unfinished report (it cannot be closed then, 8.3.4.1).
pub fn has_unfinished(conn: &mut DbConn, case_id: i64) -> StoreResult<bool> {
    let n: i64 = case_protection::table
        .filter(case_protection::case_id.eq(case_id))
        .filter(case_protection::reported_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Who looks for unfinished reports.
#[derive(Debug, Clone)]
pub struct Watcher {
    pub user_id: i64,
    pub role: Role,
    pub scope: Scope,
}

/// The unfinished reports `w` must see: on the cases a worker is on, and every one in
/// the scope of a station head or a purchaser. (case id, number unfinished), oldest case first.
/// One indexed query: it runs on every page.
pub fn unfinished_for(conn: &mut DbConn, w: &Watcher) -> StoreResult<Vec<(i64, i64)>> {
    let q = case_protection::table
        .filter(case_protection::reported_at.is_null())
        .filter(crate::scope_filter!(case_protection::org_code, &w.scope))
        .into_boxed::<MultiBackend>();
    let q = match w.role {
        Role::StationHead | Role::Purchaser => q,
        Role::SocialWorker => {
            let mine = case_workers::table
                .filter(case_workers::user_id.eq(w.user_id))
                .select(case_workers::case_id);
            let led = cases::table
                .filter(cases::lead_worker.eq(w.user_id))
                .select(cases::id);
            q.filter(
                case_protection::case_id
                    .eq_any(led)
                    .or(case_protection::case_id.eq_any(mine)),
            )
        }
        _ => return Ok(Vec::new()),
    };
    let ids: Vec<i64> = q
        .order(case_protection::case_id)
        .select(case_protection::case_id)
        .load(conn)?;
    let mut per_case: Vec<(i64, i64)> = Vec::new();
    for id in ids {
        match per_case.last_mut() {
            Some(last) if last.0 == id => last.1 += 1,
            _ => per_case.push((id, 1)),
        }
    }
    Ok(per_case)
}

/// The age of the case's person today, if the birth date is known (8.3.4 is for children).
pub fn age_of(conn: &mut DbConn, person_id: i64, today: time::Date) -> StoreResult<Option<i32>> {
    let birth: Option<String> = crate::schema::persons::table
        .find(person_id)
        .select(crate::schema::persons::birth_date)
        .first(conn)?;
    Ok(birth
        .and_then(|b| shegong_domain::dates::parse(&b).ok())
        .map(|b| shegong_domain::id_number::age_on(b, today)))
}

/// One unfinished report on the work list: no personal data (the purchaser sees it too).
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct UnfinishedRow {
    pub id: i64,
    pub case_id: i64,
    pub org_code: String,
    pub found_at: i64,
}

/// The unfinished reports [`unfinished_for`] counts, one line each, oldest first.
pub fn unfinished_list(conn: &mut DbConn, w: &Watcher) -> StoreResult<Vec<UnfinishedRow>> {
    let cases: Vec<i64> = unfinished_for(conn, w)?.into_iter().map(|u| u.0).collect();
    Ok(case_protection::table
        .filter(case_protection::reported_at.is_null())
        .filter(case_protection::case_id.eq_any(cases))
        .order((case_protection::found_at, case_protection::id))
        .select((
            case_protection::id,
            case_protection::case_id,
            case_protection::org_code,
            case_protection::found_at,
        ))
        .load(conn)?)
}
