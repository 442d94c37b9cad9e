//! Quality reviews (服务质量检查, 7.5.2.2 and 10.5; docs/decisions/0020), shared by the pages and
//! the API. A reviewer (the policy's `ReviewQuality`: station head, purchaser, operator admin)
//! draws a random sample of the closed cases they may see in an org of their scope, with a seed
//! recorded so the draw can be repeated and audited; scores each case on the versioned checklist
//! of `domain::quality` (the system sums and grades, and suggests what the file proves); writes
//! the findings; and tracks improvement actions to done. The owner of an action marks it done too.
//! A reviewer never sees who the person served is: a sampled case shows its id, its evidence and
//! the satisfaction the evaluation recorded (10.5).

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::state::AppState;
use shegong_domain::org::OrgCode;
use shegong_domain::policy::{Action, Target, role_may};
use shegong_domain::quality::{self, ActionInput, Evidence, Refused, ReviewInput};
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use shegong_domain::{Msg, clock, dates};
use shegong_store::persons::Viewer;
use shegong_store::quality::{self as store, ActionRow, NewReview, Review};
use shegong_store::query::{Listing, Page};

/// The scope a reviewer works in (403 for roles that do not review).
pub fn reviewer(info: &AuthInfo) -> Result<Scope, AppError> {
    if role_may(info.user.role(), Action::ReviewQuality) {
        Ok(info.principal.scope.clone())
    } else {
        Err(AppError::forbidden())
    }
}

/// Draws and records a sample; answers the review's id.
pub async fn draw(st: &AppState, info: &AuthInfo, input: ReviewInput) -> Result<i64, AppError> {
    reviewer(info)?;
    let r = quality::validate_review(&input, dates::today())?;
    let org = input
        .org_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(&info.user.org_code)
        .to_string();
    let code = OrgCode::parse(&org).map_err(|m| AppError::invalid("org_code", m))?;
    info.check(Action::ReviewQuality, &Target::at(&org))?;
    // The reviewer's own org reaches all of their scope (an operator reaches its stations);
    // another node of their scope narrows it to that subtree.
    let scope = if org == info.user.org_code {
        info.principal.scope.clone()
    } else {
        Scope::new(vec![code])
    };
    let v = Viewer {
        user_id: info.user.id,
        scope,
        all_confidential: info.user.role() == Role::StationHead,
    };
    // 53 bits, so the seed stays exact in every JSON reader.
    let seed = input.seed.unwrap_or_else(|| rand::random::<u64>() >> 11);
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| {
        let population = store::closed_cases(c, &v, r.from, r.to)?;
        if population.is_empty() {
            return Err(shegong_store::StoreError::Invalid(
                shegong_domain::Invalid::one(
                    "from",
                    Msg::new(
                        "该期间没有可抽查的已结案个案",
                        "no closed cases to sample in this period",
                    ),
                ),
            ));
        }
        let drawn = quality::draw(&population, r.size, seed);
        store::create(
            c,
            &keys,
            &NewReview {
                org_code: &org,
                from: r.from,
                to: r.to,
                size: r.size,
                seed,
                population: population.len(),
                reviewed_on: dates::today(),
                drawn: &drawn,
            },
            &actor,
            clock::now(),
        )
    })
    .await
}

pub async fn list(
    st: &AppState,
    info: &AuthInfo,
    page: Page,
) -> Result<(Listing<store::ReviewRow>, Vec<store::Action>), AppError> {
    let scope = reviewer(info)?;
    st.read(move |c| {
        Ok((
            store::list(c, &scope, page)?,
            store::open_actions(c, &scope)?,
        ))
    })
    .await
}

/// A sampled case as the review shows it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub score: store::CaseScore,
    pub evidence: Evidence,
    /// The satisfaction code the evaluation recorded (10.5).
    pub satisfaction: Option<&'static str>,
}

/// A review with its cases' evidence.
pub struct Loaded {
    pub review: Review,
    pub cases: Vec<CaseView>,
}

impl Loaded {
    pub fn checklist(&self) -> &'static quality::Checklist {
        quality::checklist(self.review.review.checklist_version as u32)
            .unwrap_or_else(quality::latest)
    }

    /// The satisfaction of the sampled cases: counts per level and the share satisfied.
    pub fn satisfaction(&self) -> (Vec<(&'static str, usize)>, Option<u32>) {
        let codes: Vec<&str> = self.cases.iter().filter_map(|c| c.satisfaction).collect();
        quality::satisfaction_summary(&codes)
    }

    /// The mean score of the cases scored, in per cent.
    pub fn mean_percent(&self) -> Option<u32> {
        let scored: Vec<u32> = self
            .cases
            .iter()
            .filter_map(|c| {
                Some(quality::percent(
                    c.score.total? as u32,
                    c.score.max_total? as u32,
                ))
            })
            .collect();
        (!scored.is_empty()).then(|| scored.iter().sum::<u32>() / scored.len() as u32)
    }
}

pub async fn load(st: &AppState, info: &AuthInfo, id: i64) -> Result<Loaded, AppError> {
    let scope = reviewer(info)?;
    st.read(move |c| {
        let review = store::get(c, &scope, id)?;
        let mut cases = Vec::new();
        for s in &review.cases {
            let (evidence, satisfaction) = store::evidence(c, s.case_id)?;
            cases.push(CaseView {
                score: s.clone(),
                evidence,
                satisfaction,
            });
        }
        Ok(Loaded { review, cases })
    })
    .await
}

/// A review to change: in scope (404) and the user reviews there (403).
async fn for_change(st: &AppState, info: &AuthInfo, id: i64) -> Result<Review, AppError> {
    let scope = reviewer(info)?;
    let r = st.read(move |c| store::get(c, &scope, id)).await?;
    info.check(Action::ReviewQuality, &Target::at(&r.review.org_code))?;
    Ok(r)
}

/// Scores a sampled case (422 for a bad score, 409 once the review is completed, 404 for a case
/// not in the sample).
pub async fn score(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    case_id: i64,
    scores: Vec<(String, i64)>,
    note: &str,
) -> Result<(), AppError> {
    let r = for_change(st, info, id).await?;
    quality::may_score(r.review.completed()).map_err(AppError::Conflict)?;
    if !r.cases.iter().any(|c| c.case_id == case_id) {
        return Err(AppError::NotFound);
    }
    let list =
        quality::checklist(r.review.checklist_version as u32).unwrap_or_else(quality::latest);
    let scored = quality::score(list, &scores)?;
    let note = shegong_domain::text::notes(note, 1000).map_err(|m| AppError::invalid("note", m))?;
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| {
        store::score(
            c,
            &keys,
            &r.review,
            case_id,
            &scored,
            &note,
            &actor,
            clock::now(),
        )
    })
    .await
}

/// Completes a review with its findings (422 without, 409 when cases are unscored or done).
pub async fn complete(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    findings: &str,
) -> Result<(), AppError> {
    let r = for_change(st, info, id).await?;
    quality::may_complete(r.review.completed(), r.scored(), r.cases.len())
        .map_err(AppError::Conflict)?;
    let f = quality::findings(findings)?;
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| store::complete(c, &keys, &r.review, &f, &actor, clock::now()))
        .await
}

/// Adds an improvement action (422: empty, due before the review, owner outside its org).
pub async fn add_action(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    input: ActionInput,
) -> Result<i64, AppError> {
    let r = for_change(st, info, id).await?;
    let a = quality::validate_action(&input, r.review.reviewed())?;
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| store::add_action(c, &keys, &r.review, &a, &actor, clock::now()))
        .await
}

fn viewer(info: &AuthInfo) -> Viewer {
    Viewer {
        user_id: info.user.id,
        scope: info.principal.scope.clone(),
        all_confidential: false,
    }
}

/// Marks an action done with a note: its owner, or a reviewer of its org (403 otherwise; 409
/// when done already; 422 without a note).
pub async fn finish_action(
    st: &AppState,
    info: &AuthInfo,
    aid: i64,
    note: &str,
) -> Result<ActionRow, AppError> {
    let v = viewer(info);
    let a = st.read(move |c| store::action(c, &v, aid)).await?;
    if a.owner_id != info.user.id {
        info.check(Action::ReviewQuality, &Target::at(&a.org_code))?;
    }
    let note = quality::finish_action(a.done_on.as_deref(), note).map_err(|r| match r {
        Refused::Invalid(i) => AppError::Invalid(i),
        Refused::State(m) => AppError::Conflict(m),
    })?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let kept = a.clone();
    st.write(move |c| store::finish_action(c, &keys, &kept, dates::today(), &note, &actor))
        .await?;
    let v = viewer(info);
    st.read(move |c| store::action(c, &v, aid)).await
}

/// The open actions the user owns that are due within `days` (overdue included).
pub async fn my_actions(
    st: &AppState,
    info: &AuthInfo,
    days: i64,
) -> Result<Vec<ActionRow>, AppError> {
    let uid = info.user.id;
    let by = dates::today() + time::Duration::days(days);
    st.read(move |c| store::actions_due(c, uid, by)).await
}

/// Whether an action is past its due date and still open.
pub fn overdue(a: &ActionRow) -> bool {
    quality::overdue(&a.due_on, a.done_on.is_some(), dates::today())
}
