//! Moving a case to a named state (the contract route `POST /api/v1/cases/{id}/transitions`,
//! `{"to": STATE, "reason"?}`): the state asked for is read as the one event of the state machine
//! that leads there, and [`transition`](super::transition) decides as for any other event.

use super::machine::wrong;
use super::{Event, Refusal, Stage, State};

/// The event that takes a case in `state` to `to`: the usual step forward (the head's approval
/// where a submission waits: a plan before intervention, 10.2, a closing before closed), a skip
/// forward or a revision back with `reason`, a referral to `referred_to`, a termination, or a
/// reopening (ended cases start again at needs assessment). A state no event leads to is refused
/// here (409); everything else — who may, what must be on file, whether a reason is given — is
/// left to `transition`.
pub fn event_to(
    state: &State,
    to: Stage,
    reason: Option<&str>,
    referred_to: Option<&str>,
) -> Result<Event, Refusal> {
    let from = state.stage();
    let reason = reason.unwrap_or_default().to_string();
    if to == from {
        return Err(wrong(
            "个案已处于该环节",
            "the case is already at this stage",
        ));
    }
    Ok(match to {
        Stage::Referred => Event::Refer {
            to: referred_to.unwrap_or_default().to_string(),
            reason,
        },
        Stage::Terminated => Event::Terminate { reason },
        Stage::Assessment if !from.is_open() => Event::Reopen { reason },
        _ if !from.is_open() => {
            return Err(wrong(
                "已结束的个案须先重新开启(回到需求评估)",
                "an ended case is reopened first (back to needs assessment)",
            ));
        }
        _ if from.next() == Some(to) => match from {
            Stage::Intake => Event::Accept,
            _ if state.waiting().is_some() => Event::Approve,
            _ => Event::Advance,
        },
        _ if to > from => Event::Skip { to, reason },
        _ => Event::Revise { to, reason },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Actor, Facts, OnFile, Review, transition};
    use time::macros::date;

    const WORKER: Actor = Actor {
        user_id: 1,
        head: false,
        on_case: true,
    };
    const HEAD: Actor = Actor {
        user_id: 9,
        head: true,
        on_case: false,
    };

    fn states() -> Vec<State> {
        let on = date!(2026 - 11 - 1);
        let reviews = [
            Review::Drafting,
            Review::Submitted { author: 1, on },
            Review::Returned {
                by: 9,
                comments: "改".into(),
            },
        ];
        let mut s = vec![State::Intake, State::Assessment, State::Intervention];
        for r in reviews {
            s.push(State::Planning { plan: r.clone() });
            s.push(State::Evaluation { closing: r });
        }
        s.extend([
            State::Closed {
                on,
                author: 1,
                approved_by: 9,
            },
            State::Referred {
                on,
                to: "区民政局".into(),
            },
            State::Terminated { on },
        ]);
        s
    }

    fn facts(actor: Actor) -> Facts {
        Facts {
            actor,
            today: date!(2026 - 11 - 29),
            on_file: OnFile {
                intake_complete: true,
                assessment: true,
                plan: true,
                evaluation: true,
                closing: true,
                unfinished_police_report: false,
            },
        }
    }

    /// Every state × every target × worker and head: an accepted move lands exactly on the state
    /// asked for, and nothing lands anywhere else.
    #[test]
    fn an_accepted_move_lands_on_the_state_asked_for() {
        let mut accepted = 0;
        for s in states() {
            for to in Stage::ALL {
                for actor in [WORKER, HEAD] {
                    let Ok(e) = event_to(&s, to, Some("情况紧急"), Some("区民政局")) else {
                        continue;
                    };
                    if let Ok((next, _)) = transition(&s, &e, &facts(actor)) {
                        assert_eq!(next.stage(), to, "{s:?} → {to:?} by {e:?}");
                        accepted += 1;
                    }
                }
            }
        }
        assert!(accepted > 20, "{accepted}");
    }

    #[test]
    fn the_usual_way_forward_and_the_approvals() {
        assert_eq!(
            event_to(&State::Intake, Stage::Assessment, None, None),
            Ok(Event::Accept)
        );
        let waiting = State::Planning {
            plan: Review::Submitted {
                author: 1,
                on: date!(2026 - 11 - 1),
            },
        };
        assert_eq!(
            event_to(&waiting, Stage::Intervention, None, None),
            Ok(Event::Approve)
        );
        // The worker asking for intervention is told the plan needs the head's approval.
        let drafting = State::Planning {
            plan: Review::Drafting,
        };
        let e = event_to(&drafting, Stage::Intervention, None, None).unwrap();
        let r = transition(&drafting, &e, &facts(WORKER)).unwrap_err();
        assert!(matches!(r, Refusal::WrongState(_)));
        assert!(r.message().zh.contains("审批"));
        // The author may not approve their own plan.
        let e = event_to(&waiting, Stage::Intervention, None, None).unwrap();
        let own = Actor {
            head: true,
            ..WORKER
        };
        assert!(matches!(
            transition(&waiting, &e, &facts(own)),
            Err(Refusal::NotAllowed(_))
        ));
    }

    #[test]
    fn a_skip_needs_a_reason_and_never_reaches_closed() {
        let e = event_to(&State::Assessment, Stage::Intervention, None, None).unwrap();
        assert!(matches!(
            transition(&State::Assessment, &e, &facts(WORKER)),
            Err(Refusal::Incomplete {
                field: "reason",
                ..
            })
        ));
        let e = event_to(&State::Assessment, Stage::Closed, Some("好了"), None).unwrap();
        assert!(matches!(
            transition(&State::Assessment, &e, &facts(WORKER)),
            Err(Refusal::WrongState(_))
        ));
    }

    #[test]
    fn ended_cases_are_reopened_to_assessment_only() {
        let t = State::Terminated {
            on: date!(2026 - 11 - 1),
        };
        assert_eq!(
            event_to(&t, Stage::Assessment, Some("又来求助"), None),
            Ok(Event::Reopen {
                reason: "又来求助".into()
            })
        );
        assert!(matches!(
            event_to(&t, Stage::Planning, Some("x"), None),
            Err(Refusal::WrongState(_))
        ));
        assert!(matches!(
            event_to(&State::Intake, Stage::Intake, None, None),
            Err(Refusal::WrongState(_))
        ));
    }
}
