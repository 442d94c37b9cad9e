//! Person rosters (花名册) as civil-affairs systems export them (issue 3 point 10): finding the
//! header row under merged title rows, guessing which column holds what, and turning each row's
//! cells into a [`PersonInput`] for [`crate::person::validate`] — the same rules as the form.
//! Every problem is reported with the spreadsheet row number, the column and a Chinese reason.
//!
//! Pure: the store reads the workbook into [`Cell`]s; nothing here touches a file.

use crate::Msg;
use crate::id_number::IdNumber;
use crate::person::{CategoryInput, PersonInput};
use serde::{Deserialize, Serialize};

/// Most data rows one import takes.
pub const MAX_ROWS: usize = 200_000;
/// Rows searched for the header (title rows and notes come first).
pub const HEADER_SEARCH_ROWS: usize = 30;

/// One cell as read from a workbook (formulas give their cached value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
pub enum Cell {
    Empty,
    Text(String),
    /// A number cell. Excel keeps 15 significant digits: an 18-digit ID number stored as a number
    /// has usually lost its last digits.
    Number(f64),
    /// A number cell whose exact digits were read from the file (an `.xlsx` written by a program
    /// that stores the whole integer): an ID number in it is still whole.
    Digits(String),
    /// A date cell, `YYYY-MM-DD`.
    Date(String),
    Bool(bool),
    /// An error value such as `#N/A`.
    Error(String),
}

impl Cell {
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => fold(s).trim().is_empty(),
            _ => false,
        }
    }

    /// What the cell shows, for header cells.
    fn label(&self) -> String {
        match self {
            Cell::Text(s) | Cell::Digits(s) | Cell::Date(s) | Cell::Error(s) => s.clone(),
            Cell::Number(n) => format!("{n}"),
            Cell::Bool(b) => b.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// Folds full-width ASCII (as Chinese input methods type it) to half-width, the ideographic space
/// to a space, and removes zero-width and no-break spaces' oddities.
pub fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}'))
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' | '\u{00A0}' => ' ',
            c => c,
        })
        .collect()
}

/// A header cell reduced to what identifies a column: folded, without spaces, line breaks, a
/// trailing `*` (required mark) or colon.
pub fn normalise_header(s: &str) -> String {
    let f: String = fold(s).chars().filter(|c| !c.is_whitespace()).collect();
    f.trim_matches(|c| matches!(c, '*' | ':' | '：'))
        .to_string()
}

/// A roster value with stray spaces removed: trimmed, runs of spaces collapsed, and spaces
/// between Chinese characters dropped (`张  三` → `张三`, `Ma Li` stays).
pub fn clean_text(s: &str) -> String {
    let f = fold(s);
    let words: Vec<&str> = f.split_whitespace().collect();
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            let prev = out.chars().last().unwrap_or(' ');
            let next = w.chars().next().unwrap_or(' ');
            if !(is_cjk(prev) && is_cjk(next)) {
                out.push(' ');
            }
        }
        out.push_str(w);
    }
    out
}

/// A village (community) name as rosters and the division tables write it, reduced to compare:
/// `文化路社区居委会` and `文化路社区` are the same place.
pub fn village_key(name: &str) -> String {
    let c = clean_text(name).replace(' ', "");
    for suffix in ["村民委员会", "村委会"] {
        if let Some(s) = c.strip_suffix(suffix)
            && !s.is_empty()
        {
            return format!("{}村", s.trim_end_matches('村'));
        }
    }
    for suffix in ["居民委员会", "居委会"] {
        if let Some(s) = c.strip_suffix(suffix)
            && !s.is_empty()
        {
            return format!("{}社区", s.trim_end_matches("社区"));
        }
    }
    c
}

fn is_cjk(c: char) -> bool {
    !c.is_ascii() && c.is_alphanumeric()
}

/// What a column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    IdNumber,
    Gender,
    Ethnicity,
    BirthDate,
    Phone,
    Address,
    Village,
    Category,
    DisabilityGrade,
    Health,
    DifficultyDegree,
    MonthlyIncome,
    Employment,
    Notes,
    /// 户编号: the civil-affairs system's number of the household.
    HouseholdNo,
    HeadName,
    HeadIdNumber,
    /// 与户主关系, from [`crate::household::RELATIONS`].
    Relation,
    /// 家庭人口: how many people the household has (the roster may list fewer).
    HouseholdSize,
}

impl Field {
    pub const ALL: [Field; 20] = [
        Field::Name,
        Field::IdNumber,
        Field::Gender,
        Field::Ethnicity,
        Field::BirthDate,
        Field::Phone,
        Field::Address,
        Field::Village,
        Field::Category,
        Field::DisabilityGrade,
        Field::Health,
        Field::DifficultyDegree,
        Field::MonthlyIncome,
        Field::Employment,
        Field::Notes,
        Field::HouseholdNo,
        Field::HeadName,
        Field::HeadIdNumber,
        Field::Relation,
        Field::HouseholdSize,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::IdNumber => "id_number",
            Field::Gender => "gender",
            Field::Ethnicity => "ethnicity",
            Field::BirthDate => "birth_date",
            Field::Phone => "phone",
            Field::Address => "address",
            Field::Village => "village",
            Field::Category => "category",
            Field::DisabilityGrade => "disability_grade",
            Field::Health => "health",
            Field::DifficultyDegree => "difficulty_degree",
            Field::MonthlyIncome => "monthly_income",
            Field::Employment => "employment",
            Field::Notes => "notes",
            Field::HouseholdNo => "household_no",
            Field::HeadName => "head_name",
            Field::HeadIdNumber => "head_id_number",
            Field::Relation => "relation",
            Field::HouseholdSize => "household_size",
        }
    }

    pub fn from_key(k: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == k)
    }

    pub fn label(self) -> Msg {
        match self {
            Field::Name => Msg::new("姓名", "name"),
            Field::IdNumber => Msg::new("身份证号", "ID number"),
            Field::Gender => Msg::new("性别", "gender"),
            Field::Ethnicity => Msg::new("民族", "ethnicity"),
            Field::BirthDate => Msg::new("出生日期", "birth date"),
            Field::Phone => Msg::new("联系电话", "phone"),
            Field::Address => Msg::new("住址", "address"),
            Field::Village => Msg::new("村(社区)", "village (community)"),
            Field::Category => Msg::new("类别", "category"),
            Field::DisabilityGrade => Msg::new("残疾等级", "disability grade"),
            Field::Health => Msg::new("健康状况", "health"),
            Field::DifficultyDegree => Msg::new("困难程度", "difficulty degree"),
            Field::MonthlyIncome => Msg::new("月收入(元)", "monthly income (yuan)"),
            Field::Employment => Msg::new("就业状况", "employment"),
            Field::Notes => Msg::new("备注", "notes"),
            Field::HouseholdNo => Msg::new("户编号", "household number"),
            Field::HeadName => Msg::new("户主姓名", "head of household"),
            Field::HeadIdNumber => Msg::new("户主身份证号", "head's ID number"),
            Field::Relation => Msg::new("与户主关系", "relation to the head"),
            Field::HouseholdSize => Msg::new("家庭人口", "household size"),
        }
    }

    /// Column names rosters use for this field (already normalised).
    fn names(self) -> &'static [&'static str] {
        match self {
            Field::Name => &[
                "姓名",
                "名字",
                "成员姓名",
                "对象姓名",
                "救助对象姓名",
                "人员姓名",
            ],
            Field::IdNumber => &[
                "身份证号",
                "身份证号码",
                "公民身份号码",
                "公民身份证号码",
                "身份证",
                "证件号码",
                "成员身份证号码",
            ],
            Field::Gender => &["性别"],
            Field::Ethnicity => &["民族"],
            Field::BirthDate => &["出生日期", "出生年月", "出生年月日", "生日"],
            Field::Phone => &[
                "联系电话",
                "电话",
                "手机",
                "手机号",
                "手机号码",
                "联系方式",
                "电话号码",
            ],
            Field::Address => &[
                "住址",
                "家庭住址",
                "现住址",
                "居住地址",
                "户籍地址",
                "地址",
                "家庭地址",
            ],
            Field::Village => &[
                "村(社区)",
                "村(居)",
                "村社区",
                "村/社区",
                "所属村(社区)",
                "所在村(社区)",
                "村(居)委会",
                "村委会",
                "社区",
                "村",
                "村居",
            ],
            Field::Category => &[
                "类别",
                "救助类别",
                "人员类别",
                "对象类别",
                "保障类别",
                "服务对象类别",
            ],
            Field::DisabilityGrade => &["残疾等级", "残疾级别"],
            Field::Health => &["健康状况", "健康情况"],
            Field::DifficultyDegree => &["困难程度"],
            Field::MonthlyIncome => &["月收入", "月收入(元)", "个人月收入", "个人月收入(元)"],
            Field::Employment => &["就业状况", "就业情况"],
            Field::Notes => &["备注"],
            Field::HouseholdNo => &["户编号", "户号", "家庭编号", "家庭户编号"],
            Field::HeadName => &["户主姓名", "户主"],
            Field::HeadIdNumber => &[
                "户主身份证号",
                "户主身份证号码",
                "户主公民身份号码",
                "户主证件号码",
            ],
            Field::Relation => &["与户主关系", "与户主的关系", "家庭关系"],
            Field::HouseholdSize => &["家庭人口", "家庭人口数", "家庭人数", "家庭成员人数"],
        }
    }

    /// The field a (normalised) column name stands for.
    pub fn for_header(h: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.names().contains(&h))
    }
}

/// Which column (0-based) holds which field.
pub type Mapping = std::collections::BTreeMap<Field, usize>;

/// The header row of a sheet (0-based row index) and its normalised column names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub row: usize,
    pub columns: Vec<String>,
}

impl Header {
    /// What identifies a layout: its normalised column names. The mapping chosen for a layout is
    /// remembered under this key.
    pub fn layout_key(&self) -> String {
        let mut cols = self.columns.clone();
        while cols.last().is_some_and(String::is_empty) {
            cols.pop();
        }
        cols.join("|")
    }
}

/// Finds the header: the first of the top rows naming at least two known columns, one of them 姓名.
pub fn find_header(rows: &[Vec<Cell>]) -> Result<Header, Msg> {
    for (i, row) in rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let cols: Vec<String> = row.iter().map(|c| normalise_header(&c.label())).collect();
        let known: Vec<Field> = cols.iter().filter_map(|c| Field::for_header(c)).collect();
        if known.len() >= 2 && known.contains(&Field::Name) {
            return Ok(Header {
                row: i,
                columns: cols,
            });
        }
    }
    Err(Msg::new(
        "找不到表头行:前 30 行中没有同时含有“姓名”和“身份证号”“性别”等列名的行",
        "no header row: none of the first 30 rows names 姓名 and another known column",
    ))
}

/// The mapping guessed from the column names (the first column of each field wins).
pub fn guess_mapping(h: &Header) -> Mapping {
    let mut m = Mapping::new();
    for (i, c) in h.columns.iter().enumerate() {
        if let Some(f) = Field::for_header(c) {
            m.entry(f).or_insert(i);
        }
    }
    m
}

/// Checks a mapping chosen by a user: 姓名 is mapped, columns exist, no column used twice.
pub fn check_mapping(m: &Mapping, columns: usize) -> Result<(), Msg> {
    if !m.contains_key(&Field::Name) {
        return Err(Msg::new(
            "必须指定“姓名”所在的列",
            "choose the column holding 姓名",
        ));
    }
    if let Some((f, _)) = m.iter().find(|(_, c)| **c >= columns) {
        return Err(Msg::owned(
            format!("“{}”对应的列不存在", f.label().zh),
            format!("the column chosen for {} does not exist", f.label().en),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (f, c) in m {
        if !seen.insert(*c) {
            return Err(Msg::owned(
                format!(
                    "第 {} 列被指定给了多个字段(如“{}”)",
                    column_letter(*c),
                    f.label().zh
                ),
                format!("column {} is chosen for several fields", column_letter(*c)),
            ));
        }
    }
    Ok(())
}

/// Spreadsheet column letters: 0 → A, 26 → AA.
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// One problem of one row: the spreadsheet row number (1-based, as Excel shows it), the column
/// (letter and name) and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub reason: String,
    pub reason_en: String,
}

/// A row turned into form input, with the village name if the roster gives one.
#[derive(Debug, Clone, Default)]
pub struct RosterRow {
    /// 1-based spreadsheet row number.
    pub row: usize,
    pub input: PersonInput,
    pub village: Option<String>,
    /// The household columns, when any of them is filled.
    pub household: Option<HouseholdCells>,
}

/// The household columns of a row, each cleaned and checked on its own; [`households`] checks
/// them across rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdCells {
    pub number: Option<String>,
    pub head_name: Option<String>,
    pub head_id: Option<String>,
    /// A code of [`crate::household::RELATIONS`].
    pub relation: Option<&'static str>,
    pub size: Option<u32>,
}

const HOUSEHOLD_FIELDS: [Field; 5] = [
    Field::HouseholdNo,
    Field::HeadName,
    Field::HeadIdNumber,
    Field::Relation,
    Field::HouseholdSize,
];

/// The largest 家庭人口 a roster may give.
pub const MAX_HOUSEHOLD: u32 = 30;

/// Builds the input of one data row (`index` is the 0-based row index in the sheet). `None` for a
/// blank row. Cell-level problems (wrong types, ID numbers that lost digits) come back as errors;
/// the caller then validates the input with [`crate::person::validate`] and reports its field
/// errors with [`column_of`].
pub fn row_input(
    cells: &[Cell],
    index: usize,
    header: &Header,
    m: &Mapping,
) -> Option<Result<RosterRow, Vec<RowError>>> {
    let get = |f: Field| {
        m.get(&f)
            .and_then(|c| cells.get(*c))
            .filter(|c| !c.is_blank())
    };
    if m.values().all(|c| cells.get(*c).is_none_or(Cell::is_blank)) {
        return None;
    }
    let row_no = index + 1;
    let col_name = |f: Field| match m.get(&f) {
        Some(c) => format!(
            "{}({})",
            column_letter(*c),
            header.columns.get(*c).cloned().unwrap_or_default()
        ),
        None => String::new(),
    };
    let errors = std::cell::RefCell::new(Vec::new());
    let err = |f: Field, m: Msg| {
        errors.borrow_mut().push(RowError {
            row: row_no,
            column: col_name(f),
            reason: m.zh.into_owned(),
            reason_en: m.en.into_owned(),
        })
    };
    let text = |f: Field| -> Option<String> {
        match get(f)? {
            Cell::Text(s) => Some(clean_text(s)),
            Cell::Digits(s) => Some(s.clone()),
            Cell::Number(n) => Some(number_text(*n)),
            Cell::Date(d) => Some(d.clone()),
            Cell::Bool(_) => {
                err(
                    f,
                    Msg::owned(
                        format!("{}应为文字,不是是/否值", f.label().zh),
                        format!("{} must be text, not a true/false value", f.label().en),
                    ),
                );
                None
            }
            Cell::Error(e) => {
                err(
                    f,
                    Msg::owned(
                        format!("单元格是错误值 {e}(公式出错),请改为实际内容"),
                        format!("the cell holds the error value {e}; enter the actual value"),
                    ),
                );
                None
            }
            Cell::Empty => None,
        }
    };
    let mut input = PersonInput::default();
    // 姓名: text only (a number or a date is a misplaced column).
    match get(Field::Name) {
        Some(Cell::Number(_) | Cell::Digits(_) | Cell::Date(_)) => err(
            Field::Name,
            Msg::new(
                "姓名应为文字,这里是数字或日期(可能列对应错了)",
                "the name must be text, not a number or date (wrong column?)",
            ),
        ),
        Some(_) => input.name = text(Field::Name).unwrap_or_default(),
        None => err(Field::Name, Msg::new("姓名必填", "the name is required")),
    }
    // ID numbers (the person's and the head's): text only, whole.
    let id_text = |f: Field| match get(f) {
        Some(Cell::Number(n)) => {
            err(f, lost_digits(*n));
            None
        }
        Some(Cell::Text(s)) if looks_scientific(s) => {
            err(
                f,
                Msg::new(
                    "身份证号是科学计数法(如 4.30202E+17),末几位已丢失;请把该列设为文本格式后重新录入完整号码",
                    "the ID number is in scientific notation and lost its last digits; format the column as text and enter the full number again",
                ),
            );
            None
        }
        Some(Cell::Date(_)) => {
            err(
                f,
                Msg::new(
                    "身份证号列是日期格式,请检查列是否对应错了",
                    "the ID number cell is a date; is the column right?",
                ),
            );
            None
        }
        Some(_) => text(f),
        None => None,
    };
    input.id_number = id_text(Field::IdNumber);
    input.gender = text(Field::Gender);
    input.ethnicity = text(Field::Ethnicity);
    input.birth_date = match get(Field::BirthDate) {
        Some(Cell::Number(_) | Cell::Digits(_)) => {
            err(
                Field::BirthDate,
                Msg::new(
                    "出生日期应为日期(如 1990-02-03),这里是数字",
                    "the birth date must be a date such as 1990-02-03, not a number",
                ),
            );
            None
        }
        Some(_) => text(Field::BirthDate),
        None => None,
    };
    input.phone = text(Field::Phone);
    input.address = text(Field::Address);
    input.employment = text(Field::Employment);
    input.notes = text(Field::Notes);
    input.health = text(Field::Health);
    input.difficulty_degree = text(Field::DifficultyDegree);
    let village = text(Field::Village);
    input.monthly_income = match get(Field::MonthlyIncome) {
        Some(Cell::Number(n)) if n.fract() == 0.0 && n.abs() < 1e12 => Some(*n as i64),
        Some(Cell::Number(n)) => Some(n.round() as i64),
        Some(Cell::Digits(d)) => d.parse().ok(),
        Some(Cell::Text(t)) => {
            let t = clean_text(t);
            let t = t.trim_end_matches('元').replace(',', "");
            match t.parse::<f64>() {
                Ok(v) if v.is_finite() && v.abs() < 1e12 => Some(v.round() as i64),
                _ => {
                    err(
                        Field::MonthlyIncome,
                        Msg::owned(
                            format!(
                                "月收入应为数字(元),不是“{}”",
                                t.chars().take(20).collect::<String>()
                            ),
                            "the monthly income must be a number of yuan",
                        ),
                    );
                    None
                }
            }
        }
        Some(_) => {
            err(
                Field::MonthlyIncome,
                Msg::new(
                    "月收入应为数字(元)",
                    "the monthly income must be a number of yuan",
                ),
            );
            None
        }
        None => None,
    };
    let grade = text(Field::DisabilityGrade);
    let mut categories: Vec<CategoryInput> = text(Field::Category)
        .map(|t| {
            t.split(['、', ',', ';', '/', ' ', '，', '；', '|'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|c| CategoryInput {
                    code: c.to_string(),
                    ..Default::default()
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(g) = grade {
        let g = disability_grade(&g);
        match categories.iter_mut().find(|c| {
            crate::person::category_by_label(&c.code).is_some_and(|b| b.code == "disabled")
        }) {
            Some(c) => c.grade = Some(g),
            None => categories.push(CategoryInput {
                code: "disabled".into(),
                grade: Some(g),
                ..Default::default()
            }),
        }
    }
    if !categories.is_empty() {
        input.categories = Some(categories);
    }
    let household = HOUSEHOLD_FIELDS
        .iter()
        .any(|f| get(*f).is_some())
        .then(|| HouseholdCells {
            number: text(Field::HouseholdNo),
            head_name: text(Field::HeadName),
            head_id: id_text(Field::HeadIdNumber),
            relation: text(Field::Relation).and_then(|r| {
                crate::household::relation(&r)
                    .map_err(|m| err(Field::Relation, m))
                    .ok()
            }),
            size: match get(Field::HouseholdSize) {
                None => None,
                Some(c) => {
                    let n = match c {
                        Cell::Number(n) if n.fract() == 0.0 => Some(*n),
                        Cell::Digits(d) => d.parse().ok(),
                        Cell::Text(t) => clean_text(t).trim_end_matches('人').parse().ok(),
                        _ => None,
                    };
                    match n {
                        Some(n) if (1.0..=f64::from(MAX_HOUSEHOLD)).contains(&n) => Some(n as u32),
                        _ => {
                            err(
                                Field::HouseholdSize,
                                Msg::owned(
                                    format!("家庭人口应为 1 至 {MAX_HOUSEHOLD} 的整数"),
                                    format!("the household size is a whole number from 1 to {MAX_HOUSEHOLD}"),
                                ),
                            );
                            None
                        }
                    }
                }
            },
        });
    let errors = errors.into_inner();
    if !errors.is_empty() {
        return Some(Err(errors));
    }
    Some(Ok(RosterRow {
        row: row_no,
        input,
        village,
        household,
    }))
}

/// A row that passed the person checks, with its household columns.
#[derive(Debug, Clone, Copy)]
pub struct MemberRow<'a> {
    /// 1-based spreadsheet row number.
    pub row: usize,
    pub name: &'a str,
    /// The person's own ID number, normalised.
    pub id_number: Option<&'a str>,
    /// The village (community) or station the person is registered at.
    pub org: &'a str,
    pub cells: &'a HouseholdCells,
}

/// One household as the roster gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// What identifies it within the file: 户编号, else the head's ID number, else the head's name
    /// in the village.
    pub key: String,
    /// The head's ID number (given, or the head row's own).
    pub head_id: Option<IdNumber>,
    /// The row (index into the rows passed) of the head, when the head is listed.
    pub head: Option<usize>,
    /// Every member listed: (index into the rows passed, relation code), in row order.
    pub members: Vec<(usize, &'static str)>,
}

/// Sorts rows into households and checks them across rows: each row knows its household (户编号,
/// 户主身份证号 or 户主姓名), a head's own columns agree with the head columns, one head per
/// household, the same 家庭人口 on every row of a household and no more rows than it says. A
/// household whose head is not listed needs the head's ID number (the store looks for the
/// household among existing ones). Rows without household columns belong to no household.
pub fn households(
    rows: &[MemberRow],
    today: time::Date,
    header: &Header,
    m: &Mapping,
) -> (Vec<Group>, Vec<RowError>) {
    let mut errors = Vec::new();
    let mut err = |row: usize, f: Field, msg: Msg| {
        errors.push(RowError {
            row,
            column: column_of(f.key(), header, m),
            reason: msg.zh.into_owned(),
            reason_en: msg.en.into_owned(),
        })
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut sizes: Vec<Option<(u32, usize)>> = Vec::new();
    let mut by_key: std::collections::HashMap<String, usize> = Default::default();
    for (i, r) in rows.iter().enumerate() {
        let c = r.cells;
        let head_id = match c.head_id.as_deref().map(|h| IdNumber::parse(h, today)) {
            None => None,
            Some(Ok(id)) => Some(id),
            Some(Err(e)) => {
                err(
                    r.row,
                    Field::HeadIdNumber,
                    Msg::owned(
                        format!("户主身份证号:{}", e.zh),
                        format!("head's ID number: {}", e.en),
                    ),
                );
                continue;
            }
        };
        let same_id = match (&head_id, r.id_number) {
            (Some(h), Some(own)) => Some(h.as_str() == own),
            _ => None,
        };
        let same_name = c.head_name.as_deref().map(|h| h == r.name);
        let relation = match c.relation {
            Some(rel) => rel,
            // Without 与户主关系 a row is its household's head when nothing says otherwise (a
            // roster of heads with 家庭人口).
            None if same_id != Some(false)
                && (same_id == Some(true) || same_name != Some(false)) =>
            {
                "head"
            }
            None => {
                err(
                    r.row,
                    Field::Relation,
                    Msg::new(
                        "请填写与户主关系(本人不是户主)",
                        "give the relation to the head (this person is not the head)",
                    ),
                );
                continue;
            }
        };
        if relation == "head" {
            if same_id == Some(false) {
                err(
                    r.row,
                    Field::HeadIdNumber,
                    Msg::new(
                        "本人是户主,但户主身份证号与本人身份证号不同",
                        "this person is the head, but the head's ID number is not theirs",
                    ),
                );
                continue;
            }
            if same_name == Some(false) {
                err(
                    r.row,
                    Field::HeadName,
                    Msg::new(
                        "本人是户主,但户主姓名与本人姓名不同",
                        "this person is the head, but the head's name is not theirs",
                    ),
                );
                continue;
            }
        } else if same_id == Some(true) {
            err(
                r.row,
                Field::Relation,
                Msg::new(
                    "户主身份证号就是本人的,与户主关系应为“户主”",
                    "the head's ID number is this person's own: the relation is 户主",
                ),
            );
            continue;
        }
        let head_id = head_id.or_else(|| {
            (relation == "head")
                .then(|| r.id_number.and_then(|id| IdNumber::parse(id, today).ok()))
                .flatten()
        });
        let head_name = c
            .head_name
            .as_deref()
            .or((relation == "head").then_some(r.name));
        let key = match (&c.number, &head_id, head_name) {
            (Some(n), ..) => format!("no:{n}"),
            (None, Some(id), _) => format!("id:{}", id.as_str()),
            (None, None, Some(name)) => format!("name:{}:{name}", r.org),
            (None, None, None) => {
                err(
                    r.row,
                    Field::HeadIdNumber,
                    Msg::new(
                        "无法确定属于哪一户:请填写户主身份证号、户主姓名或户编号",
                        "which household? give the head's ID number, name or the household number",
                    ),
                );
                continue;
            }
        };
        let g = *by_key.entry(key.clone()).or_insert_with(|| {
            groups.push(Group {
                key,
                head_id: None,
                head: None,
                members: Vec::new(),
            });
            sizes.push(None);
            groups.len() - 1
        });
        let group = &mut groups[g];
        match (&group.head_id, &head_id) {
            (Some(a), Some(b)) if a != b => {
                err(
                    r.row,
                    Field::HeadIdNumber,
                    Msg::new(
                        "同一户编号下的户主身份证号前后不一致",
                        "rows of this household give different heads' ID numbers",
                    ),
                );
                continue;
            }
            (None, Some(b)) => group.head_id = Some(b.clone()),
            _ => {}
        }
        if relation == "head" {
            if let Some(h) = group.head {
                err(
                    r.row,
                    Field::Relation,
                    Msg::owned(
                        format!("同一户已有户主(第 {} 行),一户只能有一位户主", rows[h].row),
                        format!("the household already has a head (row {})", rows[h].row),
                    ),
                );
                continue;
            }
            group.head = Some(i);
        }
        if let Some(n) = c.size {
            match sizes[g] {
                Some((first, at)) if first != n => {
                    err(
                        r.row,
                        Field::HouseholdSize,
                        Msg::owned(
                            format!("同一户的家庭人口前后不一致(第 {at} 行为 {first})"),
                            format!("the household size differs from row {at} ({first})"),
                        ),
                    );
                    continue;
                }
                Some(_) => {}
                None => sizes[g] = Some((n, r.row)),
            }
        }
        group.members.push((i, relation));
        if let Some((n, _)) = sizes[g]
            && group.members.len() > n as usize
        {
            err(
                r.row,
                Field::HouseholdSize,
                Msg::owned(
                    format!(
                        "本户在表中已有 {} 人,超过家庭人口 {n} 人",
                        group.members.len()
                    ),
                    format!(
                        "the household has {} rows, more than its size {n}",
                        group.members.len()
                    ),
                ),
            );
            group.members.pop();
        }
    }
    for g in &groups {
        if g.head.is_none()
            && g.head_id.is_none()
            && let Some((first, _)) = g.members.first()
        {
            err(
                rows[*first].row,
                Field::HeadIdNumber,
                Msg::new(
                    "本户在表中没有户主行,请列出户主或填写户主身份证号",
                    "the household's head is not listed: list the head or give the head's ID number",
                ),
            );
        }
    }
    errors.sort_by_key(|e| e.row);
    (groups, errors)
}

/// `一级`, `二级残疾`, `3`, `肢体三级` → the grade as the person form takes it.
fn disability_grade(g: &str) -> String {
    for (i, n) in ["一", "二", "三", "四"].iter().enumerate() {
        if g.contains(&format!("{n}级")) || g == *n {
            return (i + 1).to_string();
        }
    }
    let digits: String = g.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 1 {
        digits
    } else {
        g.to_string()
    }
}

/// The column a validation error of a person field belongs to.
pub fn column_of(field: &str, header: &Header, m: &Mapping) -> String {
    let f = match field {
        "name" => Some(Field::Name),
        "id_number" => Some(Field::IdNumber),
        "gender" => Some(Field::Gender),
        "ethnicity" => Some(Field::Ethnicity),
        "birth_date" => Some(Field::BirthDate),
        "phone" => Some(Field::Phone),
        "address" => Some(Field::Address),
        "categories" => Some(Field::Category),
        "health" => Some(Field::Health),
        "difficulty_degree" => Some(Field::DifficultyDegree),
        "monthly_income" => Some(Field::MonthlyIncome),
        "employment" => Some(Field::Employment),
        "notes" => Some(Field::Notes),
        "village" | "org_code" => Some(Field::Village),
        "household_no" => Some(Field::HouseholdNo),
        "head_name" => Some(Field::HeadName),
        "head_id_number" => Some(Field::HeadIdNumber),
        "relation" => Some(Field::Relation),
        "household_size" => Some(Field::HouseholdSize),
        _ => None,
    };
    let col = f.and_then(|f| m.get(&f).copied()).or_else(|| {
        // A category error may come from the disability grade column alone.
        (field == "categories")
            .then(|| m.get(&Field::DisabilityGrade).copied())
            .flatten()
    });
    match col {
        Some(c) => format!(
            "{}({})",
            column_letter(c),
            header.columns.get(c).cloned().unwrap_or_default()
        ),
        None => String::new(),
    }
}

/// Writes a number as the integer it is when it is one (phones: 13812345678, not 1.38e10).
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn looks_scientific(s: &str) -> bool {
    let f = fold(s).trim().to_ascii_uppercase();
    f.contains("E+") && f.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// An ID number stored as a number cell: Excel keeps 15 significant digits, so the last ones are
/// gone (and they cannot be guessed).
fn lost_digits(n: f64) -> Msg {
    if n.abs() >= 1e15 {
        Msg::new(
            "身份证号以数字格式保存,Excel 只保留 15 位有效数字,末几位已丢失(显示为 4.30202E+17 或末尾为 000);请把该列设为文本格式后重新录入完整号码",
            "the ID number was stored as a number; Excel keeps 15 significant digits so the last ones are lost; format the column as text and enter the full number again",
        )
    } else {
        Msg::new(
            "身份证号以数字格式保存且位数不足 18 位,请把该列设为文本格式后录入完整号码",
            "the ID number was stored as a number with fewer than 18 digits; format the column as text and enter the full number",
        )
    }
}

/// A date cell's serial number (days since 1899-12-30, Excel's 1900 system) as `YYYY-MM-DD`.
pub fn serial_date(serial: f64) -> Option<String> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let base = time::Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
    let d = base.checked_add(time::Duration::days(serial.floor() as i64))?;
    Some(crate::dates::iso(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn sheet() -> Vec<Vec<Cell>> {
        vec![
            vec![t("荷塘区困难群众花名册"), Cell::Empty, Cell::Empty],
            vec![t("填报单位:月塘街道"), Cell::Empty],
            vec![
                t("序号"),
                t(" 姓 名 "),
                t("公民身份号码"),
                t("性别"),
                t("村（社区）"),
                t("救助类别"),
                t("残疾等级"),
                t("出生日期"),
            ],
            vec![
                Cell::Number(1.0),
                t("张  三"),
                t("４３０２０２１９９００１０１１２３４"),
                t("男"),
                t("金山村"),
                t("低保、残疾人"),
                t("二级"),
                Cell::Date("1990-01-01".into()),
            ],
            vec![Cell::Empty, t("  "), Cell::Empty],
        ]
    }

    #[test]
    fn the_header_is_found_under_title_rows() {
        let h = find_header(&sheet()).unwrap();
        assert_eq!(h.row, 2);
        assert_eq!(h.columns[1], "姓名");
        assert_eq!(h.columns[4], "村(社区)");
        let m = guess_mapping(&h);
        assert_eq!(m[&Field::Name], 1);
        assert_eq!(m[&Field::IdNumber], 2);
        assert_eq!(m[&Field::Village], 4);
        assert_eq!(m[&Field::Category], 5);
        assert_eq!(m[&Field::DisabilityGrade], 6);
        assert!(h.layout_key().starts_with("序号|姓名|公民身份号码"));
        assert!(find_header(&sheet()[..2]).is_err());
    }

    #[test]
    fn cells_are_cleaned() {
        let s = sheet();
        let h = find_header(&s).unwrap();
        let m = guess_mapping(&h);
        let r = row_input(&s[3], 3, &h, &m).unwrap().unwrap();
        assert_eq!(r.row, 4);
        assert_eq!(r.input.name, "张三");
        assert_eq!(r.input.id_number.as_deref(), Some("430202199001011234"));
        assert_eq!(r.village.as_deref(), Some("金山村"));
        let cats = r.input.categories.unwrap();
        assert_eq!(cats.len(), 2);
        assert_eq!(cats[1].grade.as_deref(), Some("2"));
        assert_eq!(r.input.birth_date.as_deref(), Some("1990-01-01"));
        assert!(row_input(&s[4], 4, &h, &m).is_none(), "blank row");
    }

    #[test]
    fn numbers_that_lost_digits_and_wrong_types_are_row_errors() {
        let s = sheet();
        let h = find_header(&s).unwrap();
        let m = guess_mapping(&h);
        let mut row = s[3].clone();
        row[2] = Cell::Number(430202199001011000.0);
        row[1] = Cell::Number(5.0);
        row[7] = Cell::Number(19900101.0);
        let e = row_input(&row, 3, &h, &m).unwrap().unwrap_err();
        assert_eq!(e.len(), 3);
        assert!(e.iter().all(|e| e.row == 4));
        assert!(
            e.iter()
                .any(|e| e.column == "C(公民身份号码)" && e.reason.contains("15 位"))
        );
        assert!(e.iter().any(|e| e.column.starts_with('B')));
        row[2] = t("4.30202E+17");
        row[1] = t("李四");
        row[7] = Cell::Error("#N/A".into());
        let e = row_input(&row, 3, &h, &m).unwrap().unwrap_err();
        assert!(e.iter().any(|e| e.reason.contains("科学计数法")));
        assert!(e.iter().any(|e| e.reason.contains("#N/A")));
        row[2] = Cell::Digits("430202199001011234".into());
        row[7] = Cell::Empty;
        let ok = row_input(&row, 3, &h, &m).unwrap().unwrap();
        assert_eq!(ok.input.id_number.as_deref(), Some("430202199001011234"));
    }

    #[test]
    fn mappings_are_checked() {
        let mut m = Mapping::new();
        assert!(check_mapping(&m, 3).is_err());
        m.insert(Field::Name, 0);
        assert!(check_mapping(&m, 3).is_ok());
        m.insert(Field::Phone, 0);
        assert!(check_mapping(&m, 3).unwrap_err().zh.contains('A'));
        m.insert(Field::Phone, 5);
        assert!(check_mapping(&m, 3).is_err());
    }

    #[test]
    fn letters_and_dates() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(serial_date(32874.0).as_deref(), Some("1990-01-01"));
        assert_eq!(disability_grade("肢体三级"), "3");
        assert_eq!(disability_grade("4"), "4");
        assert_eq!(clean_text(" Ma  Li "), "Ma Li");
        assert_eq!(village_key("文化路社区居委会"), "文化路社区");
        assert_eq!(village_key(" 荷塘铺村委会"), "荷塘铺村");
        assert_eq!(village_key("新桥居委会"), "新桥社区");
        assert_eq!(clean_text("欧阳　𠮷祥"), "欧阳𠮷祥");
    }

    fn household_sheet() -> (Header, Mapping) {
        let h = find_header(&[vec![
            t("姓名"),
            t("身份证号"),
            t("户编号"),
            t("户主姓名"),
            t("户主身份证号"),
            t("与户主关系"),
            t("家庭人口"),
        ]])
        .unwrap();
        let m = guess_mapping(&h);
        (h, m)
    }

    fn cells(
        no: &str,
        head: &str,
        head_id: &str,
        rel: Option<&'static str>,
        size: u32,
    ) -> HouseholdCells {
        HouseholdCells {
            number: (!no.is_empty()).then(|| no.to_string()),
            head_name: (!head.is_empty()).then(|| head.to_string()),
            head_id: (!head_id.is_empty()).then(|| head_id.to_string()),
            relation: rel,
            size: Some(size),
        }
    }

    const HEAD_ID: &str = "430202195001011235";
    const WIFE_ID: &str = "430202195203041248";

    #[test]
    fn household_columns_are_mapped_and_read() {
        let (h, m) = household_sheet();
        assert_eq!(m[&Field::HouseholdNo], 2);
        assert_eq!(m[&Field::HeadName], 3);
        assert_eq!(m[&Field::HeadIdNumber], 4);
        assert_eq!(m[&Field::Relation], 5);
        assert_eq!(m[&Field::HouseholdSize], 6);
        let row = vec![
            t("李 四"),
            t(WIFE_ID),
            Cell::Number(1001.0),
            t("张三"),
            t(HEAD_ID),
            t("配偶"),
            Cell::Number(3.0),
        ];
        let r = row_input(&row, 1, &h, &m).unwrap().unwrap();
        let c = r.household.unwrap();
        assert_eq!(c.number.as_deref(), Some("1001"));
        assert_eq!(c.relation, Some("spouse"));
        assert_eq!(c.size, Some(3));
        let mut bad = row.clone();
        bad[5] = t("邻居");
        bad[6] = t("三口");
        bad[4] = Cell::Number(430202195001011235.0);
        let e = row_input(&bad, 1, &h, &m).unwrap().unwrap_err();
        assert!(
            e.iter()
                .any(|e| e.column == "F(与户主关系)" && e.reason.contains("与户主关系应为"))
        );
        assert!(
            e.iter()
                .any(|e| e.column == "G(家庭人口)" && e.reason.contains("整数"))
        );
        assert!(
            e.iter()
                .any(|e| e.column == "E(户主身份证号)" && e.reason.contains("15 位"))
        );
        let mut none = row.clone();
        for c in &mut none[2..] {
            *c = Cell::Empty;
        }
        assert!(
            row_input(&none, 1, &h, &m)
                .unwrap()
                .unwrap()
                .household
                .is_none()
        );
    }

    #[test]
    fn rows_are_grouped_into_households() {
        let (h, m) = household_sheet();
        let today = crate::dates::today();
        let a = cells("", "张三", HEAD_ID, Some("head"), 3);
        let b = cells("", "张三", HEAD_ID, Some("spouse"), 3);
        let c = cells("", "", "", None, 1);
        let rows = [
            MemberRow {
                row: 2,
                name: "李四",
                id_number: Some(WIFE_ID),
                org: "v",
                cells: &b,
            },
            MemberRow {
                row: 3,
                name: "张三",
                id_number: Some(HEAD_ID),
                org: "v",
                cells: &a,
            },
            MemberRow {
                row: 4,
                name: "王五",
                id_number: None,
                org: "v",
                cells: &c,
            },
        ];
        let (groups, errors) = households(&rows, today, &h, &m);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].head, Some(1));
        assert_eq!(groups[0].members, vec![(0, "spouse"), (1, "head")]);
        assert_eq!(groups[0].head_id.as_ref().unwrap().as_str(), HEAD_ID);
        assert_eq!(
            groups[1].head,
            Some(2),
            "a row of a heads' roster heads its household"
        );
        assert_eq!(groups[1].key, "name:v:王五");
    }

    #[test]
    fn household_rules_across_rows() {
        let (h, m) = household_sheet();
        let today = crate::dates::today();
        let head = cells("7", "张三", "", Some("head"), 2);
        let second_head = cells("7", "李四", "", Some("head"), 2);
        let child = cells("7", "", "", Some("child"), 3);
        let extra = cells("7", "", "", Some("child"), 2);
        let not_head = cells("", "张三", HEAD_ID, Some("head"), 1);
        let orphan_row = cells("", "赵六", "", Some("child"), 2);
        let no_key = cells("", "", "", Some("child"), 2);
        let rows = [
            MemberRow {
                row: 2,
                name: "张三",
                id_number: None,
                org: "v",
                cells: &head,
            },
            MemberRow {
                row: 3,
                name: "李四",
                id_number: None,
                org: "v",
                cells: &second_head,
            },
            MemberRow {
                row: 4,
                name: "张小",
                id_number: None,
                org: "v",
                cells: &child,
            },
            MemberRow {
                row: 5,
                name: "张二",
                id_number: None,
                org: "v",
                cells: &extra,
            },
            MemberRow {
                row: 6,
                name: "张大",
                id_number: None,
                org: "v",
                cells: &extra,
            },
            MemberRow {
                row: 7,
                name: "李四",
                id_number: Some(WIFE_ID),
                org: "v",
                cells: &not_head,
            },
            MemberRow {
                row: 8,
                name: "赵七",
                id_number: None,
                org: "v",
                cells: &orphan_row,
            },
            MemberRow {
                row: 9,
                name: "钱八",
                id_number: None,
                org: "v",
                cells: &no_key,
            },
        ];
        let (_, e) = households(&rows, today, &h, &m);
        let at = |row: usize, col: &str, text: &str| {
            assert!(
                e.iter()
                    .any(|x| x.row == row && x.column.starts_with(col) && x.reason.contains(text)),
                "row {row} {col} {text}: {e:?}"
            )
        };
        at(3, "F", "已有户主(第 2 行)");
        at(4, "G", "前后不一致(第 2 行为 2)");
        at(6, "G", "超过家庭人口 2 人");
        at(7, "E", "户主身份证号与本人身份证号不同");
        at(8, "E", "没有户主行");
        at(9, "E", "无法确定属于哪一户");
        assert_eq!(e.len(), 6, "{e:?}");
        assert!(e.iter().all(|x| !x.reason_en.is_empty()));
    }

    proptest! {
        #[test]
        fn cleaned_text_has_no_stray_spaces(s in "\\PC{0,30}") {
            let c = clean_text(&s);
            prop_assert_eq!(c.trim(), c.as_str());
            prop_assert!(!c.contains("  "));
            prop_assert!(!c.contains(char::from_u32(0x3000).unwrap()));
        }

        #[test]
        fn any_row_gives_rows_or_errors_never_a_panic(cells in proptest::collection::vec(
            prop_oneof![
                Just(Cell::Empty),
                "\\PC{0,12}".prop_map(Cell::Text),
                any::<f64>().prop_map(Cell::Number),
                any::<bool>().prop_map(Cell::Bool),
            ], 0..9)) {
            let s = sheet();
            let h = find_header(&s).unwrap();
            let m = guess_mapping(&h);
            if let Some(Err(e)) = row_input(&cells, 7, &h, &m) {
                prop_assert!(e.iter().all(|e| e.row == 8 && !e.reason.is_empty()));
            }
        }
    }
}
