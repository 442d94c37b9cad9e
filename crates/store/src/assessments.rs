//! Standard assessments scored by the system (issue 4 point 4): 特困人员生活自理能力 (8.1.1.3),
//! Barthel (8.2.3.1), LSNS-6 (8.2.6.1), the child safety check (8.3.4.2) and the screening note
//! (8.2.5.1, 8.3.3.1). A row keeps what `domain::assessment::validate` made of the answers — the
//! definition's code and version, the score and the band's code — so a later definition or band
//! change never rewrites a past result.
//!
//! Every query joins the person and keeps to the viewer's scope and classification, so an
//! assessment of a person the viewer may not open is not found and never listed.

use crate::audit::Actor;
use crate::care::visible;
use crate::db::{DbConn, MultiBackend};
use crate::error::StoreResult;
use crate::persons::{self, Viewer};
use crate::query::{Listing, Page};
use crate::schema::{person_assignments, persons as persons_t};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use shegong_domain::assessment::{self, Assessment};
use shegong_domain::{Msg, dates};

pub use shegong_domain::dates::Due as DueFilter;

/// A re-assessment due within this many days is listed as coming up.
pub const DUE_SOON_DAYS: i64 = 30;

diesel::table! {
    assessments (id) {
        id -> BigInt,
        person_id -> BigInt,
        case_id -> Nullable<BigInt>,
        code -> Text,
        version -> BigInt,
        assessed_on -> Text,
        answers -> Text,
        score -> BigInt,
        band -> Text,
        band_zh -> Nullable<Text>,
        band_en -> Nullable<Text>,
        assessors -> Text,
        notes -> Text,
        referral_to -> Nullable<Text>,
        supports -> Text,
        next_due -> Nullable<Text>,
        recorded_by -> Nullable<BigInt>,
        recorded_by_name -> Text,
        created_at -> BigInt,
    }
}

diesel::joinable!(assessments -> persons_t (person_id));
diesel::allow_tables_to_appear_in_same_query!(assessments, persons_t);
diesel::allow_tables_to_appear_in_same_query!(assessments, person_assignments);

// A later assessment of the same person with the same instrument (the due list keeps the last).
diesel::alias!(assessments as later: Later);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = assessments)]
struct Raw {
    id: i64,
    person_id: i64,
    case_id: Option<i64>,
    code: String,
    version: i64,
    assessed_on: String,
    answers: String,
    score: i64,
    band: String,
    band_zh: Option<String>,
    band_en: Option<String>,
    assessors: String,
    notes: String,
    referral_to: Option<String>,
    supports: String,
    next_due: Option<String>,
    recorded_by_name: String,
    created_at: i64,
}

/// One answer as kept: the item, the answer chosen and its points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub item: String,
    pub answer: String,
    pub points: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportRow {
    pub kind: String,
    pub source: String,
    pub what: String,
}

/// A stored assessment.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub id: i64,
    pub person_id: i64,
    pub case_id: Option<i64>,
    pub code: String,
    pub version: i64,
    pub assessed_on: String,
    pub answers: Vec<Answer>,
    pub score: i64,
    pub band: String,
    /// The band's wording when it was given (kept since migration 000012; older rows read it
    /// from their definition).
    pub band_label: Option<Msg>,
    pub assessors: Vec<String>,
    pub notes: String,
    pub referral_to: Option<String>,
    pub supports: Vec<SupportRow>,
    pub next_due: Option<String>,
    pub recorded_by: String,
    pub created_at: i64,
}

impl Raw {
    /// The JSON columns are written only by [`record`]; an unreadable one shows as empty rather
    /// than hiding the score and band, which have columns of their own.
    fn into_record(self) -> Record {
        Record {
            id: self.id,
            person_id: self.person_id,
            case_id: self.case_id,
            code: self.code,
            version: self.version,
            assessed_on: self.assessed_on,
            answers: serde_json::from_str(&self.answers).unwrap_or_default(),
            score: self.score,
            band: self.band,
            band_label: self
                .band_zh
                .zip(self.band_en)
                .map(|(zh, en)| Msg::owned(zh, en)),
            assessors: serde_json::from_str(&self.assessors).unwrap_or_default(),
            notes: self.notes,
            referral_to: self.referral_to,
            supports: serde_json::from_str(&self.supports).unwrap_or_default(),
            next_due: self.next_due,
            recorded_by: self.recorded_by_name,
            created_at: self.created_at,
        }
    }
}

impl Record {
    /// The definition the assessment was made with.
    pub fn definition(&self) -> Option<&'static assessment::Definition> {
        assessment::find(&self.code, u32::try_from(self.version).ok()?)
    }
}

/// Keeps a validated assessment of a person the caller opened for writing, with a timeline entry.
pub fn record(
    conn: &mut DbConn,
    person_id: i64,
    a: &Assessment,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    let answers: Vec<Answer> = a
        .scored
        .answers
        .iter()
        .map(|(item, answer, points)| Answer {
            item: item.clone(),
            answer: answer.clone(),
            points: *points,
        })
        .collect();
    let supports: Vec<SupportRow> = a
        .supports
        .iter()
        .map(|s| SupportRow {
            kind: s.kind.to_string(),
            source: s.source.clone(),
            what: s.what.clone(),
        })
        .collect();
    let on = dates::iso(a.assessed_on);
    let id = diesel::insert_into(assessments::table)
        .values((
            assessments::person_id.eq(person_id),
            assessments::code.eq(&a.code),
            assessments::version.eq(i64::from(a.version)),
            assessments::assessed_on.eq(&on),
            assessments::answers.eq(json(&answers)),
            assessments::score.eq(i64::from(a.scored.score)),
            assessments::band.eq(&a.band),
            assessments::band_zh.eq(a.band_label.zh.as_ref()),
            assessments::band_en.eq(a.band_label.en.as_ref()),
            assessments::assessors.eq(json(&a.assessors)),
            assessments::notes.eq(&a.notes),
            assessments::referral_to.eq(&a.referral_to),
            assessments::supports.eq(json(&supports)),
            assessments::next_due.eq(a.next_due.map(dates::iso)),
            assessments::recorded_by.eq(actor.user_id),
            assessments::recorded_by_name.eq(&actor.name),
            assessments::created_at.eq(now),
        ))
        .returning(assessments::id)
        .get_result::<i64>(conn)?;
    let name = assessment::find(&a.code, a.version).map_or(a.code.clone(), |d| d.name_zh.clone());
    let band = &a.band_label.zh;
    persons::add_timeline(
        conn,
        person_id,
        "assessment",
        Some(id),
        &format!("{name}:{} 分,{band}({on})", a.scored.score),
        actor,
        now,
    )?;
    Ok(id)
}

/// The plain vectors kept as JSON text (serialising them cannot fail).
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// A person's assessments, oldest first (the order of a chart), if the viewer may see the person.
pub fn of_person(conn: &mut DbConn, v: &Viewer, person_id: i64) -> StoreResult<Vec<Record>> {
    let q = visible!(
        assessments::table
            .inner_join(persons_t::table)
            .into_boxed::<MultiBackend>(),
        v
    );
    let raw = q
        .filter(assessments::person_id.eq(person_id))
        .order((assessments::assessed_on, assessments::id))
        .select(Raw::as_select())
        .load(conn)?;
    Ok(raw.into_iter().map(Raw::into_record).collect())
}

/// One line of the re-assessment list.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct DueRow {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub org_code: String,
    pub code: String,
    pub version: i64,
    pub assessed_on: String,
    pub score: i64,
    pub band: String,
    pub next_due: String,
}

/// People the viewer may see whose last assessment with an instrument that sets a re-assessment
/// interval (Barthel: 6 months, MZ/T 039) is due within [`DUE_SOON_DAYS`] or overdue, most
/// overdue first. Only the last assessment per person and instrument counts: a newer one
/// replaces the older's due date.
pub fn due(
    conn: &mut DbConn,
    v: &Viewer,
    which: DueFilter,
    today: time::Date,
    page: Page,
) -> StoreResult<Listing<DueRow>> {
    let today_s = dates::iso(today);
    let horizon = dates::iso(today + time::Duration::days(DUE_SOON_DAYS));
    let build = || {
        let newer = later
            .filter(
                later
                    .field(assessments::person_id)
                    .eq(assessments::person_id),
            )
            .filter(later.field(assessments::code).eq(assessments::code))
            .filter(
                later
                    .field(assessments::assessed_on)
                    .gt(assessments::assessed_on)
                    .or(later
                        .field(assessments::assessed_on)
                        .eq(assessments::assessed_on)
                        .and(later.field(assessments::id).gt(assessments::id))),
            )
            .select(later.field(assessments::id));
        let q = visible!(
            assessments::table
                .inner_join(persons_t::table)
                .into_boxed::<MultiBackend>(),
            v
        )
        .filter(persons_t::merged_into.is_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(newer)));
        match which {
            DueFilter::Overdue => q.filter(assessments::next_due.lt(today_s.clone())),
            DueFilter::Soon => q
                .filter(assessments::next_due.ge(today_s.clone()))
                .filter(assessments::next_due.le(horizon.clone())),
            DueFilter::All => q.filter(assessments::next_due.le(horizon.clone())),
        }
    };
    let total: i64 = build().count().get_result(conn)?;
    let items = build()
        .order((assessments::next_due, assessments::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            assessments::id,
            persons_t::id,
            persons_t::name,
            persons_t::org_code,
            assessments::code,
            assessments::version,
            assessments::assessed_on,
            assessments::score,
            assessments::band,
            assessments::next_due.assume_not_null(),
        ))
        .load::<DueRow>(conn)?;
    Ok(Listing { items, total })
}

/// Moves a merged record's assessments to the record kept (`duplicates::merge`).
pub fn move_records(conn: &mut DbConn, from: i64, to: i64) -> StoreResult<()> {
    diesel::update(assessments::table.filter(assessments::person_id.eq(from)))
        .set(assessments::person_id.eq(to))
        .execute(conn)?;
    Ok(())
}
