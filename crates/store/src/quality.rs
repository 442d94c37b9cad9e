//! Quality reviews (7.5.2.2, 10.5; docs/decisions/0020): a sample of closed cases drawn with a
//! recorded seed, each scored on a versioned checklist (`domain::quality`), the findings, and the
//! improvement actions tracked to done. Case data is read through `store::cases` only.
//!
//! A review belongs to the org node it was drawn from; every read filters by the reader's scope.
//! State changes are conditional updates inside the write transaction, so a second completion or
//! a second "done" is a conflict (409), never an overwrite.

use crate::audit::{self, Actor, Event};
use crate::cases::{self as case_store, Kind};
use crate::db::{DbConn, MultiBackend};
use crate::error::{OptionalExt, StoreError, StoreResult};
use crate::keys::Keys;
use crate::persons::Viewer;
use crate::query::{Listing, Page};
use crate::schema::{
    quality_actions as qa, quality_review_cases as qc, quality_reviews as qr, users,
};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use shegong_domain::case::Stage;
use shegong_domain::case::evaluation::EvaluationInput;
use shegong_domain::case::intake::IntakeInput;
use shegong_domain::org::OrgCode;
use shegong_domain::quality::{self, Evidence, ImprovementAction, SampleSize, Scored};
use shegong_domain::scope::Scope;
use shegong_domain::{Invalid, Msg, dates};
use time::Date;

// ------------------------------------------------------------------------------------ population

/// The closed cases the viewer may see that were closed in `[from, to]`: the population a sample
/// is drawn from. Listed through `store::cases` (its scope and classification rules), then their
/// closing dates read from the case rows.
pub fn closed_cases(conn: &mut DbConn, v: &Viewer, from: Date, to: Date) -> StoreResult<Vec<i64>> {
    let filter = case_store::Filter {
        stage: Some(Stage::Closed),
        ..Default::default()
    };
    let mut ids = Vec::new();
    for page in 1.. {
        let l = case_store::list(
            conn,
            v,
            &filter,
            Page::new(Some(page), Some(Page::MAX_PER_PAGE)),
        )?;
        let n = l.items.len() as i64;
        ids.extend(l.items.into_iter().map(|c| c.id));
        if n < Page::MAX_PER_PAGE {
            break;
        }
    }
    let (from, to) = (dates::iso(from), dates::iso(to));
    let mut closed = Vec::new();
    for chunk in ids.chunks(500) {
        closed.extend(
            case_store::cases::table
                .filter(case_store::cases::id.eq_any(chunk))
                .filter(case_store::cases::on_date.ge(&from))
                .filter(case_store::cases::on_date.le(&to))
                .select(case_store::cases::id)
                .load::<i64>(conn)?,
        );
    }
    Ok(closed)
}

/// What a case's records show (for the scores the system suggests) and the satisfaction its
/// evaluation recorded (10.5).
pub fn evidence(conn: &mut DbConn, case_id: i64) -> StoreResult<(Evidence, Option<&'static str>)> {
    let rows = case_store::records(conn, case_id)?;
    let on_file = case_store::on_file(conn, case_id, &rows)?;
    let intake: Option<IntakeInput> = case_store::record(&rows, Kind::Intake)?;
    let eval: Option<EvaluationInput> = case_store::record(&rows, Kind::Evaluation)?;
    let e = Evidence {
        intake_complete: on_file.intake_complete,
        needs: on_file.assessment,
        plan: on_file.plan,
        services: rows.iter().filter(|r| r.kind == Kind::Service.id()).count(),
        evaluation: on_file.evaluation,
        closing: on_file.closing,
        consent: intake.is_some_and(|i| i.consent),
    };
    Ok((e, eval.and_then(|e| quality::satisfaction(&e.satisfaction))))
}

// ------------------------------------------------------------------------------------ reviews

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = qr)]
pub struct ReviewRow {
    pub id: i64,
    pub org_code: String,
    pub period_from: String,
    pub period_to: String,
    pub size_kind: String,
    pub size_value: i64,
    /// Decimal text of the u64 seed.
    pub seed: String,
    pub population: i64,
    pub checklist_version: i64,
    pub reviewed_on: String,
    pub findings: Option<String>,
    pub completed_at: Option<i64>,
    pub created_by: i64,
    pub created_at: i64,
}

impl ReviewRow {
    pub fn completed(&self) -> bool {
        self.completed_at.is_some()
    }

    pub fn reviewed(&self) -> Date {
        dates::parse(&self.reviewed_on).unwrap_or(Date::MIN)
    }

    pub fn size(&self) -> SampleSize {
        if self.size_kind == "percent" {
            SampleSize::Percent(self.size_value as u32)
        } else {
            SampleSize::Count(self.size_value as u32)
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = qc)]
pub struct CaseScore {
    pub case_id: i64,
    pub position: i64,
    /// JSON [[item code, score], ...].
    pub scores: Option<String>,
    pub total: Option<i64>,
    pub max_total: Option<i64>,
    pub note: String,
}

impl CaseScore {
    pub fn items(&self) -> Vec<(String, i64)> {
        self.scores
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = qa)]
pub struct ActionRow {
    pub id: i64,
    pub review_id: i64,
    pub org_code: String,
    pub description: String,
    pub owner_id: i64,
    pub due_on: String,
    pub done_on: Option<String>,
    pub done_note: Option<String>,
    pub created_at: i64,
}

/// An action with its owner's name.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    #[serde(flatten)]
    pub row: ActionRow,
    pub owner_name: String,
}

/// A review with its cases (in the order drawn) and actions.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub review: ReviewRow,
    pub cases: Vec<CaseScore>,
    pub actions: Vec<Action>,
}

impl Review {
    pub fn scored(&self) -> usize {
        self.cases.iter().filter(|c| c.scores.is_some()).count()
    }
}

/// A review to record, with the cases drawn.
pub struct NewReview<'a> {
    pub org_code: &'a str,
    pub from: Date,
    pub to: Date,
    pub size: SampleSize,
    pub seed: u64,
    pub population: usize,
    pub reviewed_on: Date,
    pub drawn: &'a [i64],
}

pub fn create(
    conn: &mut DbConn,
    keys: &Keys,
    n: &NewReview,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    let (kind, value) = match n.size {
        SampleSize::Count(c) => ("count", c),
        SampleSize::Percent(p) => ("percent", p),
    };
    let version = quality::latest().version;
    let id = diesel::insert_into(qr::table)
        .values((
            qr::org_code.eq(n.org_code),
            qr::period_from.eq(dates::iso(n.from)),
            qr::period_to.eq(dates::iso(n.to)),
            qr::size_kind.eq(kind),
            qr::size_value.eq(i64::from(value)),
            qr::seed.eq(n.seed.to_string()),
            qr::population.eq(n.population as i64),
            qr::checklist_version.eq(i64::from(version)),
            qr::reviewed_on.eq(dates::iso(n.reviewed_on)),
            qr::created_by.eq(actor.user_id.unwrap_or_default()),
            qr::created_at.eq(now),
        ))
        .returning(qr::id)
        .get_result::<i64>(conn)?;
    for (i, case_id) in n.drawn.iter().enumerate() {
        diesel::insert_into(qc::table)
            .values((
                qc::review_id.eq(id),
                qc::case_id.eq(case_id),
                qc::position.eq(i as i64 + 1),
            ))
            .execute(conn)?;
    }
    audit::append(
        conn,
        keys,
        &Event::new(actor, "quality_review.create", "quality_review", id)
            .org(n.org_code)
            .detail(json!({
                "seed": n.seed.to_string(),
                "population": n.population,
                "size": {kind: value},
                "cases": n.drawn,
                "checklist_version": version,
            })),
    )?;
    Ok(id)
}

/// The reviews of the scope, newest first.
pub fn list(conn: &mut DbConn, scope: &Scope, page: Page) -> StoreResult<Listing<ReviewRow>> {
    let build = || {
        qr::table
            .into_boxed::<MultiBackend>()
            .filter(crate::scope_filter!(qr::org_code, scope))
    };
    let total: i64 = build().count().get_result(conn)?;
    let items = build()
        .order((qr::created_at.desc(), qr::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select(ReviewRow::as_select())
        .load(conn)?;
    Ok(Listing { items, total })
}

fn named_actions(conn: &mut DbConn, rows: Vec<ActionRow>) -> StoreResult<Vec<Action>> {
    let owners: Vec<i64> = rows.iter().map(|a| a.owner_id).collect();
    let names: Vec<(i64, String)> = users::table
        .filter(users::id.eq_any(owners))
        .select((users::id, users::display_name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| Action {
            owner_name: names
                .iter()
                .find(|n| n.0 == row.owner_id)
                .map(|n| n.1.clone())
                .unwrap_or_default(),
            row,
        })
        .collect())
}

/// A review of the scope with its cases and actions (404 otherwise).
pub fn get(conn: &mut DbConn, scope: &Scope, id: i64) -> StoreResult<Review> {
    let review = qr::table
        .into_boxed::<MultiBackend>()
        .filter(crate::scope_filter!(qr::org_code, scope))
        .filter(qr::id.eq(id))
        .select(ReviewRow::as_select())
        .first(conn)
        .found()?;
    let cases = qc::table
        .filter(qc::review_id.eq(id))
        .order(qc::position)
        .select(CaseScore::as_select())
        .load(conn)?;
    let rows = qa::table
        .filter(qa::review_id.eq(id))
        .order((qa::due_on, qa::id))
        .select(ActionRow::as_select())
        .load(conn)?;
    Ok(Review {
        review,
        cases,
        actions: named_actions(conn, rows)?,
    })
}

/// Keeps a case's scores (rescoring is allowed until the review is completed).
#[allow(clippy::too_many_arguments)]
pub fn score(
    conn: &mut DbConn,
    keys: &Keys,
    r: &ReviewRow,
    case_id: i64,
    s: &Scored,
    note: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    quality::may_score(completed_now(conn, r.id)?).map_err(StoreError::Conflict)?;
    let body = serde_json::to_string(&s.items).map_err(|e| StoreError::Other(e.to_string()))?;
    let n = diesel::update(
        qc::table
            .filter(qc::review_id.eq(r.id))
            .filter(qc::case_id.eq(case_id)),
    )
    .set((
        qc::scores.eq(body),
        qc::total.eq(i64::from(s.total)),
        qc::max_total.eq(i64::from(s.max)),
        qc::note.eq(note),
        qc::scored_by.eq(actor.user_id),
        qc::scored_at.eq(now),
    ))
    .execute(conn)?;
    if n != 1 {
        return Err(StoreError::NotFound);
    }
    audit::append(
        conn,
        keys,
        &Event::new(actor, "quality_review.score", "quality_review", r.id)
            .org(r.org_code.clone())
            .detail(json!({"case_id": case_id, "total": s.total, "max": s.max})),
    )?;
    Ok(())
}

fn completed_now(conn: &mut DbConn, id: i64) -> StoreResult<bool> {
    Ok(qr::table
        .find(id)
        .select(qr::completed_at)
        .first::<Option<i64>>(conn)?
        .is_some())
}

/// Completes a review with its findings: once, and only when every case drawn is scored (409).
pub fn complete(
    conn: &mut DbConn,
    keys: &Keys,
    r: &ReviewRow,
    findings: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    let drawn: i64 = qc::table
        .filter(qc::review_id.eq(r.id))
        .count()
        .get_result(conn)?;
    let scored: i64 = qc::table
        .filter(qc::review_id.eq(r.id))
        .filter(qc::scores.is_not_null())
        .count()
        .get_result(conn)?;
    quality::may_complete(completed_now(conn, r.id)?, scored as usize, drawn as usize)
        .map_err(StoreError::Conflict)?;
    diesel::update(qr::table.find(r.id).filter(qr::completed_at.is_null()))
        .set((qr::findings.eq(findings), qr::completed_at.eq(now)))
        .execute(conn)?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, "quality_review.complete", "quality_review", r.id)
            .org(r.org_code.clone()),
    )?;
    Ok(())
}

// ------------------------------------------------------------------------------------ actions

/// Adds an improvement action; its owner must be an account of the review's org (422 otherwise).
pub fn add_action(
    conn: &mut DbConn,
    keys: &Keys,
    r: &ReviewRow,
    a: &ImprovementAction,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    let owner_org: Option<String> = users::table
        .find(a.owner)
        .select(users::org_code)
        .first(conn)
        .optional()?;
    let in_org = match (owner_org, OrgCode::parse(&r.org_code)) {
        (Some(o), Ok(root)) => Scope::new(vec![root]).contains(&o),
        _ => false,
    };
    if !in_org {
        return Err(StoreError::Invalid(Invalid::one(
            "owner",
            Msg::new(
                "负责人须是本次检查范围内的账号",
                "the owner must be an account of the reviewed org",
            ),
        )));
    }
    let id = diesel::insert_into(qa::table)
        .values((
            qa::review_id.eq(r.id),
            qa::org_code.eq(&r.org_code),
            qa::description.eq(&a.description),
            qa::owner_id.eq(a.owner),
            qa::due_on.eq(dates::iso(a.due_on)),
            qa::created_by.eq(actor.user_id.unwrap_or_default()),
            qa::created_at.eq(now),
        ))
        .returning(qa::id)
        .get_result::<i64>(conn)?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, "quality_action.create", "quality_action", id)
            .org(r.org_code.clone())
            .detail(json!({"review_id": r.id, "owner": a.owner, "due_on": dates::iso(a.due_on)})),
    )?;
    Ok(id)
}

/// An action of the viewer's scope or owned by the viewer (an owner at a station owns actions of
/// a county's review), 404 otherwise.
pub fn action(conn: &mut DbConn, v: &Viewer, id: i64) -> StoreResult<ActionRow> {
    qa::table
        .into_boxed::<MultiBackend>()
        .filter(crate::scope_filter!(qa::org_code, &v.scope).or(qa::owner_id.eq(v.user_id)))
        .filter(qa::id.eq(id))
        .select(ActionRow::as_select())
        .first(conn)
        .found()
}

/// Marks an action done on `on` with a note, once (409 when already done).
pub fn finish_action(
    conn: &mut DbConn,
    keys: &Keys,
    a: &ActionRow,
    on: Date,
    note: &str,
    actor: &Actor,
) -> StoreResult<()> {
    let n = diesel::update(qa::table.find(a.id).filter(qa::done_on.is_null()))
        .set((qa::done_on.eq(dates::iso(on)), qa::done_note.eq(note)))
        .execute(conn)?;
    if n != 1 {
        return Err(StoreError::Conflict(Msg::new(
            "整改措施已完成",
            "the action is already done",
        )));
    }
    audit::append(
        conn,
        keys,
        &Event::new(actor, "quality_action.done", "quality_action", a.id).org(a.org_code.clone()),
    )?;
    Ok(())
}

/// The open improvement actions `user_id` owns, due by `by` (overdue included), earliest first:
/// for the work list. Owning one is what entitles the owner to see it, whatever org the review
/// was drawn at.
pub fn actions_due(conn: &mut DbConn, user_id: i64, by: Date) -> StoreResult<Vec<ActionRow>> {
    Ok(qa::table
        .filter(qa::owner_id.eq(user_id))
        .filter(qa::done_on.is_null())
        .filter(qa::due_on.le(dates::iso(by)))
        .order((qa::due_on, qa::id))
        .select(ActionRow::as_select())
        .load(conn)?)
}

/// The open actions of the scope, earliest due first (the review list shows the overdue ones).
pub fn open_actions(conn: &mut DbConn, scope: &Scope) -> StoreResult<Vec<Action>> {
    let rows = qa::table
        .into_boxed::<MultiBackend>()
        .filter(crate::scope_filter!(qa::org_code, scope))
        .filter(qa::done_on.is_null())
        .order((qa::due_on, qa::id))
        .limit(Page::MAX_PER_PAGE)
        .select(ActionRow::as_select())
        .load(conn)?;
    named_actions(conn, rows)
}
