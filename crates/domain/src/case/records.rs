//! Which records may be written on a case in which state: nothing on an ended case but its
//! follow-ups (10.4) until it is reopened, and nothing the station head is reviewing.

use super::machine::wrong;
use super::{Refusal, State};
use crate::Msg;

/// What a worker writes on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    Intake,
    NeedsAssessment,
    Plan,
    /// A service record (10.3), including shelter and crisis intervention (8.3.4.3).
    Service,
    /// Harm to a child and the report to the police (8.3.4.1).
    Protection,
    Evaluation,
    Closing,
    FollowUp,
}

/// Whether `what` may be written or changed on a case in `state`: nothing on an ended case but
/// its follow-ups (10.4), and nothing under review by the head.
pub fn may_record(state: &State, what: Record) -> Result<(), Refusal> {
    if what == Record::FollowUp {
        return match state {
            State::Closed { .. } | State::Referred { .. } => Ok(()),
            _ => Err(wrong(
                "跟进安排在结案或转介之后(10.4)",
                "follow-ups come after closing or referral (10.4)",
            )),
        };
    }
    if !state.stage().is_open() {
        return Err(wrong(
            "个案已结束,须先重新开启才能修改",
            "the case has ended; reopen it before changing it",
        ));
    }
    let under_review = state.waiting().is_some();
    let fits = match what {
        // The intake is completed while the case is at intake (a case opened with a person and a
        // title only gets it then); once accepted, what acceptance was decided on stays.
        Record::Intake => matches!(state, State::Intake),
        Record::NeedsAssessment => {
            matches!(state, State::Assessment | State::Planning { .. }) && !under_review
        }
        Record::Plan => matches!(state, State::Planning { .. }) && !under_review,
        Record::Evaluation | Record::Closing => {
            matches!(state, State::Evaluation { .. }) && !under_review
        }
        _ => true,
    };
    if fits {
        Ok(())
    } else if under_review {
        Err(wrong(
            "已提交站长审批,审批前不能修改;可先撤回",
            "waiting for the head's approval; withdraw it to change it",
        ))
    } else {
        Err(Refusal::WrongState(Msg::owned(
            format!("当前环节({})不能填写此记录", state.stage().label().zh),
            format!(
                "this record is not written at this stage ({})",
                state.stage().label().en
            ),
        )))
    }
}
