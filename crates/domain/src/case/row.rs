//! A case's [`State`] as the store keeps it: a few plain columns, read back into the typed state
//! (a row that no state could have produced is refused, never guessed at).

use super::{Review, Stage, State};
use crate::Msg;
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    pub stage: Stage,
    /// `submitted` or `returned` while the plan (planning) or the closing (evaluation) is reviewed.
    pub review: Option<String>,
    /// Who submitted what waits for approval, or the approved closing.
    pub author: Option<i64>,
    /// The head who returned the submission or approved the closing.
    pub head: Option<i64>,
    /// The day of the submission, or the day the case ended.
    pub on: Option<Date>,
    /// The head's comments on a returned submission.
    pub comments: Option<String>,
    pub referred_to: Option<String>,
}

impl State {
    pub fn to_row(&self) -> Row {
        let review = |r: &Review| match r {
            Review::Drafting => Row::default(),
            Review::Submitted { author, on } => Row {
                review: Some("submitted".into()),
                author: Some(*author),
                on: Some(*on),
                ..Row::default()
            },
            Review::Returned { by, comments } => Row {
                review: Some("returned".into()),
                head: Some(*by),
                comments: Some(comments.clone()),
                ..Row::default()
            },
        };
        let row = match self {
            State::Planning { plan: r } | State::Evaluation { closing: r } => review(r),
            State::Closed {
                on,
                author,
                approved_by,
            } => Row {
                on: Some(*on),
                author: Some(*author),
                head: Some(*approved_by),
                ..Row::default()
            },
            State::Referred { on, to } => Row {
                on: Some(*on),
                referred_to: Some(to.clone()),
                ..Row::default()
            },
            State::Terminated { on } => Row {
                on: Some(*on),
                ..Row::default()
            },
            State::Intake | State::Assessment | State::Intervention => Row::default(),
        };
        Row {
            stage: self.stage(),
            ..row
        }
    }

    pub fn from_row(r: &Row) -> Result<State, Msg> {
        let broken = || {
            Msg::owned(
                format!("个案状态数据不完整({})", r.stage.id()),
                format!("the stored case state is incomplete ({})", r.stage.id()),
            )
        };
        let review = || -> Result<Review, Msg> {
            Ok(match r.review.as_deref() {
                None => Review::Drafting,
                Some("submitted") => Review::Submitted {
                    author: r.author.ok_or_else(broken)?,
                    on: r.on.ok_or_else(broken)?,
                },
                Some("returned") => Review::Returned {
                    by: r.head.ok_or_else(broken)?,
                    comments: r.comments.clone().ok_or_else(broken)?,
                },
                Some(_) => return Err(broken()),
            })
        };
        Ok(match r.stage {
            Stage::Intake => State::Intake,
            Stage::Assessment => State::Assessment,
            Stage::Planning => State::Planning { plan: review()? },
            Stage::Intervention => State::Intervention,
            Stage::Evaluation => State::Evaluation { closing: review()? },
            Stage::Closed => State::Closed {
                on: r.on.ok_or_else(broken)?,
                author: r.author.ok_or_else(broken)?,
                approved_by: r.head.ok_or_else(broken)?,
            },
            Stage::Referred => State::Referred {
                on: r.on.ok_or_else(broken)?,
                to: r.referred_to.clone().ok_or_else(broken)?,
            },
            Stage::Terminated => State::Terminated {
                on: r.on.ok_or_else(broken)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn any_review() -> impl Strategy<Value = Review> {
        prop_oneof![
            Just(Review::Drafting),
            (1i64..5).prop_map(|author| Review::Submitted {
                author,
                on: date!(2026 - 11 - 2)
            }),
            (1i64..5, "\\PC{1,20}").prop_map(|(by, comments)| Review::Returned { by, comments }),
        ]
    }

    fn any_state() -> impl Strategy<Value = State> {
        let on = date!(2026 - 11 - 29);
        prop_oneof![
            Just(State::Intake),
            Just(State::Assessment),
            any_review().prop_map(|plan| State::Planning { plan }),
            Just(State::Intervention),
            any_review().prop_map(|closing| State::Evaluation { closing }),
            (1i64..5, 5i64..9).prop_map(move |(author, approved_by)| State::Closed {
                on,
                author,
                approved_by
            }),
            "\\PC{1,20}".prop_map(move |to| State::Referred { on, to }),
            Just(State::Terminated { on }),
        ]
    }

    proptest! {
        #[test]
        fn every_state_round_trips_through_its_row(s in any_state()) {
            let row = s.to_row();
            prop_assert_eq!(row.stage, s.stage());
            prop_assert_eq!(State::from_row(&row).unwrap(), s);
        }
    }

    #[test]
    fn an_incomplete_row_is_refused() {
        for row in [
            Row {
                stage: Stage::Closed,
                ..Row::default()
            },
            Row {
                stage: Stage::Planning,
                review: Some("submitted".into()),
                ..Row::default()
            },
            Row {
                stage: Stage::Evaluation,
                review: Some("maybe".into()),
                ..Row::default()
            },
        ] {
            assert!(State::from_row(&row).unwrap_err().zh.contains("不完整"));
        }
    }
}
