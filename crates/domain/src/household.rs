//! Households (家庭/户), the household investigation record of 8.1.1.1 (入户调查), social
//! assistance review records of 8.1.1.2 (复核) and community profiles of 9.3.1.1 (认识社区).
//!
//! Money is always whole fen (分) in `i64`, never floating point: 1 元 = 100 分. Income and
//! spending amounts of an investigation are totals over the last 12 months (近 12 个月), so that
//! seasonal farming income counts fairly; the per-capita monthly income is derived from them
//! ([`per_capita_monthly`]).

use crate::{Invalid, Msg, text};
use serde::{Deserialize, Serialize};
use time::Date;

pub use crate::Choice;

/// Finds a choice by its code or its Chinese label.
pub fn pick(list: &'static [Choice], v: &str) -> Option<&'static Choice> {
    let v = v.trim();
    list.iter().find(|(code, zh, _)| *code == v || *zh == v)
}

/// The Chinese label of a code (the code itself when unknown).
pub fn label(list: &'static [Choice], code: &str) -> &'static str {
    pick(list, code).map(|c| c.1).unwrap_or("")
}

/// Relation of a member to the head of the household (与户主关系).
pub const RELATIONS: [Choice; 10] = [
    ("head", "户主", "head"),
    ("spouse", "配偶", "spouse"),
    ("child", "子女", "child"),
    ("child_in_law", "儿媳/女婿", "child-in-law"),
    ("parent", "父母", "parent"),
    ("grandparent", "祖父母/外祖父母", "grandparent"),
    ("grandchild", "孙子女/外孙子女", "grandchild"),
    ("sibling", "兄弟姐妹", "sibling"),
    ("parent_in_law", "公婆/岳父母", "parent-in-law"),
    ("other", "其他", "other"),
];

/// Also accepted as typed on rosters.
const RELATION_ALIASES: [(&str, &str); 4] = [
    ("孙子女", "grandchild"),
    ("祖父母", "grandparent"),
    ("外祖父母", "grandparent"),
    ("本人", "head"),
];

pub fn relation(v: &str) -> Result<&'static str, Msg> {
    if let Some(c) = pick(&RELATIONS, v) {
        return Ok(c.0);
    }
    if let Some((_, code)) = RELATION_ALIASES.iter().find(|(a, _)| *a == v.trim()) {
        return Ok(code);
    }
    Err(Msg::new(
        "与户主关系应为户主、配偶、子女、父母、孙子女、兄弟姐妹或其他等",
        "unknown relation to the head",
    ))
}

/// 户籍性质 (domain-rules.md § Social assistance).
pub const HUKOU: [Choice; 3] = [
    ("rural", "农业户口", "rural"),
    ("urban", "非农业户口", "urban"),
    ("resident", "居民户口", "resident (unified)"),
];

/// 健康状况: 健康 / 多病 / 重病.
pub use crate::person::HEALTH;

/// 残疾等级: none, or grade 1–4.
pub const DISABILITY: [Choice; 5] = [
    ("none", "无残疾", "none"),
    ("1", "一级", "grade 1"),
    ("2", "二级", "grade 2"),
    ("3", "三级", "grade 3"),
    ("4", "四级", "grade 4"),
];

/// 就业状况.
pub const EMPLOYMENT: [Choice; 7] = [
    ("employed", "在业(务工/受雇)", "employed"),
    ("farming", "务农", "farming"),
    ("self_employed", "个体经营", "self-employed"),
    ("unemployed", "失业/无业", "unemployed"),
    ("unable", "丧失劳动能力", "unable to work"),
    ("student", "在校学生", "student"),
    ("retired", "退休/离退休", "retired"),
];

/// Kinds of income (domain-rules.md: wages, farming, business, rent, land transfer, pension,
/// support from relatives, subsidies).
pub const INCOME_KINDS: [Choice; 9] = [
    ("wages", "工资性收入", "wages"),
    ("farming", "种养殖收入", "farming"),
    ("business", "经营性收入", "business"),
    ("rent", "租金收入", "rent"),
    ("land_transfer", "土地流转收入", "land transfer"),
    ("pension", "养老金/退休金", "pension"),
    ("support", "亲属赡(抚、扶)养费", "support from relatives"),
    ("subsidies", "政府补贴", "subsidies"),
    ("other", "其他收入", "other income"),
];

/// Kinds of spending (刚性支出 and everyday).
pub const SPENDING_KINDS: [Choice; 5] = [
    ("medical", "医疗支出", "medical"),
    ("education", "教育支出", "education"),
    ("housing", "住房支出", "housing"),
    ("living", "基本生活支出", "basic living"),
    ("other", "其他支出", "other spending"),
];

/// Social assistance categories (domain-rules.md § Social assistance, 8.1).
pub const ASSISTANCE_CATEGORIES: [Choice; 7] = [
    ("dibao", "最低生活保障(低保)", "minimum living guarantee"),
    ("near_dibao", "低保边缘家庭", "near-dibao household"),
    ("tekun", "特困人员救助供养", "extreme poverty support"),
    (
        "rigid_spending",
        "刚性支出困难家庭",
        "rigid-spending hardship",
    ),
    (
        "temporary_urgent",
        "临时救助(急难型)",
        "temporary aid (emergency)",
    ),
    (
        "temporary_spending",
        "临时救助(支出型)",
        "temporary aid (spending)",
    ),
    ("monitoring", "防返贫监测对象", "poverty-relapse monitoring"),
];

const CATEGORY_ALIASES: [(&str, &str); 5] = [
    ("低保", "dibao"),
    ("低保边缘", "near_dibao"),
    ("特困", "tekun"),
    ("特困供养", "tekun"),
    ("临时救助", "temporary_urgent"),
];

pub fn assistance_category(v: &str) -> Result<&'static str, Msg> {
    if let Some(c) = pick(&ASSISTANCE_CATEGORIES, v) {
        return Ok(c.0);
    }
    if let Some((_, code)) = CATEGORY_ALIASES.iter().find(|(a, _)| *a == v.trim()) {
        return Ok(code);
    }
    Err(Msg::new(
        "救助类别应为低保、低保边缘、特困供养、刚性支出困难、临时救助或防返贫监测",
        "unknown assistance category",
    ))
}

/// Outcome of a review (复核结果).
pub const REVIEW_RESULTS: [Choice; 3] = [
    ("continue", "继续享受", "continue"),
    ("adjust", "调整待遇", "adjust"),
    ("stop", "停止(退出)", "stop"),
];

const RESULT_ALIASES: [(&str, &str); 3] =
    [("继续", "continue"), ("调整", "adjust"), ("停止", "stop")];

pub fn review_result(v: &str) -> Result<&'static str, Msg> {
    if let Some(c) = pick(&REVIEW_RESULTS, v) {
        return Ok(c.0);
    }
    if let Some((_, code)) = RESULT_ALIASES.iter().find(|(a, _)| *a == v.trim()) {
        return Ok(code);
    }
    Err(Msg::new(
        "复核结果应为继续、调整或停止",
        "the result is continue, adjust or stop",
    ))
}

// ---------------------------------------------------------------- money

/// The most a single amount may be: 1 亿元 (10^10 fen). Larger values are typing mistakes, and
/// the bound keeps every sum far from overflow.
pub const MAX_AMOUNT_FEN: i64 = 10_000_000_000;

/// Parses an amount in 元 as people type it (`1234`, `1,234.5`, `１２３４.５６`, `¥12`) into fen.
/// Negative amounts, more than two decimals and anything not a number are refused.
pub fn parse_yuan(input: &str) -> Result<i64, Msg> {
    let s = crate::id_number::normalise_digits(input);
    let s: String = s
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .chars()
        .filter(|c| !matches!(c, ',' | '\u{FF0C}' | ' ' | '\u{3000}'))
        .map(|c| if c == '\u{FF0E}' { '.' } else { c })
        .collect();
    if s.starts_with('-') {
        return Err(negative());
    }
    let bad = || {
        Msg::owned(
            format!("“{}”不是有效金额,请填写元,最多两位小数", input.trim()),
            format!(
                "“{}” is not an amount in yuan with at most two decimals",
                input.trim()
            ),
        )
    };
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || whole.len() > 12
    {
        return Err(bad());
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    amount(
        w.checked_mul(100)
            .and_then(|x| x.checked_add(f))
            .ok_or_else(bad)?,
    )
}

fn negative() -> Msg {
    Msg::new("金额不能为负数", "an amount cannot be negative")
}

/// Checks an amount in fen: not negative, not above [`MAX_AMOUNT_FEN`].
pub fn amount(fen: i64) -> Result<i64, Msg> {
    if fen < 0 {
        return Err(negative());
    }
    if fen > MAX_AMOUNT_FEN {
        return Err(Msg::new(
            "金额过大(不能超过 1 亿元),请核对",
            "the amount is too large (at most 100,000,000 yuan)",
        ));
    }
    Ok(fen)
}

/// Fen as 元 with two decimals: `123456` → `1234.56`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Per-capita monthly income in fen: the household's income over the last 12 months divided by
/// 12 and by the number of members, rounded half up to the fen. `None` without members.
pub fn per_capita_monthly(total_annual_fen: i64, members: u32) -> Option<i64> {
    if members == 0 || total_annual_fen < 0 {
        return None;
    }
    let d = 12i128 * i128::from(members);
    let t = i128::from(total_annual_fen);
    i64::try_from((t * 2 + d) / (d * 2)).ok()
}

// ---------------------------------------------------------------- households

/// A household's own fields as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HouseholdInput {
    pub address: Option<String>,
    pub housing: Option<String>,
    pub difficulty_type: Option<String>,
    pub difficulty_degree: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdFields {
    pub address: String,
    pub housing: String,
    pub difficulty_type: String,
    pub difficulty_degree: Option<&'static str>,
}

pub fn validate_household(i: &HouseholdInput) -> Result<HouseholdFields, Invalid> {
    let mut inv = Invalid::new();
    let line = |v: &Option<String>, n| text::one_line(v.as_deref().unwrap_or_default(), n);
    let address = inv.check("address", line(&i.address, 200));
    let housing = inv.check("housing", line(&i.housing, 200));
    let difficulty_type = inv.check("difficulty_type", line(&i.difficulty_type, 100));
    let degree = i
        .difficulty_degree
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|d| {
            inv.check(
                "difficulty_degree",
                pick(&crate::person::DIFFICULTY_DEGREES, d)
                    .map(|c| c.0)
                    .ok_or(Msg::new(
                        "困难程度应为一般困难、比较困难或特别困难",
                        "unknown difficulty degree",
                    )),
            )
        });
    inv.into_result()?;
    Ok(HouseholdFields {
        address: address.unwrap_or_default(),
        housing: housing.unwrap_or_default(),
        difficulty_type: difficulty_type.unwrap_or_default(),
        difficulty_degree: degree,
    })
}

// ---------------------------------------------------------------- investigations (8.1.1.1)

/// An amount as it arrives: whole fen from the API, or 元 as typed in a form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum AmountInput {
    Fen(i64),
    Yuan(String),
}

impl AmountInput {
    fn fen(&self) -> Result<Option<i64>, Msg> {
        match self {
            AmountInput::Fen(f) => amount(*f).map(Some),
            AmountInput::Yuan(s) if s.trim().is_empty() => Ok(None),
            AmountInput::Yuan(s) => parse_yuan(s).map(Some),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MemberInput {
    pub person_id: i64,
    pub hukou: Option<String>,
    pub education: Option<String>,
    pub marriage: Option<String>,
    pub health: Option<String>,
    pub disability: Option<String>,
    pub employment: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct InvestigationInput {
    /// YYYY-MM-DD (also 2026/1/2, 2026年1月2日); not in the future.
    pub date: String,
    /// At least two different people (names or account names).
    pub investigators: Vec<String>,
    pub members: Vec<MemberInput>,
    /// (kind, amount over the last 12 months)
    pub incomes: Vec<(String, AmountInput)>,
    pub spending: Vec<(String, AmountInput)>,
    pub housing: Option<String>,
    pub vehicles: Option<String>,
    pub savings: Option<AmountInput>,
    pub business: Option<String>,
    pub notes: Option<String>,
    /// The investigators and the family members signed the paper form (调查人员和家庭成员签字).
    pub signed: bool,
}

/// One member as investigated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRecord {
    pub person_id: i64,
    pub hukou: String,
    pub education: String,
    pub marriage: String,
    pub health: String,
    pub disability: String,
    pub employment: String,
}

/// An amount of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    pub kind: String,
    pub fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Property {
    pub housing: String,
    pub vehicles: String,
    pub savings_fen: i64,
    pub business: String,
}

/// A household investigation that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Investigation {
    pub date: Date,
    pub investigators: Vec<String>,
    pub members: Vec<MemberRecord>,
    pub incomes: Vec<Amount>,
    pub spending: Vec<Amount>,
    pub property: Property,
    pub notes: String,
    pub signed: bool,
    pub total_income_fen: i64,
    pub total_spending_fen: i64,
    pub per_capita_monthly_fen: i64,
}

fn amounts(
    inv: &mut Invalid,
    field: &'static str,
    list: &'static [Choice],
    items: &[(String, AmountInput)],
) -> (Vec<Amount>, i64) {
    let mut out: Vec<Amount> = Vec::new();
    for (kind, a) in items {
        let Some(k) = pick(list, kind) else {
            inv.add(
                field,
                Msg::owned(
                    format!("未知的类别“{}”", kind.chars().take(20).collect::<String>()),
                    "unknown kind",
                ),
            );
            continue;
        };
        match a.fen() {
            Ok(Some(fen)) => match out.iter_mut().find(|x| x.kind == k.0) {
                // The same kind twice (two wage earners) adds up.
                Some(x) => x.fen += fen,
                None => out.push(Amount {
                    kind: k.0.to_string(),
                    fen,
                }),
            },
            Ok(None) => {}
            Err(m) => inv.add(
                field,
                Msg::owned(format!("{}:{}", k.1, m.zh), format!("{}: {}", k.2, m.en)),
            ),
        }
    }
    // Each amount is at most 10^10 and kinds are few, so the sum cannot overflow.
    let total = out.iter().map(|a| a.fen).sum();
    (out, total)
}

/// Checks an investigation. `members_of_household` are the household's current members the
/// investigator may see; every investigated member must be one of them, and at least one member
/// is investigated.
pub fn validate_investigation(
    i: &InvestigationInput,
    today: Date,
    members_of_household: &[i64],
) -> Result<Investigation, Invalid> {
    let mut inv = Invalid::new();
    let date = if i.date.trim().is_empty() {
        inv.add("date", Msg::new("请填写调查日期", "the date is required"));
        None
    } else {
        inv.check("date", crate::dates::parse(&i.date))
    };
    if let Some(d) = date {
        if d > today {
            inv.add(
                "date",
                Msg::new("调查日期不能晚于今天", "the date cannot be in the future"),
            );
        } else if d.year() < 2000 {
            inv.add(
                "date",
                Msg::new("调查日期不能早于 2000 年", "the date is before 2000"),
            );
        }
    }
    let mut investigators: Vec<String> = Vec::new();
    for n in &i.investigators {
        if n.trim().is_empty() {
            continue;
        }
        if let Some(n) = inv.check("investigators", text::name(n, 50))
            && !investigators.contains(&n)
        {
            investigators.push(n);
        }
    }
    if investigators.len() < 2 {
        inv.add(
            "investigators",
            Msg::new(
                "入户调查至少需要两名调查人员(8.1.1.1)",
                "an investigation needs at least two different investigators",
            ),
        );
    }
    if investigators.len() > 10 {
        inv.add(
            "investigators",
            Msg::new("调查人员不能超过 10 名", "at most 10 investigators"),
        );
    }
    let mut members = Vec::new();
    if i.members.is_empty() {
        inv.add(
            "members",
            Msg::new(
                "至少调查一名家庭成员",
                "investigate at least one household member",
            ),
        );
    }
    for m in &i.members {
        if !members_of_household.contains(&m.person_id) {
            inv.add(
                "members",
                Msg::new(
                    "所填成员不是本户成员",
                    "a member given is not a member of this household",
                ),
            );
            continue;
        }
        if members
            .iter()
            .any(|r: &MemberRecord| r.person_id == m.person_id)
        {
            continue;
        }
        let choice = |field: &'static str,
                      list: &'static [Choice],
                      v: &Option<String>,
                      msg: Msg,
                      inv: &mut Invalid|
         -> String {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => String::new(),
                Some(v) => inv
                    .check(field, pick(list, v).map(|c| c.0.to_string()).ok_or(msg))
                    .unwrap_or_default(),
            }
        };
        let hukou = choice(
            "hukou",
            &HUKOU,
            &m.hukou,
            Msg::new(
                "户籍性质应为农业、非农业或居民户口",
                "unknown household registration type",
            ),
            &mut inv,
        );
        let health = choice(
            "health",
            &HEALTH,
            &m.health,
            Msg::new(
                "健康状况应为健康、多病或重病",
                "health is healthy, chronic or serious",
            ),
            &mut inv,
        );
        let disability = choice(
            "disability",
            &DISABILITY,
            &m.disability,
            Msg::new(
                "残疾等级应为无或一至四级",
                "disability is none or grade 1–4",
            ),
            &mut inv,
        );
        let employment = choice(
            "employment",
            &EMPLOYMENT,
            &m.employment,
            Msg::new("未知的就业状况", "unknown employment status"),
            &mut inv,
        );
        let line = |field, v: &Option<String>, inv: &mut Invalid| {
            inv.check(field, text::one_line(v.as_deref().unwrap_or_default(), 30))
                .unwrap_or_default()
        };
        let education = line("education", &m.education, &mut inv);
        let marriage = line("marriage", &m.marriage, &mut inv);
        members.push(MemberRecord {
            person_id: m.person_id,
            hukou,
            education,
            marriage,
            health,
            disability,
            employment,
        });
    }
    let (incomes, total_income_fen) = amounts(&mut inv, "incomes", &INCOME_KINDS, &i.incomes);
    let (spending, total_spending_fen) =
        amounts(&mut inv, "spending", &SPENDING_KINDS, &i.spending);
    let savings_fen = match &i.savings {
        None => 0,
        Some(a) => inv.check("savings", a.fen()).flatten().unwrap_or_default(),
    };
    let line = |field, v: &Option<String>, n, inv: &mut Invalid| {
        inv.check(field, text::one_line(v.as_deref().unwrap_or_default(), n))
            .unwrap_or_default()
    };
    let property = Property {
        housing: line("housing", &i.housing, 200, &mut inv),
        vehicles: line("vehicles", &i.vehicles, 200, &mut inv),
        savings_fen,
        business: line("business", &i.business, 200, &mut inv),
    };
    let notes = inv
        .check(
            "notes",
            text::notes(i.notes.as_deref().unwrap_or_default(), 2000),
        )
        .unwrap_or_default();
    if !i.signed {
        inv.add(
            "signed",
            Msg::new(
                "请确认调查人员和家庭成员已在调查表上签字",
                "confirm that the investigators and the family signed the form",
            ),
        );
    }
    inv.into_result()?;
    let (Some(date), Some(pc)) = (
        date,
        per_capita_monthly(total_income_fen, members.len() as u32),
    ) else {
        return Err(Invalid::one(
            "members",
            Msg::new("至少调查一名家庭成员", "investigate at least one member"),
        ));
    };
    Ok(Investigation {
        date,
        investigators,
        members,
        incomes,
        spending,
        property,
        notes,
        signed: true,
        total_income_fen,
        total_spending_fen,
        per_capita_monthly_fen: pc,
    })
}

// ---------------------------------------------------------------- reviews (8.1.1.2)

/// Days before the due date from which a review is listed as due.
pub const DUE_WINDOW_DAYS: i64 = 30;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReviewInput {
    pub category: String,
    pub reviewed_on: String,
    pub result: String,
    /// Required unless the result is "stop": domain-rules.md gives no fixed review interval, so
    /// the civil-affairs office's date is recorded as given.
    pub next_due: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub category: &'static str,
    pub reviewed_on: Date,
    pub result: &'static str,
    pub next_due: Option<Date>,
    pub notes: String,
}

pub fn validate_review(i: &ReviewInput, today: Date) -> Result<Review, Invalid> {
    let mut inv = Invalid::new();
    let category = inv.check("category", assistance_category(&i.category));
    let reviewed_on = if i.reviewed_on.trim().is_empty() {
        inv.add(
            "reviewed_on",
            Msg::new("请填写复核日期", "the review date is required"),
        );
        None
    } else {
        inv.check("reviewed_on", crate::dates::parse(&i.reviewed_on))
    };
    if reviewed_on.is_some_and(|d| d > today) {
        inv.add(
            "reviewed_on",
            Msg::new(
                "复核日期不能晚于今天",
                "the review date cannot be in the future",
            ),
        );
    }
    let result = inv.check("result", review_result(&i.result));
    let next_due = match i
        .next_due
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(d) => inv.check("next_due", crate::dates::parse(d)),
        None => None,
    };
    match (result, next_due, reviewed_on) {
        (Some(r), None, _) if r != "stop" => inv.add(
            "next_due",
            Msg::new(
                "请填写下次复核日期(停止救助的除外)",
                "the next review date is required unless assistance stops",
            ),
        ),
        (Some("stop"), Some(_), _) => inv.add(
            "next_due",
            Msg::new(
                "停止救助的不再安排下次复核",
                "no next review when assistance stops",
            ),
        ),
        (_, Some(n), Some(r)) if n <= r => inv.add(
            "next_due",
            Msg::new(
                "下次复核日期应晚于本次复核日期",
                "the next review must be after this one",
            ),
        ),
        _ => {}
    }
    let notes = inv
        .check(
            "notes",
            text::notes(i.notes.as_deref().unwrap_or_default(), 2000),
        )
        .unwrap_or_default();
    inv.into_result()?;
    match (category, reviewed_on, result) {
        (Some(category), Some(reviewed_on), Some(result)) => Ok(Review {
            category,
            reviewed_on,
            result,
            next_due,
            notes,
        }),
        _ => Err(Invalid::one("category", Msg::new("必填", "required"))),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueStatus {
    /// The due date has passed.
    Overdue,
    /// Due within [`DUE_WINDOW_DAYS`] days (today included).
    Due,
    /// Later.
    Later,
}

pub fn due_status(next_due: Date, today: Date) -> DueStatus {
    if next_due < today {
        DueStatus::Overdue
    } else if (next_due - today).whole_days() <= DUE_WINDOW_DAYS {
        DueStatus::Due
    } else {
        DueStatus::Later
    }
}

/// The last day that counts as "due" today.
pub fn due_horizon(today: Date) -> Date {
    today
        .checked_add(time::Duration::days(DUE_WINDOW_DAYS))
        .unwrap_or(today)
}

// ---------------------------------------------------------------- community profiles (9.3.1.1)

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CommunityInput {
    pub population: Option<String>,
    pub history: Option<String>,
    pub culture: Option<String>,
    pub resources: Option<String>,
    pub organisations: Option<String>,
    pub sources: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityFields {
    pub population: String,
    pub history: String,
    pub culture: String,
    pub resources: String,
    pub organisations: String,
    pub sources: String,
}

pub const COMMUNITY_TEXT_MAX: usize = 5000;

pub fn validate_community(i: &CommunityInput) -> Result<CommunityFields, Invalid> {
    let mut inv = Invalid::new();
    let mut f = |field: &'static str, v: &Option<String>| {
        inv.check(
            field,
            text::notes(v.as_deref().unwrap_or_default(), COMMUNITY_TEXT_MAX),
        )
        .unwrap_or_default()
    };
    let out = CommunityFields {
        population: f("population", &i.population),
        history: f("history", &i.history),
        culture: f("culture", &i.culture),
        resources: f("resources", &i.resources),
        organisations: f("organisations", &i.organisations),
        sources: f("sources", &i.sources),
    };
    let empty = [
        &out.population,
        &out.history,
        &out.culture,
        &out.resources,
        &out.organisations,
    ]
    .iter()
    .all(|s| s.is_empty());
    if empty {
        inv.add(
            "population",
            Msg::new(
                "请至少填写一项社区概况",
                "fill in at least one part of the profile",
            ),
        );
    }
    if !empty && out.sources.is_empty() {
        inv.add(
            "sources",
            Msg::new(
                "请注明资料来源(文献、社区资料、媒体报道、走访等,9.3.1.1.1)",
                "name the sources (documents, community records, media, visits)",
            ),
        );
    }
    inv.into_result()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn yuan_as_typed() {
        assert_eq!(parse_yuan("1234").unwrap(), 123_400);
        assert_eq!(parse_yuan("1,234.5").unwrap(), 123_450);
        assert_eq!(parse_yuan("1\u{FF0C}234").unwrap(), 123_400);
        assert_eq!(parse_yuan("１２\u{FF0E}５").unwrap(), 1250);
        assert_eq!(parse_yuan("¥0.05").unwrap(), 5);
        assert_eq!(parse_yuan("１２.３４元").unwrap(), 1234);
        assert_eq!(parse_yuan(".5").unwrap(), 50);
        for bad in ["", "abc", "1.234", "-5", "1e3", "12.3.4", "NaN", "<script>"] {
            assert!(parse_yuan(bad).is_err(), "{bad}");
        }
        assert!(parse_yuan("-5").unwrap_err().zh.contains("负"));
        assert!(parse_yuan("100000001").is_err(), "over 1 亿元");
        assert_eq!(format_yuan(123_456), "1234.56");
        assert_eq!(format_yuan(5), "0.05");
    }

    #[test]
    fn per_capita_income() {
        // 3 people, 36,000 元 a year → 1,000 元 a month each.
        assert_eq!(per_capita_monthly(3_600_000, 3), Some(100_000));
        // 1 元 a year for one person: 1/12 fen rounds to 8 fen.
        assert_eq!(per_capita_monthly(100, 1), Some(8));
        assert_eq!(per_capita_monthly(6, 1), Some(1), "half rounds up");
        assert_eq!(per_capita_monthly(5, 1), Some(0));
        assert_eq!(per_capita_monthly(0, 4), Some(0));
        assert_eq!(per_capita_monthly(100, 0), None);
        assert_eq!(per_capita_monthly(-1, 2), None);
    }

    fn input() -> InvestigationInput {
        InvestigationInput {
            date: "2026-11-01".into(),
            investigators: vec!["张三".into(), "李四".into()],
            members: vec![
                MemberInput {
                    person_id: 1,
                    hukou: Some("农业户口".into()),
                    health: Some("多病".into()),
                    disability: Some("2".into()),
                    employment: Some("unable".into()),
                    ..Default::default()
                },
                MemberInput {
                    person_id: 2,
                    ..Default::default()
                },
            ],
            incomes: vec![
                ("wages".into(), AmountInput::Fen(1_200_000)),
                ("工资性收入".into(), AmountInput::Yuan("6000".into())),
                ("subsidies".into(), AmountInput::Yuan("".into())),
            ],
            spending: vec![("medical".into(), AmountInput::Fen(500_000))],
            savings: Some(AmountInput::Yuan("2000.5".into())),
            signed: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_good_investigation() {
        let v = validate_investigation(&input(), date!(2026 - 11 - 29), &[1, 2, 3]).unwrap();
        assert_eq!(v.total_income_fen, 1_800_000);
        assert_eq!(
            v.incomes.len(),
            1,
            "the same kind adds up; empty ones are left out"
        );
        assert_eq!(v.per_capita_monthly_fen, 75_000);
        assert_eq!(v.members[0].hukou, "rural");
        assert_eq!(v.members[0].health, "chronic");
        assert_eq!(v.property.savings_fen, 200_050);
        assert_eq!(v.total_spending_fen, 500_000);
    }

    #[test]
    fn bad_investigations_name_every_field() {
        let mut i = input();
        i.date = "2026-12-30".into();
        i.investigators = vec!["张三".into(), " 张三 ".into()];
        i.incomes.push(("wages".into(), AmountInput::Fen(-1)));
        i.spending.push(("yachts".into(), AmountInput::Fen(1)));
        i.members.push(MemberInput {
            person_id: 99,
            ..Default::default()
        });
        i.signed = false;
        let e = validate_investigation(&i, date!(2026 - 11 - 29), &[1, 2]).unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "date",
                "investigators",
                "members",
                "incomes",
                "spending",
                "signed"
            ]
        );
        let mut i = input();
        i.investigators = vec!["<script>".into(), "李四".into()];
        i.members.clear();
        let e = validate_investigation(&i, date!(2026 - 11 - 29), &[1]).unwrap_err();
        assert!(e.message_for("investigators").is_some());
        assert!(e.message_for("members").is_some());
    }

    #[test]
    fn reviews() {
        let today = date!(2026 - 11 - 29);
        let ok = ReviewInput {
            category: "低保".into(),
            reviewed_on: "2026-11-01".into(),
            result: "继续".into(),
            next_due: Some("2027-11-01".into()),
            notes: None,
        };
        let r = validate_review(&ok, today).unwrap();
        assert_eq!((r.category, r.result), ("dibao", "continue"));
        let e = validate_review(
            &ReviewInput {
                next_due: None,
                ..ok.clone()
            },
            today,
        )
        .unwrap_err();
        assert!(e.message_for("next_due").is_some(), "required");
        let stop = validate_review(
            &ReviewInput {
                result: "停止".into(),
                next_due: None,
                ..ok.clone()
            },
            today,
        )
        .unwrap();
        assert_eq!(stop.next_due, None);
        let e = validate_review(
            &ReviewInput {
                category: "富豪".into(),
                reviewed_on: "2027-01-01".into(),
                result: "maybe".into(),
                next_due: Some("2026-01-01".into()),
                notes: None,
            },
            today,
        )
        .unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["category", "reviewed_on", "result", "next_due"]);
        let e = validate_review(
            &ReviewInput {
                next_due: Some("2026-10-01".into()),
                ..ok
            },
            today,
        )
        .unwrap_err();
        assert!(e.message_for("next_due").is_some(), "before the review");
    }

    #[test]
    fn due_statuses() {
        let today = date!(2026 - 11 - 29);
        assert_eq!(due_status(date!(2026 - 11 - 28), today), DueStatus::Overdue);
        assert_eq!(due_status(today, today), DueStatus::Due);
        assert_eq!(due_status(date!(2026 - 12 - 29), today), DueStatus::Due);
        assert_eq!(due_status(date!(2026 - 12 - 30), today), DueStatus::Later);
        assert_eq!(due_horizon(today), date!(2026 - 12 - 29));
    }

    #[test]
    fn community_profiles_need_content_and_sources() {
        let e = validate_community(&CommunityInput::default()).unwrap_err();
        assert!(e.message_for("population").is_some());
        let e = validate_community(&CommunityInput {
            history: Some("始建于明代".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.message_for("sources").is_some());
        let ok = validate_community(&CommunityInput {
            history: Some("始建于明代".into()),
            sources: Some("村志".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.history, "始建于明代");
        let e = validate_community(&CommunityInput {
            culture: Some("x".repeat(COMMUNITY_TEXT_MAX + 1)),
            sources: Some("村志".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.message_for("culture").is_some());
    }

    #[test]
    fn relations_and_categories() {
        assert_eq!(relation("户主").unwrap(), "head");
        assert_eq!(relation("孙子女").unwrap(), "grandchild");
        assert_eq!(relation("spouse").unwrap(), "spouse");
        assert!(relation("<b>").is_err());
        assert_eq!(assistance_category("特困供养").unwrap(), "tekun");
        assert_eq!(label(&RELATIONS, "child"), "子女");
    }

    proptest! {
        #[test]
        fn per_capita_is_the_rounded_share(total in 0i64..=MAX_AMOUNT_FEN * 20, n in 1u32..30) {
            let pc = per_capita_monthly(total, n).unwrap();
            let d = 12 * i128::from(n);
            // |pc·12n − total| ≤ 6n: the nearest fen.
            prop_assert!((i128::from(pc) * d - i128::from(total)).abs() * 2 <= d);
            prop_assert!(pc >= 0);
        }

        #[test]
        fn more_income_never_lowers_the_share(a in 0i64..MAX_AMOUNT_FEN, b in 0i64..MAX_AMOUNT_FEN, n in 1u32..20) {
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(per_capita_monthly(lo, n) <= per_capita_monthly(hi, n));
            prop_assert!(per_capita_monthly(hi, n + 1) <= per_capita_monthly(hi, n));
        }

        #[test]
        fn yuan_round_trips(fen in 0i64..=MAX_AMOUNT_FEN) {
            prop_assert_eq!(parse_yuan(&format_yuan(fen)).unwrap(), fen);
        }

        #[test]
        fn parsed_amounts_are_never_negative(s in "\\PC{0,16}") {
            if let Ok(f) = parse_yuan(&s) {
                prop_assert!((0..=MAX_AMOUNT_FEN).contains(&f));
            }
        }

        #[test]
        fn future_dates_are_refused(days in 1i64..4000) {
            let today = time::macros::date!(2026 - 11 - 29);
            let d = today + time::Duration::days(days);
            let mut i = input();
            i.date = crate::dates::iso(d);
            let e = validate_investigation(&i, today, &[1, 2]).unwrap_err();
            prop_assert!(e.message_for("date").is_some());
        }
    }
}
