//! Care archives (issue 3 points 4 and 5): the elderly archive of 8.2.1.1 (living arrangement,
//! carers, a regular-visit schedule, visits, the next visit due) and the children's guardianship
//! archive of 8.3.1 (guardians and their status, study, health, social support, the 事实无人抚养
//! rule, and the guardianship-gap alert of 8.3.1.2).

use crate::phone::Phone;
use crate::{Invalid, Msg, dates, text};
use time::{Date, Duration};

pub use crate::Choice;

pub(crate) fn pick(list: &[Choice], v: &str) -> Option<&'static str> {
    let v = v.trim();
    list.iter()
        .find(|(code, zh, _)| *code == v || *zh == v)
        .map(|(code, ..)| *code)
}

/// The Chinese and English label of a code in a choice list (the code itself when unknown).
pub fn label(list: &[Choice], code: &str) -> Msg {
    list.iter()
        .find(|(c, ..)| *c == code)
        .map(|(_, zh, en)| Msg::new(zh, en))
        .unwrap_or_else(|| Msg::owned(code, code))
}

pub(crate) fn choose(
    inv: &mut Invalid,
    field: &'static str,
    list: &[Choice],
    v: &str,
    what: (&str, &str),
) -> Option<&'static str> {
    match pick(list, v) {
        Some(c) => Some(c),
        None => {
            let zh: Vec<&str> = list.iter().map(|c| c.1).collect();
            let en: Vec<&str> = list.iter().map(|c| c.0).collect();
            inv.add(
                field,
                Msg::owned(
                    format!("{}应为:{}", what.0, zh.join("、")),
                    format!("{} is one of: {}", what.1, en.join(", ")),
                ),
            );
            None
        }
    }
}

// ------------------------------------------------------------------------------------ elderly

/// 居住方式 (8.2.1.1).
pub const LIVING_ARRANGEMENTS: [Choice; 5] = [
    ("alone", "独居", "lives alone"),
    ("with_spouse", "与配偶同住", "with spouse"),
    ("with_children", "与子女同住", "with children"),
    ("institution", "机构养老", "in a care home"),
    ("other", "其他", "other"),
];

/// 走访方式.
pub const VISIT_MODES: [Choice; 4] = [
    ("home", "入户走访", "home visit"),
    ("phone", "电话探访", "phone call"),
    ("video", "视频探访", "video call"),
    ("other", "其他", "other"),
];

/// The longest interval between regular visits a schedule may have.
pub const MAX_INTERVAL_DAYS: i64 = 365;
/// A visit due within this many days is listed as coming up (the station's visit list).
pub const DUE_SOON_DAYS: i64 = 7;

/// The default interval between regular visits when the worker sets none (configurable per
/// person). 8.2.1.1 says "定期走访" without a figure: the product visits people living alone and
/// people unable to care for themselves (失能/半失能) weekly, and every other old person monthly,
/// the frequency of 民政部等《关于开展特殊困难老年人探访关爱服务的指导意见》(2022) practice.
pub fn default_interval_days(living_arrangement: &str, categories: &[&str]) -> i64 {
    if living_arrangement == "alone" || categories.contains(&"elderly_disabled") {
        7
    } else {
        30
    }
}

/// A carer's phone as sent: a new number, or the masked value as read (keep the stored one, if the
/// masked value is exactly the stored one's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CarerPhone {
    None,
    New(Phone),
    Keep(String),
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CarerInput {
    /// The carer's id as read, to keep its stored phone when the masked value is sent back.
    pub id: Option<i64>,
    pub name: String,
    pub relation: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carer {
    pub id: Option<i64>,
    pub name: String,
    pub relation: String,
    pub phone: CarerPhone,
}

#[derive(Debug, Clone, Default)]
pub struct ElderlyInput {
    pub living_arrangement: String,
    pub carers: Vec<CarerInput>,
    /// Days between regular visits; empty takes [`default_interval_days`].
    pub visit_interval_days: Option<i64>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElderlyFields {
    pub living_arrangement: &'static str,
    pub carers: Vec<Carer>,
    pub visit_interval_days: i64,
    pub notes: String,
}

/// At most this many carers or guardians per archive.
pub const MAX_PEOPLE: usize = 10;

/// Age from which the elderly archive applies (老年人权益保障法 Art. 2: 60).
pub const ELDERLY_AGE: i32 = 60;

/// Checks an elderly archive for a person of `age` (60 or over; an unknown age is not refused, as
/// rosters of old people often lack birth dates); `categories` are the person's current category
/// codes (for the default interval).
pub fn validate_elderly(
    input: &ElderlyInput,
    age: Option<i32>,
    categories: &[&str],
) -> Result<ElderlyFields, Invalid> {
    let mut inv = Invalid::new();
    if age.is_some_and(|a| a < ELDERLY_AGE) {
        inv.add(
            "birth_date",
            Msg::new(
                "老年人档案只适用于年满 60 周岁的老年人(8.2.1.1)",
                "the elderly archive is for people aged 60 or over (8.2.1.1)",
            ),
        );
    }
    let living = choose(
        &mut inv,
        "living_arrangement",
        &LIVING_ARRANGEMENTS,
        &input.living_arrangement,
        ("居住方式", "living arrangement"),
    );
    let mut carers = Vec::new();
    if input.carers.len() > MAX_PEOPLE {
        inv.add(
            "carers",
            Msg::new("照顾者最多登记 10 人", "at most 10 carers"),
        );
    }
    for c in input.carers.iter().take(MAX_PEOPLE) {
        let name = inv.check("carers", text::name(&c.name, 50));
        let relation = inv.check("carers", text::required_line(&c.relation, 20));
        let phone = match c.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(CarerPhone::None),
            Some(p) if p.contains('*') => {
                if c.id.is_none() {
                    inv.add(
                        "carers",
                        Msg::new(
                            "请填写照顾者完整的电话号码",
                            "give the carer's full phone number",
                        ),
                    );
                    None
                } else {
                    Some(CarerPhone::Keep(p.to_string()))
                }
            }
            Some(p) => inv.check("carers", Phone::parse(p)).map(CarerPhone::New),
        };
        if let (Some(name), Some(relation), Some(phone)) = (name, relation, phone) {
            carers.push(Carer {
                id: c.id,
                name,
                relation,
                phone,
            });
        }
    }
    let interval = match input.visit_interval_days {
        Some(d) if !(1..=MAX_INTERVAL_DAYS).contains(&d) => {
            inv.add(
                "visit_interval_days",
                Msg::new(
                    "走访间隔应在 1 至 365 天之间",
                    "the visit interval is 1 to 365 days",
                ),
            );
            None
        }
        Some(d) => Some(d),
        None => living.map(|l| default_interval_days(l, categories)),
    };
    let notes = inv.check(
        "notes",
        text::notes(input.notes.as_deref().unwrap_or_default(), 2000),
    );
    inv.clone().into_result()?;
    Ok(ElderlyFields {
        living_arrangement: living.unwrap_or("other"),
        carers,
        visit_interval_days: interval.unwrap_or(30),
        notes: notes.unwrap_or_default(),
    })
}

#[derive(Debug, Clone, Default)]
pub struct VisitInput {
    pub visited_on: String,
    pub visitor: String,
    pub mode: String,
    pub findings: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub visited_on: Date,
    pub visitor: String,
    pub mode: &'static str,
    pub findings: String,
    pub notes: String,
}

/// Checks a visit: a real date, not in the future and not before the person was born.
pub fn validate_visit(
    input: &VisitInput,
    today: Date,
    birth_date: Option<Date>,
) -> Result<Visit, Invalid> {
    let mut inv = Invalid::new();
    let on = inv.check("visited_on", dates::parse(&input.visited_on));
    if let Some(d) = on {
        if d > today {
            inv.add(
                "visited_on",
                Msg::new(
                    "走访日期不能晚于今天",
                    "a visit cannot be dated in the future",
                ),
            );
        } else if birth_date.is_some_and(|b| d < b) {
            inv.add(
                "visited_on",
                Msg::new(
                    "走访日期不能早于出生日期",
                    "a visit cannot be dated before the person's birth",
                ),
            );
        }
    }
    let visitor = inv.check("visitor", text::name(&input.visitor, 50));
    let mode = choose(
        &mut inv,
        "mode",
        &VISIT_MODES,
        &input.mode,
        ("走访方式", "visit mode"),
    );
    let findings = inv.check(
        "findings",
        text::notes(input.findings.as_deref().unwrap_or_default(), 2000),
    );
    let notes = inv.check(
        "notes",
        text::notes(input.notes.as_deref().unwrap_or_default(), 2000),
    );
    inv.clone().into_result()?;
    Ok(Visit {
        visited_on: on.unwrap_or(today),
        visitor: visitor.unwrap_or_default(),
        mode: mode.unwrap_or("other"),
        findings: findings.unwrap_or_default(),
        notes: notes.unwrap_or_default(),
    })
}

/// When the next regular visit is due: one interval after the last visit; with no visit yet, on
/// the day the archive was opened (a person never visited is due at once).
pub fn next_visit_due(last_visit: Option<Date>, opened_on: Date, interval_days: i64) -> Date {
    match last_visit {
        Some(v) => v
            .checked_add(Duration::days(interval_days.clamp(1, MAX_INTERVAL_DAYS)))
            .unwrap_or(Date::MAX),
        None => opened_on,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    /// The due date has passed.
    Overdue,
    /// Due today or within [`DUE_SOON_DAYS`].
    Due,
    Later,
}

impl VisitStatus {
    pub fn id(self) -> &'static str {
        match self {
            VisitStatus::Overdue => "overdue",
            VisitStatus::Due => "due",
            VisitStatus::Later => "later",
        }
    }

    pub fn label(self) -> Msg {
        match self {
            VisitStatus::Overdue => Msg::new("已逾期", "overdue"),
            VisitStatus::Due => Msg::new("即将到期", "due soon"),
            VisitStatus::Later => Msg::new("未到期", "not yet due"),
        }
    }
}

pub fn visit_status(due: Date, today: Date) -> VisitStatus {
    if due < today {
        VisitStatus::Overdue
    } else if due <= today + Duration::days(DUE_SOON_DAYS) {
        VisitStatus::Due
    } else {
        VisitStatus::Later
    }
}

/// The last day a listing of visits "due within 7 days or overdue" takes in.
pub fn due_horizon(today: Date) -> Date {
    today + Duration::days(DUE_SOON_DAYS)
}

/// Days between `due` and `today`: positive when overdue.
pub fn days_overdue(due: Date, today: Date) -> i64 {
    (today - due).whole_days()
}

// ----------------------------------------------------------------------------------- children

/// A guardian's relation to the child.
pub const RELATIONS: [Choice; 7] = [
    ("father", "父亲", "father"),
    ("mother", "母亲", "mother"),
    ("grandparent", "(外)祖父母", "grandparent"),
    ("sibling", "兄姐", "elder sibling"),
    ("relative", "其他亲属", "other relative"),
    (
        "appointed",
        "指定监护人(村居委会、民政部门等)",
        "appointed guardian",
    ),
    ("other", "其他", "other"),
];

/// A guardian's status, with the conditions of 事实无人抚养儿童 (民发〔2019〕62号, 民发〔2020〕125号;
/// domain-rules.md § Children).
pub const GUARDIAN_STATUSES: [Choice; 11] = [
    ("normal", "正常", "able to care"),
    ("dead", "死亡", "dead"),
    ("missing", "宣告失踪", "declared missing"),
    ("severe_disability", "重残", "severely disabled"),
    ("severe_illness", "重病", "severely ill"),
    ("imprisoned", "服刑在押", "imprisoned"),
    (
        "compulsory_rehab",
        "强制隔离戒毒",
        "in compulsory drug rehabilitation",
    ),
    (
        "deprived_liberty",
        "被执行其他限制人身自由的措施",
        "otherwise deprived of liberty",
    ),
    (
        "lost_contact",
        "失联(6 个月以上)",
        "lost contact for 6 months or more",
    ),
    ("revoked", "被撤销监护资格", "guardianship revoked"),
    ("deported", "被遣送(驱逐)出境", "deported"),
];

/// 生活状况: who the child lives with.
pub const LIVING_SITUATIONS: [Choice; 4] = [
    ("with_guardian", "与监护人共同生活", "lives with a guardian"),
    (
        "with_relatives",
        "由其他亲属照料",
        "cared for by other relatives",
    ),
    (
        "alone",
        "独自生活(无监护人)",
        "lives alone, without a guardian",
    ),
    ("unattended", "无人看护", "unattended"),
];

/// 就学状况.
pub const STUDY_STATUSES: [Choice; 6] = [
    ("preschool", "学龄前", "not yet at school"),
    ("kindergarten", "在园", "at kindergarten"),
    ("in_school", "在校就读", "at school"),
    ("suspended", "休学", "school suspended"),
    ("dropped_out", "辍学", "dropped out"),
    ("other", "其他", "other"),
];

/// 健康状况 of a child.
pub const CHILD_HEALTH: [Choice; 4] = [
    ("healthy", "健康", "healthy"),
    ("chronic", "患病", "ill"),
    ("serious", "重病", "seriously ill"),
    ("disabled", "残疾", "disabled"),
];

/// How a guardianship gap was reported.
pub const REPORT_METHODS: [Choice; 5] = [
    ("in_person", "当面报告", "in person"),
    ("phone", "电话报告", "by phone"),
    ("written", "书面报告", "in writing"),
    ("online", "网络平台", "online platform"),
    ("other", "其他", "other"),
];

/// A parent who cannot raise the child: the conditions of 事实无人抚养 other than death.
fn unable(status: &str) -> bool {
    matches!(
        status,
        "severe_disability"
            | "severe_illness"
            | "imprisoned"
            | "compulsory_rehab"
            | "deprived_liberty"
            | "lost_contact"
            | "revoked"
            | "deported"
    )
}

fn gone(status: &str) -> bool {
    matches!(status, "dead" | "missing")
}

/// Whether the child is raised by its parents, as the guardians recorded say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// At least one parent can raise the child.
    Supported,
    /// 事实无人抚养儿童: both parents unable (or one dead or missing and the other unable).
    DeFactoUnsupported,
    /// Both parents dead or missing (孤儿, its own category).
    Orphan,
    /// Father or mother not recorded: the rule cannot be applied.
    Unknown,
}

impl Support {
    pub fn id(self) -> &'static str {
        match self {
            Support::Supported => "supported",
            Support::DeFactoUnsupported => "de_facto_unsupported",
            Support::Orphan => "orphan",
            Support::Unknown => "unknown",
        }
    }

    pub fn label(self) -> Msg {
        match self {
            Support::Supported => Msg::new("有父母抚养", "raised by a parent"),
            Support::DeFactoUnsupported => {
                Msg::new("符合事实无人抚养儿童条件", "a de facto unsupported child")
            }
            Support::Orphan => Msg::new("父母均死亡或宣告失踪(孤儿)", "orphan"),
            Support::Unknown => Msg::new(
                "父母情况未全部登记,无法判断",
                "father or mother not recorded: cannot tell",
            ),
        }
    }

    pub fn from_id(s: &str) -> Support {
        match s {
            "supported" => Support::Supported,
            "de_facto_unsupported" => Support::DeFactoUnsupported,
            "orphan" => Support::Orphan,
            _ => Support::Unknown,
        }
    }
}

/// The 事实无人抚养 rule over the statuses of the father and the mother (`None`: not recorded).
/// When several guardians have the same relation, the one able to care counts.
pub fn support(father: Option<&str>, mother: Option<&str>) -> Support {
    let (Some(f), Some(m)) = (father, mother) else {
        return Support::Unknown;
    };
    match (unable(f) || gone(f), unable(m) || gone(m)) {
        (true, true) if gone(f) && gone(m) => Support::Orphan,
        (true, true) => Support::DeFactoUnsupported,
        _ => Support::Supported,
    }
}

/// The support of a child from all its guardians.
pub fn support_of(guardians: &[Guardian]) -> Support {
    let parent = |rel: &str| -> Option<&str> {
        let mut of: Vec<&str> = guardians
            .iter()
            .filter(|g| g.relation == rel)
            .map(|g| g.status)
            .collect();
        of.sort_by_key(|s| *s != "normal");
        of.first().copied()
    };
    support(parent("father"), parent("mother"))
}

/// A guardianship gap (未成年人保护法 Art. 21; 8.3.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gap {
    /// A child under 8 left unattended.
    UnattendedUnder8,
    /// A child under 16 living alone without a guardian.
    AloneUnder16,
}

impl Gap {
    pub fn id(self) -> &'static str {
        match self {
            Gap::UnattendedUnder8 => "unattended_under_8",
            Gap::AloneUnder16 => "alone_under_16",
        }
    }

    pub fn from_id(s: &str) -> Option<Gap> {
        match s {
            "unattended_under_8" => Some(Gap::UnattendedUnder8),
            "alone_under_16" => Some(Gap::AloneUnder16),
            _ => None,
        }
    }

    pub fn label(self) -> Msg {
        match self {
            Gap::UnattendedUnder8 => Msg::new(
                "未满 8 周岁儿童处于无人看护状态",
                "a child under 8 is left unattended",
            ),
            Gap::AloneUnder16 => Msg::new(
                "未满 16 周岁儿童脱离监护单独生活",
                "a child under 16 lives alone without a guardian",
            ),
        }
    }
}

/// The guardianship-gap rule: a child under 8 recorded as unattended, or under 16 living alone
/// without a guardian (未成年人保护法 Art. 21).
pub fn gap(age: i32, living_situation: &str) -> Option<Gap> {
    match living_situation {
        "unattended" if age < 8 => Some(Gap::UnattendedUnder8),
        "alone" if age < 16 => Some(Gap::AloneUnder16),
        _ => None,
    }
}

/// Age limit of a guardianship archive: children under 18.
pub const CHILD_AGE: i32 = 18;

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct GuardianInput {
    pub name: String,
    pub relation: String,
    pub status: String,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guardian {
    pub name: String,
    pub relation: &'static str,
    pub status: &'static str,
    pub notes: String,
}

#[derive(Debug, Clone, Default)]
pub struct GuardianshipInput {
    pub living_situation: String,
    pub guardians: Vec<GuardianInput>,
    pub school: Option<String>,
    pub grade: Option<String>,
    pub study_status: Option<String>,
    pub health: Option<String>,
    pub health_notes: Option<String>,
    pub social_support: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianshipFields {
    pub living_situation: &'static str,
    pub guardians: Vec<Guardian>,
    pub school: String,
    pub grade: String,
    pub study_status: Option<&'static str>,
    pub health: Option<&'static str>,
    pub health_notes: String,
    pub social_support: String,
    pub notes: String,
    /// Derived by [`support_of`].
    pub support: Support,
    /// Derived by [`gap`] from the child's age today.
    pub gap: Option<Gap>,
}

/// Checks a guardianship archive for a child of `age` (known; under 18).
pub fn validate_guardianship(
    input: &GuardianshipInput,
    age: Option<i32>,
) -> Result<GuardianshipFields, Invalid> {
    let mut inv = Invalid::new();
    match age {
        None => inv.add(
            "birth_date",
            Msg::new(
                "请先在服务对象档案中登记出生日期或身份证号",
                "record the person's birth date or ID number first",
            ),
        ),
        Some(a) if a >= CHILD_AGE => inv.add(
            "birth_date",
            Msg::new(
                "儿童监护档案只适用于未满 18 周岁的儿童(8.3.1)",
                "a guardianship archive is for children under 18 (8.3.1)",
            ),
        ),
        _ => {}
    }
    let living = choose(
        &mut inv,
        "living_situation",
        &LIVING_SITUATIONS,
        &input.living_situation,
        ("生活状况", "living situation"),
    );
    if input.guardians.len() > MAX_PEOPLE {
        inv.add(
            "guardians",
            Msg::new("监护人最多登记 10 人", "at most 10 guardians"),
        );
    }
    let mut guardians = Vec::new();
    for g in input.guardians.iter().take(MAX_PEOPLE) {
        let name = inv.check("guardians", text::name(&g.name, 50));
        let relation = choose(
            &mut inv,
            "guardians",
            &RELATIONS,
            &g.relation,
            ("监护人关系", "relation"),
        );
        let status = choose(
            &mut inv,
            "guardians",
            &GUARDIAN_STATUSES,
            &g.status,
            ("监护人状况", "guardian status"),
        );
        let notes = inv.check(
            "guardians",
            text::one_line(g.notes.as_deref().unwrap_or_default(), 200),
        );
        if let (Some(name), Some(relation), Some(status), Some(notes)) =
            (name, relation, status, notes)
        {
            guardians.push(Guardian {
                name,
                relation,
                status,
                notes,
            });
        }
    }
    let optional = |inv: &mut Invalid, field, list: &[Choice], v: &Option<String>, what| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|v| choose(inv, field, list, v, what))
    };
    let study_status = optional(
        &mut inv,
        "study_status",
        &STUDY_STATUSES,
        &input.study_status,
        ("就学状况", "study status"),
    );
    let health = optional(
        &mut inv,
        "health",
        &CHILD_HEALTH,
        &input.health,
        ("健康状况", "health"),
    );
    let line = |inv: &mut Invalid, field, v: &Option<String>, max| {
        inv.check(field, text::one_line(v.as_deref().unwrap_or_default(), max))
            .unwrap_or_default()
    };
    let school = line(&mut inv, "school", &input.school, 100);
    let grade = line(&mut inv, "grade", &input.grade, 30);
    let long = |inv: &mut Invalid, field, v: &Option<String>| {
        inv.check(field, text::notes(v.as_deref().unwrap_or_default(), 2000))
            .unwrap_or_default()
    };
    let health_notes = long(&mut inv, "health_notes", &input.health_notes);
    let social_support = long(&mut inv, "social_support", &input.social_support);
    let notes = long(&mut inv, "notes", &input.notes);
    inv.clone().into_result()?;
    let living = living.unwrap_or("with_guardian");
    Ok(GuardianshipFields {
        support: support_of(&guardians),
        gap: age.and_then(|a| gap(a, living)),
        living_situation: living,
        guardians,
        school,
        grade,
        study_status,
        health,
        health_notes,
        social_support,
        notes,
    })
}

#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub reported_by: String,
    pub department: String,
    pub reported_on: String,
    pub method: String,
    pub notes: Option<String>,
}

/// A report of a guardianship gap to the responsible department (8.3.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub reported_by: String,
    pub department: String,
    pub reported_on: Date,
    pub method: &'static str,
    pub notes: String,
}

/// Checks a report: who, to which department, when (not in the future, not before the alert was
/// raised), how.
pub fn validate_report(
    input: &ReportInput,
    today: Date,
    raised_on: Date,
) -> Result<Report, Invalid> {
    let mut inv = Invalid::new();
    let by = inv.check("reported_by", text::name(&input.reported_by, 50));
    let department = inv.check("department", text::required_line(&input.department, 100));
    if let Some(d) = &department
        && d.contains(['<', '>'])
    {
        inv.add(
            "department",
            Msg::new("部门名称不能包含 < 或 >", "a department name has no < or >"),
        );
    }
    let on = inv.check("reported_on", dates::parse(&input.reported_on));
    if let Some(d) = on {
        if d > today {
            inv.add(
                "reported_on",
                Msg::new(
                    "报告日期不能晚于今天",
                    "a report cannot be dated in the future",
                ),
            );
        } else if d < raised_on {
            inv.add(
                "reported_on",
                Msg::new(
                    "报告日期不能早于预警产生的日期",
                    "a report cannot be dated before the alert was raised",
                ),
            );
        }
    }
    let method = choose(
        &mut inv,
        "method",
        &REPORT_METHODS,
        &input.method,
        ("报告方式", "report method"),
    );
    let notes = inv.check(
        "notes",
        text::notes(input.notes.as_deref().unwrap_or_default(), 2000),
    );
    inv.clone().into_result()?;
    Ok(Report {
        reported_by: by.unwrap_or_default(),
        department: department.unwrap_or_default(),
        reported_on: on.unwrap_or(today),
        method: method.unwrap_or("other"),
        notes: notes.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 29);

    fn fields(i: &Invalid) -> Vec<&str> {
        i.errors.iter().map(|e| e.field).collect()
    }

    #[test]
    fn default_intervals() {
        assert_eq!(default_interval_days("alone", &[]), 7);
        assert_eq!(
            default_interval_days("with_spouse", &["elderly_disabled"]),
            7
        );
        assert_eq!(
            default_interval_days("with_children", &["elderly_advanced"]),
            30
        );
    }

    #[test]
    fn elderly_archive_rules() {
        let ok = validate_elderly(
            &ElderlyInput {
                living_arrangement: "独居".into(),
                carers: vec![CarerInput {
                    id: None,
                    name: "李红".into(),
                    relation: "女儿".into(),
                    phone: Some("13812345678".into()),
                }],
                visit_interval_days: None,
                notes: Some("<script>x</script>".into()),
            },
            Some(80),
            &[],
        )
        .unwrap();
        assert_eq!(ok.living_arrangement, "alone");
        assert_eq!(ok.visit_interval_days, 7);
        assert!(matches!(ok.carers[0].phone, CarerPhone::New(_)));
        let e = validate_elderly(
            &ElderlyInput {
                living_arrangement: "住月球".into(),
                carers: vec![
                    CarerInput {
                        name: "<script>alert(1)</script>".into(),
                        relation: "儿子".into(),
                        ..Default::default()
                    },
                    CarerInput {
                        name: "王五".into(),
                        relation: "邻居".into(),
                        phone: Some("138****5678".into()),
                        id: None,
                    },
                ],
                visit_interval_days: Some(0),
                notes: None,
            },
            Some(59),
            &[],
        )
        .unwrap_err();
        assert_eq!(
            fields(&e),
            [
                "birth_date",
                "living_arrangement",
                "carers",
                "carers",
                "visit_interval_days"
            ]
        );
        // The masked phone sent back for a known carer keeps the stored one.
        let keep = validate_elderly(
            &ElderlyInput {
                living_arrangement: "other".into(),
                carers: vec![CarerInput {
                    id: Some(3),
                    name: "王五".into(),
                    relation: "邻居".into(),
                    phone: Some("138****5678".into()),
                }],
                visit_interval_days: Some(14),
                notes: None,
            },
            None,
            &[],
        )
        .unwrap();
        assert_eq!(keep.carers[0].phone, CarerPhone::Keep("138****5678".into()));
        assert_eq!(keep.visit_interval_days, 14);
        assert!(
            validate_elderly(
                &ElderlyInput {
                    living_arrangement: "alone".into(),
                    visit_interval_days: Some(366),
                    ..Default::default()
                },
                Some(70),
                &[]
            )
            .is_err()
        );
    }

    #[test]
    fn visits() {
        let v = |on: &str, visitor: &str, mode: &str| {
            validate_visit(
                &VisitInput {
                    visited_on: on.into(),
                    visitor: visitor.into(),
                    mode: mode.into(),
                    ..Default::default()
                },
                TODAY,
                Some(date!(1940 - 01 - 01)),
            )
        };
        assert_eq!(v("2026/11/29", "张社工", "入户走访").unwrap().mode, "home");
        assert!(
            v("2026-11-30", "张社工", "home")
                .unwrap_err()
                .message_for("visited_on")
                .unwrap()
                .zh
                .contains("晚于今天")
        );
        assert!(v("1930-01-01", "张社工", "home").is_err());
        assert_eq!(
            fields(&v("2026-02-30", "<b>", "fly").unwrap_err()),
            ["visited_on", "visitor", "mode"]
        );
    }

    #[test]
    fn next_due_and_status() {
        assert_eq!(
            next_visit_due(Some(date!(2026 - 11 - 01)), date!(2026 - 01 - 01), 7),
            date!(2026 - 11 - 08)
        );
        assert_eq!(
            next_visit_due(None, date!(2026 - 11 - 20), 30),
            date!(2026 - 11 - 20)
        );
        assert_eq!(
            visit_status(date!(2026 - 11 - 28), TODAY),
            VisitStatus::Overdue
        );
        assert_eq!(visit_status(TODAY, TODAY), VisitStatus::Due);
        assert_eq!(visit_status(date!(2026 - 12 - 06), TODAY), VisitStatus::Due);
        assert_eq!(
            visit_status(date!(2026 - 12 - 07), TODAY),
            VisitStatus::Later
        );
        assert_eq!(days_overdue(date!(2026 - 11 - 26), TODAY), 3);
    }

    #[test]
    fn de_facto_unsupported_children() {
        assert_eq!(
            support(Some("imprisoned"), Some("severe_illness")),
            Support::DeFactoUnsupported
        );
        assert_eq!(
            support(Some("dead"), Some("lost_contact")),
            Support::DeFactoUnsupported
        );
        assert_eq!(
            support(Some("missing"), Some("revoked")),
            Support::DeFactoUnsupported
        );
        assert_eq!(support(Some("dead"), Some("missing")), Support::Orphan);
        assert_eq!(
            support(Some("normal"), Some("imprisoned")),
            Support::Supported
        );
        assert_eq!(support(Some("dead"), None), Support::Unknown);
        let g = |relation, status| Guardian {
            name: "x".into(),
            relation,
            status,
            notes: String::new(),
        };
        // Grandparents caring do not change the parents' situation.
        assert_eq!(
            support_of(&[
                g("father", "compulsory_rehab"),
                g("mother", "deported"),
                g("grandparent", "normal")
            ]),
            Support::DeFactoUnsupported
        );
        assert_eq!(
            support_of(&[
                g("father", "dead"),
                g("mother", "normal"),
                g("mother", "dead")
            ]),
            Support::Supported
        );
    }

    #[test]
    fn gaps_at_the_edges() {
        assert_eq!(gap(7, "unattended"), Some(Gap::UnattendedUnder8));
        assert_eq!(gap(8, "unattended"), None);
        assert_eq!(gap(15, "alone"), Some(Gap::AloneUnder16));
        assert_eq!(gap(16, "alone"), None);
        assert_eq!(gap(3, "alone"), Some(Gap::AloneUnder16));
        assert_eq!(gap(3, "with_guardian"), None);
        assert_eq!(gap(3, "with_relatives"), None);
    }

    #[test]
    fn guardianship_archive_rules() {
        let input = GuardianshipInput {
            living_situation: "unattended".into(),
            guardians: vec![
                GuardianInput {
                    name: "王大".into(),
                    relation: "父亲".into(),
                    status: "服刑在押".into(),
                    notes: None,
                },
                GuardianInput {
                    name: "李二".into(),
                    relation: "mother".into(),
                    status: "lost_contact".into(),
                    notes: None,
                },
            ],
            study_status: Some("in_school".into()),
            ..Default::default()
        };
        let f = validate_guardianship(&input, Some(7)).unwrap();
        assert_eq!(f.support, Support::DeFactoUnsupported);
        assert_eq!(f.gap, Some(Gap::UnattendedUnder8));
        assert_eq!(validate_guardianship(&input, Some(9)).unwrap().gap, None);
        assert_eq!(
            fields(&validate_guardianship(&input, Some(18)).unwrap_err()),
            ["birth_date"]
        );
        assert_eq!(
            fields(&validate_guardianship(&input, None).unwrap_err()),
            ["birth_date"]
        );
        let bad = GuardianshipInput {
            living_situation: "月球".into(),
            guardians: vec![GuardianInput {
                name: "<script>".into(),
                relation: "boss".into(),
                status: "happy".into(),
                notes: None,
            }],
            study_status: Some("x".into()),
            school: Some("a\u{7}".into()),
            ..Default::default()
        };
        assert_eq!(
            fields(&validate_guardianship(&bad, Some(5)).unwrap_err()),
            [
                "living_situation",
                "guardians",
                "guardians",
                "guardians",
                "study_status",
                "school"
            ]
        );
    }

    #[test]
    fn reports() {
        let r = |on: &str| {
            validate_report(
                &ReportInput {
                    reported_by: "张社工".into(),
                    department: "荷塘区民政局".into(),
                    reported_on: on.into(),
                    method: "phone".into(),
                    notes: None,
                },
                TODAY,
                date!(2026 - 11 - 20),
            )
        };
        assert_eq!(r("2026-11-29").unwrap().method, "phone");
        assert!(r("2026-11-30").is_err());
        assert!(r("2026-11-19").is_err());
        let e = validate_report(&ReportInput::default(), TODAY, TODAY).unwrap_err();
        assert_eq!(
            fields(&e),
            ["reported_by", "department", "reported_on", "method"]
        );
    }

    const SITUATIONS: [&str; 4] = ["with_guardian", "with_relatives", "alone", "unattended"];

    proptest! {
        #[test]
        fn the_gap_rule_over_ages_and_situations(age in 0i32..30, s in 0usize..4) {
            let situation = SITUATIONS[s];
            let g = gap(age, situation);
            // An alert exactly when the law's two conditions hold.
            let expected = (situation == "unattended" && age < 8) || (situation == "alone" && age < 16);
            prop_assert_eq!(g.is_some(), expected);
            // Living with someone never raises one; 16 and over never does.
            if matches!(situation, "with_guardian" | "with_relatives") || age >= 16 {
                prop_assert!(g.is_none());
            }
        }

        #[test]
        fn an_archive_raises_the_same_gap_as_the_rule(age in 0i32..18, s in 0usize..4) {
            let f = validate_guardianship(&GuardianshipInput {
                living_situation: SITUATIONS[s].into(),
                ..Default::default()
            }, Some(age)).unwrap();
            prop_assert_eq!(f.gap, gap(age, SITUATIONS[s]));
            prop_assert_eq!(f.support, Support::Unknown);
        }

        #[test]
        fn support_is_symmetric(f in 0usize..11, m in 0usize..11) {
            let (a, b) = (GUARDIAN_STATUSES[f].0, GUARDIAN_STATUSES[m].0);
            prop_assert_eq!(support(Some(a), Some(b)), support(Some(b), Some(a)));
            if a == "normal" || b == "normal" {
                prop_assert_eq!(support(Some(a), Some(b)), Support::Supported);
            }
        }

        #[test]
        fn the_next_visit_is_never_before_the_last(day in 0i64..20000, interval in 1i64..=365) {
            let last = date!(1980 - 01 - 01) + Duration::days(day);
            let due = next_visit_due(Some(last), last, interval);
            prop_assert_eq!((due - last).whole_days(), interval);
            prop_assert_ne!(visit_status(due, last), VisitStatus::Overdue);
        }

        #[test]
        fn future_visits_are_refused(ahead in 1i64..5000) {
            let on = TODAY + Duration::days(ahead);
            let r = validate_visit(&VisitInput {
                visited_on: dates::iso(on),
                visitor: "张三".into(),
                mode: "home".into(),
                ..Default::default()
            }, TODAY, None);
            prop_assert!(r.is_err());
        }
    }
}
