//! 服务执行 service records (10.3): date, duration, mode, workers, content, the section-8 items
//! delivered, the goals served, the next step. Emergency shelter and crisis intervention for a
//! child who has been harmed (8.3.4.3) are records of their own kind with what those need.

use super::{items, links, optional_notes, past_date, required_notes};
use crate::care::choose;
use crate::{Choice, Invalid, Msg, dates, text};
use time::Date;

/// 服务方式.
pub const MODES: [Choice; 5] = [
    ("home_visit", "入户", "home visit"),
    ("phone", "电话", "phone"),
    ("office", "站内面谈", "at the station"),
    ("online", "线上", "online"),
    ("accompanied", "陪同办事", "accompanied"),
];

/// 记录类型: an ordinary service record, or one of 8.3.4.3.
pub const KINDS: [Choice; 3] = [
    ("service", "服务记录", "service record"),
    ("shelter", "紧急庇护", "emergency shelter"),
    ("crisis", "危机干预", "crisis intervention"),
];

/// What crisis intervention did (8.3.4.3: 协助其就医、鉴定伤情、调查取证).
pub const CRISIS_ACTIONS: [Choice; 5] = [
    ("medical", "协助就医", "medical care"),
    ("injury_assessment", "协助伤情鉴定", "injury assessment"),
    ("evidence", "协助调查取证", "evidence gathering"),
    ("safety_plan", "制定安全计划", "safety plan"),
    ("counselling", "心理危机疏导", "crisis counselling"),
];

/// The longest a single record may last: one day.
pub const MAX_MINUTES: i64 = 24 * 60;

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ServiceInput {
    pub kind: String,
    pub served_on: String,
    pub minutes: Option<i64>,
    pub mode: String,
    /// Ids of the workers who served (at least one).
    pub workers: Vec<i64>,
    pub content: String,
    /// Section-8 clauses delivered (`8.2.5`).
    pub items: Vec<String>,
    /// Ids of the plan's goals served; none before there is a plan (e.g. a crisis at intake).
    pub goals: Vec<i64>,
    pub next_step: Option<String>,
    /// Shelter: where the child stays, from when, until when (empty while it lasts).
    pub shelter_place: Option<String>,
    pub shelter_until: Option<String>,
    /// Crisis intervention: what was done.
    pub crisis_actions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Service,
    Shelter { place: String, until: Option<Date> },
    Crisis { actions: Vec<&'static str> },
}

impl Kind {
    pub fn id(&self) -> &'static str {
        match self {
            Kind::Service => "service",
            Kind::Shelter { .. } => "shelter",
            Kind::Crisis { .. } => "crisis",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRecord {
    pub kind: Kind,
    pub served_on: Date,
    pub minutes: i64,
    pub mode: &'static str,
    pub workers: Vec<i64>,
    pub content: String,
    pub items: Vec<&'static str>,
    pub goals: Vec<i64>,
    pub next_step: String,
}

/// The case facts a service record is checked against.
#[derive(Debug, Clone, Copy)]
pub struct CaseFacts<'a> {
    pub opened_on: Date,
    /// The case's lead and co-workers.
    pub workers: &'a [i64],
    /// The goals of the approved plan (empty before one).
    pub goals: &'a [i64],
}

pub fn validate(
    input: &ServiceInput,
    today: Date,
    case: CaseFacts,
) -> Result<ServiceRecord, Invalid> {
    let mut inv = Invalid::new();
    let kind = choose(
        &mut inv,
        "kind",
        &KINDS,
        &input.kind,
        ("记录类型", "record kind"),
    );
    let on = past_date(
        &mut inv,
        "served_on",
        &input.served_on,
        today,
        Some(case.opened_on),
    );
    let minutes = match input.minutes {
        Some(m) if (1..=MAX_MINUTES).contains(&m) => Some(m),
        _ => {
            inv.add(
                "minutes",
                Msg::new(
                    "服务时长应为 1 至 1440 分钟",
                    "the duration is 1 to 1440 minutes",
                ),
            );
            None
        }
    };
    let mode = choose(&mut inv, "mode", &MODES, &input.mode, ("服务方式", "mode"));
    let workers = links(
        &mut inv,
        "workers",
        &input.workers,
        case.workers,
        ("社工", "worker"),
    );
    let content = required_notes(&mut inv, "content", &input.content);
    let mut items = items(&mut inv, "items", &input.items);
    let goals = if input.goals.is_empty() {
        Vec::new()
    } else {
        links(
            &mut inv,
            "goals",
            &input.goals,
            case.goals,
            ("目标", "goal"),
        )
    };
    let next_step = optional_notes(&mut inv, "next_step", input.next_step.as_deref());
    let kind = match kind {
        Some("shelter") => {
            let place = inv.check(
                "shelter_place",
                text::required_line(input.shelter_place.as_deref().unwrap_or_default(), 200),
            );
            let until = match input.shelter_until.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) => inv.check("shelter_until", dates::parse(s)),
            };
            if let (Some(u), Some(o)) = (until, on)
                && u < o
            {
                inv.add(
                    "shelter_until",
                    Msg::new(
                        "庇护结束日期不能早于开始日期",
                        "shelter cannot end before it began",
                    ),
                );
            }
            place.map(|place| Kind::Shelter { place, until })
        }
        Some("crisis") => {
            if input.crisis_actions.is_empty() {
                inv.add(
                    "crisis_actions",
                    Msg::new(
                        "请选择所采取的危机干预措施",
                        "choose what the crisis intervention did",
                    ),
                );
            }
            let mut actions: Vec<&'static str> = input
                .crisis_actions
                .iter()
                .filter_map(|a| {
                    choose(
                        &mut inv,
                        "crisis_actions",
                        &CRISIS_ACTIONS,
                        a,
                        ("危机干预措施", "crisis action"),
                    )
                })
                .collect();
            actions.dedup();
            Some(Kind::Crisis { actions })
        }
        Some(_) => Some(Kind::Service),
        None => None,
    };
    if matches!(kind, Some(Kind::Shelter { .. } | Kind::Crisis { .. })) && !items.contains(&"8.3.4")
    {
        // Shelter and crisis intervention are child protection whatever else was ticked.
        items.push("8.3.4");
        items.sort_by_key(|c| crate::content::ITEMS.iter().position(|i| i.code == *c));
    }
    inv.clone().into_result()?;
    Ok(ServiceRecord {
        kind: kind.unwrap_or(Kind::Service),
        served_on: on.unwrap_or(today),
        minutes: minutes.unwrap_or(1),
        mode: mode.unwrap_or("home_visit"),
        workers,
        content: content.unwrap_or_default(),
        items,
        goals,
        next_step,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 29);
    const CASE: CaseFacts = CaseFacts {
        opened_on: date!(2026 - 11 - 1),
        workers: &[1, 2],
        goals: &[10, 11],
    };

    fn home_visit() -> ServiceInput {
        ServiceInput {
            kind: "service".into(),
            served_on: "2026-11-29".into(),
            minutes: Some(40),
            mode: "入户".into(),
            workers: vec![1],
            content: "陪老人聊天,了解近况".into(),
            items: vec!["8.2.5".into()],
            goals: vec![10],
            ..Default::default()
        }
    }

    #[test]
    fn a_home_visit_in_few_fields() {
        let r = validate(&home_visit(), TODAY, CASE).unwrap();
        assert_eq!(r.kind, Kind::Service);
        assert_eq!(r.mode, "home_visit");
        assert_eq!(r.items, vec!["8.2.5"]);
        assert_eq!(r.goals, vec![10]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = ServiceInput {
            kind: "visit".into(),
            served_on: "2026-10-01".into(),
            minutes: Some(0),
            mode: "letter".into(),
            workers: vec![3],
            goals: vec![12],
            ..Default::default()
        };
        let err = validate(&bad, TODAY, CASE).unwrap_err();
        for f in [
            "kind",
            "served_on",
            "minutes",
            "mode",
            "workers",
            "content",
            "items",
            "goals",
        ] {
            assert!(err.message_for(f).is_some(), "{f}: {err}");
        }
        assert!(
            err.message_for("workers")
                .unwrap()
                .zh
                .contains("不属于本个案")
        );
    }

    #[test]
    fn shelter_and_crisis_are_child_protection_records_of_their_own() {
        let mut s = home_visit();
        s.kind = "shelter".into();
        s.items = vec!["8.3.3".into()];
        s.goals = vec![];
        let err = validate(&s, TODAY, CASE).unwrap_err();
        assert!(err.message_for("shelter_place").is_some());
        s.shelter_place = Some("区未成年人救助保护中心".into());
        s.shelter_until = Some("2026-11-20".into());
        assert!(validate(&s, TODAY, CASE).is_err(), "ends before it began");
        s.shelter_until = None;
        let r = validate(&s, TODAY, CASE).unwrap();
        assert_eq!(r.items, vec!["8.3.3", "8.3.4"]);
        assert_eq!(r.kind.id(), "shelter");

        let mut c = home_visit();
        c.kind = "crisis".into();
        let err = validate(&c, TODAY, CASE).unwrap_err();
        assert!(err.message_for("crisis_actions").is_some());
        c.crisis_actions = vec!["协助就医".into(), "evidence".into()];
        let r = validate(&c, TODAY, CASE).unwrap();
        assert_eq!(
            r.kind,
            Kind::Crisis {
                actions: vec!["medical", "evidence"]
            }
        );
        assert_eq!(r.items, vec!["8.2.5", "8.3.4"]);
    }
}
