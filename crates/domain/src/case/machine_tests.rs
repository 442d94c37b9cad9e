use super::*;
use crate::case::{Record, may_record};
use proptest::prelude::*;
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
const ALL_ON_FILE: OnFile = OnFile {
    intake_complete: true,
    assessment: true,
    plan: true,
    evaluation: true,
    closing: true,
    unfinished_police_report: false,
};

fn facts(actor: Actor) -> Facts {
    Facts {
        actor,
        today: date!(2026 - 11 - 29),
        on_file: ALL_ON_FILE,
    }
}

fn run(state: &State, steps: &[(Event, Actor)]) -> Result<State, Refusal> {
    steps.iter().try_fold(state.clone(), |s, (e, a)| {
        transition(&s, e, &facts(*a)).map(|(n, _)| n)
    })
}

fn to_intervention() -> State {
    run(
        &State::Intake,
        &[
            (Event::Accept, WORKER),
            (Event::Advance, WORKER),
            (Event::SubmitPlan, WORKER),
            (Event::Approve, HEAD),
        ],
    )
    .unwrap()
}

#[test]
fn a_case_runs_from_intake_to_closed_with_two_approvals() {
    let s = to_intervention();
    assert_eq!(s, State::Intervention);
    let s = run(
        &s,
        &[
            (Event::Advance, WORKER),
            (Event::SubmitClosing, WORKER),
            (Event::Approve, HEAD),
        ],
    )
    .unwrap();
    assert_eq!(
        s,
        State::Closed {
            on: date!(2026 - 11 - 29),
            author: 1,
            approved_by: 9
        }
    );
    assert_eq!(s.ended_on(), Some(date!(2026 - 11 - 29)));
}

#[test]
fn approving_ones_own_plan_is_refused() {
    let head_on_case = Actor {
        on_case: true,
        ..HEAD
    };
    let s = run(
        &State::Intake,
        &[
            (Event::Accept, head_on_case),
            (Event::Advance, head_on_case),
            (Event::SubmitPlan, head_on_case),
        ],
    )
    .unwrap();
    let err = transition(&s, &Event::Approve, &facts(head_on_case)).unwrap_err();
    assert!(matches!(err, Refusal::NotAllowed(_)));
    assert_eq!(err.message().zh, "不能审批自己提交的服务计划");
    assert_eq!(s.waiting(), Some((Submission::Plan, 9)));
}

#[test]
fn only_the_head_approves_and_a_return_needs_comments() {
    let s = run(
        &State::Planning {
            plan: Review::Drafting,
        },
        &[(Event::SubmitPlan, WORKER)],
    )
    .unwrap();
    let err = transition(&s, &Event::Approve, &facts(WORKER)).unwrap_err();
    assert_eq!(err.message().zh, "只有站长可以审批");
    let err = transition(
        &s,
        &Event::Return {
            comments: "  ".into(),
        },
        &facts(HEAD),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        Refusal::Incomplete {
            field: "comments",
            ..
        }
    ));
    let (returned, step) = transition(
        &s,
        &Event::Return {
            comments: "目标 2 缺少可测量指标".into(),
        },
        &facts(HEAD),
    )
    .unwrap();
    assert_eq!(
        returned.returned(),
        Some((Submission::Plan, "目标 2 缺少可测量指标"))
    );
    assert_eq!(step.note.as_deref(), Some("目标 2 缺少可测量指标"));
    // Revised and submitted again, then approved.
    let s = run(
        &returned,
        &[(Event::SubmitPlan, WORKER), (Event::Approve, HEAD)],
    )
    .unwrap();
    assert_eq!(s, State::Intervention);
}

#[test]
fn nothing_moves_while_a_submission_waits_except_the_decision_or_a_withdrawal() {
    let s = run(
        &State::Planning {
            plan: Review::Drafting,
        },
        &[(Event::SubmitPlan, WORKER)],
    )
    .unwrap();
    for e in [
        Event::Advance,
        Event::SubmitPlan,
        Event::Terminate { reason: "x".into() },
    ] {
        let err = transition(&s, &e, &facts(WORKER)).unwrap_err();
        assert!(err.message().zh.contains("已提交站长审批"), "{e:?}");
    }
    let other = Actor {
        user_id: 2,
        ..WORKER
    };
    assert!(matches!(
        transition(&s, &Event::Withdraw, &facts(other)),
        Err(Refusal::NotAllowed(_))
    ));
    let (back, _) = transition(&s, &Event::Withdraw, &facts(WORKER)).unwrap();
    assert_eq!(
        back,
        State::Planning {
            plan: Review::Drafting
        }
    );
}

#[test]
fn out_of_order_transitions_say_why() {
    let err = transition(
        &State::Planning {
            plan: Review::Drafting,
        },
        &Event::Advance,
        &facts(WORKER),
    )
    .unwrap_err();
    assert!(matches!(err, Refusal::WrongState(_)));
    assert!(err.message().zh.contains("服务计划须经站长审批"));
    assert!(err.message().zh.contains("服务策划"));
    let err = transition(&State::Intake, &Event::SubmitClosing, &facts(WORKER)).unwrap_err();
    assert!(err.message().zh.contains("接案环节"));
    let err = transition(&State::Intervention, &Event::Approve, &facts(HEAD)).unwrap_err();
    assert_eq!(err.message().zh, "没有待审批的服务计划或结案申请");
}

#[test]
fn records_must_be_on_file_before_moving_on() {
    let mut f = facts(WORKER);
    f.on_file = OnFile::default();
    let err = transition(&State::Intake, &Event::Accept, &f).unwrap_err();
    assert!(err.message().zh.contains("知情同意"));
    let err = transition(&State::Assessment, &Event::Advance, &f).unwrap_err();
    assert!(err.message().zh.contains("10.1"));
    let err = transition(
        &State::Evaluation {
            closing: Review::Drafting,
        },
        &Event::SubmitClosing,
        &f,
    )
    .unwrap_err();
    assert!(err.message().zh.contains("10.5"));
}

#[test]
fn a_skip_needs_a_reason_and_never_reaches_closed() {
    let skip = |to, reason: &str| Event::Skip {
        to,
        reason: reason.into(),
    };
    let err = transition(
        &State::Intake,
        &skip(Stage::Intervention, ""),
        &facts(WORKER),
    )
    .unwrap_err();
    assert_eq!(err.message().zh, "须写明原因");
    let (s, step) = transition(
        &State::Assessment,
        &skip(Stage::Intervention, "遭受家暴,须立即危机介入"),
        &facts(WORKER),
    )
    .unwrap();
    assert_eq!(s, State::Intervention);
    assert_eq!(step.note.as_deref(), Some("遭受家暴,须立即危机介入"));
    for to in [Stage::Closed, Stage::Assessment, Stage::Intervention] {
        assert!(transition(&s, &skip(to, "理由"), &facts(WORKER)).is_err());
    }
    // The next stage is entered the usual way.
    assert!(
        transition(
            &State::Intake,
            &skip(Stage::Assessment, "理由"),
            &facts(WORKER)
        )
        .is_err()
    );
}

#[test]
fn an_ended_case_is_changed_only_after_reopening() {
    let closed = State::Closed {
        on: date!(2026 - 11 - 1),
        author: 1,
        approved_by: 9,
    };
    let err = transition(&closed, &Event::Advance, &facts(WORKER)).unwrap_err();
    assert!(err.message().zh.contains("须先重新开启"));
    assert!(may_record(&closed, Record::Service).is_err());
    assert!(may_record(&closed, Record::FollowUp).is_ok());
    assert!(
        transition(
            &closed,
            &Event::Reopen { reason: "".into() },
            &facts(WORKER)
        )
        .is_err()
    );
    let (s, _) = transition(
        &closed,
        &Event::Reopen {
            reason: "老人再次独居,需要重新评估".into(),
        },
        &facts(WORKER),
    )
    .unwrap();
    assert_eq!(s, State::Assessment);
    assert!(may_record(&s, Record::Service).is_ok());
    assert!(may_record(&s, Record::FollowUp).is_err());
    assert!(transition(&s, &Event::Reopen { reason: "x".into() }, &facts(WORKER)).is_err());
}

#[test]
fn intake_can_end_in_a_referral() {
    let (s, step) = transition(
        &State::Intake,
        &Event::Refer {
            to: "区残联".into(),
            reason: "需要康复服务,本站无法提供".into(),
        },
        &facts(WORKER),
    )
    .unwrap();
    assert_eq!(
        s,
        State::Referred {
            on: date!(2026 - 11 - 29),
            to: "区残联".into()
        }
    );
    assert_eq!(step.to, Stage::Referred);
    assert!(
        transition(
            &State::Intake,
            &Event::Refer {
                to: "".into(),
                reason: "x".into()
            },
            &facts(WORKER)
        )
        .is_err()
    );
}

#[test]
fn an_unfinished_police_report_blocks_the_closing() {
    let s = State::Evaluation {
        closing: Review::Submitted {
            author: 1,
            on: date!(2026 - 11 - 20),
        },
    };
    let mut f = facts(HEAD);
    f.on_file.unfinished_police_report = true;
    let err = transition(&s, &Event::Approve, &f).unwrap_err();
    assert!(err.message().zh.contains("8.3.4.1"));
}

#[test]
fn only_workers_on_the_case_or_the_head_act() {
    let stranger = Actor {
        user_id: 5,
        head: false,
        on_case: false,
    };
    let err = transition(&State::Intake, &Event::Accept, &facts(stranger)).unwrap_err();
    assert!(matches!(err, Refusal::NotAllowed(_)));
}

#[test]
fn records_fit_their_stage() {
    let planning = State::Planning {
        plan: Review::Drafting,
    };
    assert!(may_record(&planning, Record::Plan).is_ok());
    assert!(may_record(&planning, Record::NeedsAssessment).is_ok());
    assert!(may_record(&State::Intervention, Record::Plan).is_err());
    assert!(may_record(&State::Intake, Record::Service).is_ok());
    assert!(may_record(&State::Intake, Record::Intake).is_ok());
    assert!(may_record(&State::Assessment, Record::Intake).is_err());
    let waiting = State::Planning {
        plan: Review::Submitted {
            author: 1,
            on: date!(2026 - 11 - 29),
        },
    };
    let err = may_record(&waiting, Record::Plan).unwrap_err();
    assert!(err.message().zh.contains("撤回"));
    assert!(may_record(&State::Intervention, Record::Closing).is_err());
}

#[test]
fn stages_have_ids_and_labels() {
    for s in Stage::ALL {
        assert_eq!(Stage::from_id(s.id()), Some(s));
        assert!(!s.label().zh.is_empty());
    }
    assert_eq!(Stage::Evaluation.next(), Some(Stage::Closed));
    assert_eq!(Stage::Closed.next(), None);
}

// ------------------------------------------------------------------------------ properties

fn any_stage() -> impl Strategy<Value = Stage> {
    prop::sample::select(Stage::ALL.to_vec())
}

fn any_text() -> impl Strategy<Value = String> {
    prop::sample::select(vec![String::new(), "  ".into(), "原因".into()])
}

fn any_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        Just(Event::Accept),
        Just(Event::Advance),
        (any_stage(), any_text()).prop_map(|(to, reason)| Event::Skip { to, reason }),
        (any_stage(), any_text()).prop_map(|(to, reason)| Event::Revise { to, reason }),
        Just(Event::SubmitPlan),
        Just(Event::SubmitClosing),
        Just(Event::Withdraw),
        Just(Event::Approve),
        any_text().prop_map(|comments| Event::Return { comments }),
        (any_text(), any_text()).prop_map(|(to, reason)| Event::Refer { to, reason }),
        any_text().prop_map(|reason| Event::Terminate { reason }),
        any_text().prop_map(|reason| Event::Reopen { reason }),
    ]
}

fn any_facts() -> impl Strategy<Value = Facts> {
    (
        1i64..=3,
        any::<bool>(),
        any::<bool>(),
        prop::array::uniform6(any::<bool>()),
    )
        .prop_map(|(user_id, head, on_case, f)| Facts {
            actor: Actor {
                user_id,
                head,
                on_case,
            },
            today: date!(2026 - 11 - 29),
            on_file: OnFile {
                intake_complete: f[0],
                assessment: f[1],
                plan: f[2],
                evaluation: f[3],
                closing: f[4],
                unfinished_police_report: f[5],
            },
        })
}

/// What every reachable state satisfies.
fn well_formed(s: &State) -> bool {
    match s {
        State::Closed {
            author,
            approved_by,
            ..
        } => author != approved_by,
        State::Planning {
            plan: Review::Returned { comments, .. },
        }
        | State::Evaluation {
            closing: Review::Returned { comments, .. },
        } => !comments.trim().is_empty(),
        State::Referred { to, .. } => !to.is_empty(),
        _ => true,
    }
}

fn position(s: Stage) -> Option<usize> {
    Stage::OPEN.iter().position(|x| *x == s)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_event_sequences_keep_every_rule(
        steps in prop::collection::vec((any_event(), any_facts()), 1..40)
    ) {
        let mut state = State::Intake;
        for (event, f) in &steps {
            match transition(&state, event, f) {
                Ok((next, step)) => {
                    prop_assert!(well_formed(&next), "{next:?}");
                    prop_assert_eq!(step.from, state.stage());
                    prop_assert_eq!(step.to, next.stage());
                    // Closed only on the head's approval of someone else's closing.
                    if next.stage() == Stage::Closed {
                        let waiting = state.waiting();
                        prop_assert!(matches!(waiting, Some((Submission::Closing, a)) if a != f.actor.user_id));
                        prop_assert_eq!(event, &Event::Approve);
                        prop_assert!(f.actor.head);
                        prop_assert!(!f.on_file.unfinished_police_report);
                    }
                    // Intervention is reached by an approved plan or a skip with its reason.
                    if next.stage() == Stage::Intervention && state.stage() != Stage::Intervention {
                        let approved = *event == Event::Approve
                            && matches!(state.waiting(), Some((Submission::Plan, a)) if a != f.actor.user_id);
                        let skipped = matches!(event, Event::Skip { .. })
                            && step.note.as_deref().is_some_and(|n| !n.trim().is_empty());
                        prop_assert!(approved || skipped, "{event:?} from {state:?}");
                    }
                    // Forward by more than one stage only as a skip with a reason.
                    if let (Some(a), Some(b)) = (position(state.stage()), position(next.stage()))
                        && b > a + 1
                    {
                        prop_assert!(matches!(event, Event::Skip { .. }), "only a skip: {:?}", event);
                        prop_assert!(step.note.is_some());
                    }
                    // Out of an ended case only by reopening into assessment.
                    if !state.stage().is_open() {
                        prop_assert!(matches!(event, Event::Reopen { .. }), "only a reopening: {:?}", event);
                        prop_assert_eq!(next.clone(), State::Assessment);
                    }
                    if matches!(event, Event::Approve | Event::Return { .. }) {
                        prop_assert!(f.actor.head);
                    }
                    state = next;
                }
                Err(refusal) => {
                    prop_assert!(!refusal.message().zh.is_empty());
                    prop_assert!(!refusal.message().en.is_empty());
                }
            }
        }
    }

    #[test]
    fn an_ended_case_takes_nothing_but_follow_ups_and_reopening(
        event in any_event(),
        f in any_facts(),
        which in 0usize..3,
    ) {
        let on = date!(2026 - 1 - 1);
        let ended = [
            State::Closed { on, author: 1, approved_by: 2 },
            State::Referred { on, to: "x".into() },
            State::Terminated { on },
        ][which].clone();
        if let Ok((next, _)) = transition(&ended, &event, &f) {
            prop_assert!(matches!(event, Event::Reopen { .. }), "only a reopening: {:?}", event);
            prop_assert_eq!(next, State::Assessment);
        }
        for r in [Record::Intake, Record::NeedsAssessment, Record::Plan, Record::Service,
                  Record::Protection, Record::Evaluation, Record::Closing] {
            prop_assert!(may_record(&ended, r).is_err());
        }
    }
}

/// Every state reachable with a representative set of events, actors and records: all stages are
/// reached, and the random walks above therefore test states that really occur.
#[test]
fn every_stage_is_reachable_and_every_reachable_state_is_well_formed() {
    let actors = [
        WORKER,
        Actor {
            user_id: 2,
            ..WORKER
        },
        HEAD,
        Actor {
            on_case: true,
            ..HEAD
        },
    ];
    let mut events = vec![
        Event::Accept,
        Event::Advance,
        Event::SubmitPlan,
        Event::SubmitClosing,
        Event::Withdraw,
        Event::Approve,
        Event::Return {
            comments: "请补充".into(),
        },
        Event::Refer {
            to: "区残联".into(),
            reason: "原因".into(),
        },
        Event::Terminate {
            reason: "原因".into(),
        },
        Event::Reopen {
            reason: "原因".into(),
        },
    ];
    for to in Stage::ALL {
        events.push(Event::Skip {
            to,
            reason: "原因".into(),
        });
        events.push(Event::Revise {
            to,
            reason: "原因".into(),
        });
    }
    let mut seen = vec![State::Intake];
    let mut queue = vec![State::Intake];
    while let Some(s) = queue.pop() {
        for e in &events {
            for a in actors {
                if let Ok((next, _)) = transition(&s, e, &facts(a)) {
                    assert!(well_formed(&next), "{next:?}");
                    if !seen.contains(&next) {
                        seen.push(next.clone());
                        queue.push(next);
                    }
                }
            }
        }
    }
    for stage in Stage::ALL {
        assert!(seen.iter().any(|s| s.stage() == stage), "{stage:?}");
    }
    assert!(
        seen.iter()
            .any(|s| s.waiting() == Some((Submission::Closing, 1)))
    );
    assert!(seen.iter().any(|s| s.returned().is_some()));
}
