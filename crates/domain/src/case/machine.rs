//! The case lifecycle (MZ/T 094 read with section 10): an explicit state machine.
//!
//! ```text
//! intake → assessment → planning ⇒ intervention → evaluation ⇒ closed
//!                        (⇒ = the station head's approval of a submission)
//! any open stage → referred | terminated;  closed | referred | terminated → (reopen) assessment
//! ```
//!
//! Every change goes through [`transition`]: `(state, event, facts) -> new state or a refusal`.
//! The state carries exactly what the rules need (who submitted what is waiting for approval, the
//! comments of a return, when and why the case ended), so a state the rules forbid — a closed case
//! without an approved closing, an approval by the plan's author — cannot be reached.

use super::Stage;
use crate::{Msg, text};
use serde::Serialize;
use time::Date;

/// Where a submission to the station head stands (the plan in planning, the closing in evaluation).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Review {
    /// Being written; nothing waits for the head.
    #[default]
    Drafting,
    /// Waiting for the head; the author may not approve it.
    Submitted { author: i64, on: Date },
    /// Sent back by the head with comments; the worker revises and submits again.
    Returned { by: i64, comments: String },
}

/// The state of a case. The store keeps it as a [`Row`] of columns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum State {
    #[default]
    Intake,
    Assessment,
    Planning {
        plan: Review,
    },
    Intervention,
    Evaluation {
        closing: Review,
    },
    /// Closed on the head's approval of the closing submitted by `author` (the reason, summary
    /// and follow-up plan are in the closing record).
    Closed {
        on: Date,
        author: i64,
        approved_by: i64,
    },
    Referred {
        on: Date,
        to: String,
    },
    Terminated {
        on: Date,
    },
}

impl State {
    pub fn stage(&self) -> Stage {
        match self {
            State::Intake => Stage::Intake,
            State::Assessment => Stage::Assessment,
            State::Planning { .. } => Stage::Planning,
            State::Intervention => Stage::Intervention,
            State::Evaluation { .. } => Stage::Evaluation,
            State::Closed { .. } => Stage::Closed,
            State::Referred { .. } => Stage::Referred,
            State::Terminated { .. } => Stage::Terminated,
        }
    }

    /// The submission waiting for the head, if any: (what, author).
    pub fn waiting(&self) -> Option<(Submission, i64)> {
        match self {
            State::Planning {
                plan: Review::Submitted { author, .. },
            } => Some((Submission::Plan, *author)),
            State::Evaluation {
                closing: Review::Submitted { author, .. },
            } => Some((Submission::Closing, *author)),
            _ => None,
        }
    }

    /// The head's comments on a returned submission (for the worker's work list).
    pub fn returned(&self) -> Option<(Submission, &str)> {
        match self {
            State::Planning {
                plan: Review::Returned { comments, .. },
            } => Some((Submission::Plan, comments)),
            State::Evaluation {
                closing: Review::Returned { comments, .. },
            } => Some((Submission::Closing, comments)),
            _ => None,
        }
    }

    /// The day the case ended (closed, referred or terminated).
    pub fn ended_on(&self) -> Option<Date> {
        match self {
            State::Closed { on, .. } | State::Referred { on, .. } | State::Terminated { on } => {
                Some(*on)
            }
            _ => None,
        }
    }

    fn enter(stage: Stage) -> State {
        match stage {
            Stage::Intake => State::Intake,
            Stage::Assessment => State::Assessment,
            Stage::Planning => State::Planning {
                plan: Review::Drafting,
            },
            Stage::Intervention => State::Intervention,
            // Only the open stages are entered this way; the ends carry their own data.
            _ => State::Evaluation {
                closing: Review::Drafting,
            },
        }
    }
}

/// What the station head approves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Submission {
    Plan,
    Closing,
}

impl Submission {
    pub fn label(self) -> Msg {
        match self {
            Submission::Plan => Msg::new("服务计划", "service plan"),
            Submission::Closing => Msg::new("结案申请", "closing"),
        }
    }
}

/// Something that happens to a case. Reasons and comments are checked here (required, one note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Intake accepted: the case moves to needs assessment.
    Accept,
    /// On to the next stage (assessment → planning, intervention → evaluation).
    Advance,
    /// Forward past one or more stages (e.g. straight to intervention in a crisis), with the reason.
    Skip {
        to: Stage,
        reason: String,
    },
    /// Back to assessment or planning (needs changed, plan revised); a revised plan is approved again.
    Revise {
        to: Stage,
        reason: String,
    },
    /// The plan (in planning) or the closing (in evaluation, with its reason) goes to the head.
    SubmitPlan,
    SubmitClosing,
    /// The submitter takes a submission back before the head decides.
    Withdraw,
    /// The head approves the waiting submission.
    Approve,
    /// The head sends it back with comments.
    Return {
        comments: String,
    },
    /// The case goes to another organisation (at intake: declined with a referral).
    Refer {
        to: String,
        reason: String,
    },
    /// The case ends early (the person moved away, died, cannot be reached).
    Terminate {
        reason: String,
    },
    /// A closed, referred or terminated case is worked on again, from needs assessment.
    Reopen {
        reason: String,
    },
}

impl Event {
    /// A stable name for the case history and the audit log.
    pub fn id(&self) -> &'static str {
        match self {
            Event::Accept => "accept",
            Event::Advance => "advance",
            Event::Skip { .. } => "skip",
            Event::Revise { .. } => "revise",
            Event::SubmitPlan => "submit_plan",
            Event::SubmitClosing => "submit_closing",
            Event::Withdraw => "withdraw",
            Event::Approve => "approve",
            Event::Return { .. } => "return",
            Event::Refer { .. } => "refer",
            Event::Terminate { .. } => "terminate",
            Event::Reopen { .. } => "reopen",
        }
    }
}

/// Who acts, as far as the case rules are concerned (the access policy has already allowed
/// `WriteRecord` on the case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    /// The station head of the case's station.
    pub head: bool,
    /// The case's lead worker or a co-worker.
    pub on_case: bool,
}

/// What the store knows about the case's records when the event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OnFile {
    /// The intake record shows consent (知情同意) and eligibility.
    pub intake_complete: bool,
    /// A needs assessment (10.1) is recorded.
    pub assessment: bool,
    /// The plan has at least one goal linked to a need (10.2).
    pub plan: bool,
    /// An evaluation (10.5) is recorded.
    pub evaluation: bool,
    /// A closing record (summary, follow-up plan) is written.
    pub closing: bool,
    /// Suspected or actual harm to a child was recorded without the report to the police (8.3.4.1).
    pub unfinished_police_report: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub actor: Actor,
    pub today: Date,
    pub on_file: OnFile,
}

/// Why an event was refused; the kind tells the web layer which status to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// This person may not do it (not the head, the submission's own author, not on the case): 403.
    NotAllowed(Msg),
    /// Not in this state (out of order, closed, waiting for approval): 409.
    WrongState(Msg),
    /// A reason, comment or record is missing or bad: 422.
    Incomplete { field: &'static str, message: Msg },
}

impl Refusal {
    pub fn message(&self) -> &Msg {
        match self {
            Refusal::NotAllowed(m) | Refusal::WrongState(m) => m,
            Refusal::Incomplete { message, .. } => message,
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message().zh)
    }
}

impl std::error::Error for Refusal {}

pub(super) fn wrong(zh: &'static str, en: &'static str) -> Refusal {
    Refusal::WrongState(Msg::new(zh, en))
}

fn incomplete(field: &'static str, zh: &'static str, en: &'static str) -> Refusal {
    Refusal::Incomplete {
        field,
        message: Msg::new(zh, en),
    }
}

/// A reason or comment: required, one multi-line note of at most 1000 characters.
fn reason(field: &'static str, value: &str) -> Result<String, Refusal> {
    let v = text::notes(value, 1000).map_err(|message| Refusal::Incomplete { field, message })?;
    if v.is_empty() {
        return Err(match field {
            "comments" => incomplete("comments", "退回时须写明意见", "a return needs comments"),
            _ => incomplete(field, "须写明原因", "give the reason"),
        });
    }
    Ok(v)
}

/// The history line of an accepted event: what was decided, with the reason it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub from: Stage,
    pub to: Stage,
    pub event: &'static str,
    pub note: Option<String>,
}

/// Applies `event` to a case in `state`. Nothing is changed on a refusal: the caller keeps the old
/// state.
pub fn transition(state: &State, event: &Event, facts: &Facts) -> Result<(State, Step), Refusal> {
    let actor = facts.actor;
    let approving = matches!(event, Event::Approve | Event::Return { .. });
    if approving {
        if !actor.head {
            return Err(Refusal::NotAllowed(Msg::new(
                "只有站长可以审批",
                "only the station head approves",
            )));
        }
    } else if !(actor.on_case || actor.head) {
        return Err(Refusal::NotAllowed(Msg::new(
            "只有本个案的社工或站长可以办理",
            "only the case's workers or the station head may do this",
        )));
    }
    let mut note = None;
    let next = match (state, event) {
        (_, Event::Reopen { reason: r }) => {
            if state.stage().is_open() {
                return Err(wrong(
                    "个案仍在进行中,无需重新开启",
                    "the case is still open",
                ));
            }
            note = Some(reason("reason", r)?);
            State::Assessment
        }
        (s, _) if !s.stage().is_open() => {
            return Err(wrong(
                "个案已结束(结案、转介或终止),须先重新开启才能办理",
                "the case has ended; reopen it first",
            ));
        }
        (s, Event::Approve | Event::Return { .. } | Event::Withdraw) => {
            let Some((what, author)) = s.waiting() else {
                return Err(wrong(
                    "没有待审批的服务计划或结案申请",
                    "nothing is waiting for approval",
                ));
            };
            decide(what, author, event, facts, &mut note)?
        }
        (s, _) if s.waiting().is_some() => {
            return Err(wrong(
                "已提交站长审批,须等审批结果或先撤回",
                "waiting for the head's approval; wait or withdraw it first",
            ));
        }
        (_, Event::Refer { to, reason: r }) => {
            let to = text::required_line(to, 100).map_err(|message| Refusal::Incomplete {
                field: "to",
                message,
            })?;
            note = Some(reason("reason", r)?);
            State::Referred {
                on: facts.today,
                to,
            }
        }
        (_, Event::Terminate { reason: r }) => {
            note = Some(reason("reason", r)?);
            State::Terminated { on: facts.today }
        }
        (State::Intake, Event::Accept) => {
            if !facts.on_file.intake_complete {
                return Err(incomplete(
                    "intake",
                    "接案记录须载明知情同意和服务资格",
                    "the intake record needs consent and eligibility",
                ));
            }
            State::Assessment
        }
        (State::Assessment, Event::Advance) => {
            if !facts.on_file.assessment {
                return Err(incomplete(
                    "assessment",
                    "须先完成需求评估(10.1)",
                    "record the needs assessment first (10.1)",
                ));
            }
            State::enter(Stage::Planning)
        }
        (State::Intervention, Event::Advance) => State::enter(Stage::Evaluation),
        (s, Event::Skip { to, reason: r }) => {
            let from = s.stage();
            if !to.is_open() || *to <= from {
                return Err(wrong(
                    "只能跳到之后的进行中环节;结案须经站长审批",
                    "a skip goes forward to an open stage; closing needs the head's approval",
                ));
            }
            if from.next() == Some(*to) {
                return Err(wrong(
                    "下一环节按正常流程进入,无需跳过",
                    "the next stage is entered the usual way, not skipped to",
                ));
            }
            note = Some(reason("reason", r)?);
            State::enter(*to)
        }
        (s, Event::Revise { to, reason: r }) => {
            if !matches!(to, Stage::Assessment | Stage::Planning) || *to >= s.stage() {
                return Err(wrong(
                    "只能退回到之前的需求评估或服务策划环节",
                    "a revision goes back to assessment or planning",
                ));
            }
            note = Some(reason("reason", r)?);
            State::enter(*to)
        }
        (State::Planning { .. }, Event::SubmitPlan) => {
            if !facts.on_file.plan {
                return Err(incomplete(
                    "plan",
                    "服务计划须至少有一个对应需求的目标(10.2)",
                    "the plan needs at least one goal linked to a need (10.2)",
                ));
            }
            State::Planning {
                plan: Review::Submitted {
                    author: actor.user_id,
                    on: facts.today,
                },
            }
        }
        (State::Evaluation { .. }, Event::SubmitClosing) => {
            if !facts.on_file.evaluation {
                return Err(incomplete(
                    "evaluation",
                    "须先完成服务评价(10.5)",
                    "record the evaluation first (10.5)",
                ));
            }
            if !facts.on_file.closing {
                return Err(incomplete(
                    "closing",
                    "须先填写结案小结和跟进计划",
                    "write the closing summary and follow-up plan first",
                ));
            }
            State::Evaluation {
                closing: Review::Submitted {
                    author: actor.user_id,
                    on: facts.today,
                },
            }
        }
        (s, e) => return Err(out_of_order(s.stage(), e)),
    };
    Ok((
        next.clone(),
        Step {
            from: state.stage(),
            to: next.stage(),
            event: event.id(),
            note,
        },
    ))
}

/// Approve, return or withdraw the waiting submission.
fn decide(
    what: Submission,
    author: i64,
    event: &Event,
    facts: &Facts,
    note: &mut Option<String>,
) -> Result<State, Refusal> {
    let actor = facts.actor;
    let review = match event {
        Event::Withdraw => {
            if actor.user_id != author && !actor.head {
                return Err(Refusal::NotAllowed(Msg::new(
                    "只有提交人或站长可以撤回",
                    "only the submitter or the head may withdraw it",
                )));
            }
            Review::Drafting
        }
        _ if actor.user_id == author => {
            return Err(Refusal::NotAllowed(match what {
                Submission::Plan => Msg::new(
                    "不能审批自己提交的服务计划",
                    "you may not approve your own plan",
                ),
                Submission::Closing => Msg::new(
                    "不能审批自己提交的结案申请",
                    "you may not approve your own closing",
                ),
            }));
        }
        Event::Return { comments } => {
            *note = Some(reason("comments", comments)?);
            Review::Returned {
                by: actor.user_id,
                comments: note.clone().unwrap_or_default(),
            }
        }
        _ => {
            return Ok(match what {
                Submission::Plan => State::Intervention,
                Submission::Closing => {
                    if facts.on_file.unfinished_police_report {
                        return Err(wrong(
                            "儿童保护报案信息未补录,不能结案(8.3.4.1)",
                            "the report to the police is unfinished; the case cannot close (8.3.4.1)",
                        ));
                    }
                    State::Closed {
                        on: facts.today,
                        author,
                        approved_by: actor.user_id,
                    }
                }
            });
        }
    };
    Ok(match what {
        Submission::Plan => State::Planning { plan: review },
        Submission::Closing => State::Evaluation { closing: review },
    })
}

fn out_of_order(from: Stage, e: &Event) -> Refusal {
    let (zh, en) = match (from, e) {
        (Stage::Intake, _) => (
            "接案环节只能接案、转介或终止",
            "at intake a case is accepted, referred or terminated",
        ),
        (_, Event::Accept) => ("个案已接案", "the case was already accepted"),
        (Stage::Planning, Event::Advance) => (
            "服务计划须经站长审批后才进入服务执行",
            "the plan needs the head's approval before intervention",
        ),
        (Stage::Evaluation, Event::Advance) => {
            ("结案须提交站长审批", "closing needs the head's approval")
        }
        (_, Event::SubmitPlan) => (
            "只有服务策划环节可以提交服务计划",
            "a plan is submitted in planning",
        ),
        (_, Event::SubmitClosing) => (
            "只有服务评价环节可以申请结案",
            "a closing is submitted in evaluation",
        ),
        _ => ("当前环节不能办理此操作", "not possible at this stage"),
    };
    Refusal::WrongState(Msg::owned(
        format!("{zh}(当前:{})", from.label().zh),
        format!("{en} (now: {})", from.label().en),
    ))
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;
