//! Service objects (服务对象, R-7.6.4): categories, ethnicities, and the rules that tie a person's
//! age to categories, sensitivity and consent.

use crate::Msg;
use crate::policy::Sensitivity;
use serde::Serialize;

/// Built-in categories (requirements.md; domain-rules.md § Social assistance, § Children).
/// A deployment may add its own (stored with their labels); these codes are fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Category {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub group: CategoryGroup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryGroup {
    /// 社会救助 (8.1)
    Assistance,
    /// 老年人 (8.2)
    Elderly,
    /// 儿童 (8.3)
    Child,
    /// 残疾人
    Disability,
}

pub const CATEGORIES: [Category; 13] = [
    Category {
        code: "dibao",
        zh: "低保",
        en: "minimum living allowance",
        group: CategoryGroup::Assistance,
    },
    Category {
        code: "dibao_edge",
        zh: "低保边缘",
        en: "near-dibao household",
        group: CategoryGroup::Assistance,
    },
    Category {
        code: "tekun",
        zh: "特困供养",
        en: "extreme poverty support",
        group: CategoryGroup::Assistance,
    },
    Category {
        code: "temporary_aid",
        zh: "临时救助",
        en: "temporary assistance",
        group: CategoryGroup::Assistance,
    },
    Category {
        code: "elderly_advanced",
        zh: "高龄老人",
        en: "very old (80+)",
        group: CategoryGroup::Elderly,
    },
    Category {
        code: "elderly_left_behind",
        zh: "留守老人",
        en: "left-behind elderly",
        group: CategoryGroup::Elderly,
    },
    Category {
        code: "elderly_empty_nest",
        zh: "空巢老人",
        en: "empty-nest elderly",
        group: CategoryGroup::Elderly,
    },
    Category {
        code: "elderly_disabled",
        zh: "失能/半失能老人",
        en: "elderly unable to care for themselves",
        group: CategoryGroup::Elderly,
    },
    Category {
        code: "child_left_behind",
        zh: "留守儿童",
        en: "left-behind child",
        group: CategoryGroup::Child,
    },
    Category {
        code: "child_in_difficulty",
        zh: "困境儿童",
        en: "child in difficulty",
        group: CategoryGroup::Child,
    },
    Category {
        code: "child_unsupported",
        zh: "事实无人抚养儿童",
        en: "de facto unsupported child",
        group: CategoryGroup::Child,
    },
    Category {
        code: "orphan",
        zh: "孤儿",
        en: "orphan",
        group: CategoryGroup::Child,
    },
    Category {
        code: "disabled",
        zh: "残疾人",
        en: "person with disability",
        group: CategoryGroup::Disability,
    },
];

pub fn category(code: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.code == code)
}

/// Finds a built-in category by its code or its Chinese name (as rosters write it).
pub fn category_by_label(label: &str) -> Option<&'static Category> {
    let l = label.trim();
    CATEGORIES.iter().find(|c| {
        c.code == l || c.zh == l || (c.code == "tekun" && (l == "特困" || l == "特困人员"))
    })
}

/// Disability grades (残疾等级 一级 … 四级).
pub const DISABILITY_GRADES: [&str; 4] = ["1", "2", "3", "4"];

/// A category's age rule, if it has one, checked against the person's age when it is known.
pub fn check_category_age(cat: &Category, age: Option<i32>) -> Result<(), Msg> {
    let Some(age) = age else { return Ok(()) };
    let (ok, zh, en) = match cat.code {
        // 农村留守儿童: under 16 (国发〔2016〕13号).
        "child_left_behind" => (
            age < 16,
            "留守儿童应未满 16 周岁",
            "a left-behind child is under 16",
        ),
        "child_in_difficulty" | "child_unsupported" | "orphan" => (
            age < 18,
            "儿童类别只适用于未满 18 周岁的人",
            "child categories are for people under 18",
        ),
        "elderly_advanced" => (
            age >= 80,
            "高龄老人应年满 80 周岁",
            "the very-old category starts at 80",
        ),
        "elderly_left_behind" | "elderly_empty_nest" | "elderly_disabled" => (
            age >= 60,
            "老年人类别只适用于年满 60 周岁的人",
            "elderly categories are for people aged 60 or over",
        ),
        _ => (true, "", ""),
    };
    if ok { Ok(()) } else { Err(Msg::new(zh, en)) }
}

/// The lowest classification a record may have (R-7.4g; 个人信息保护法 Art. 28: all information
/// of a child under 14 is sensitive; the issue asks for every child's record at 敏感 or above).
pub fn minimum_sensitivity(age: Option<i32>, categories: &[&str]) -> Sensitivity {
    let child_category = categories
        .iter()
        .any(|c| category(c).is_some_and(|c| c.group == CategoryGroup::Child));
    if child_category || age.is_some_and(|a| a < 18) {
        Sensitivity::Sensitive
    } else {
        Sensitivity::Ordinary
    }
}

/// Whether consent must come from a guardian (个人信息保护法 Art. 31: under 14).
pub fn consent_needs_guardian(age: Option<i32>) -> bool {
    age.is_some_and(|a| a < 14)
}

/// The 56 ethnic groups of China (GB/T 3304), as written on ID cards (without 族), and 其他.
pub const ETHNICITIES: [&str; 57] = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "其他",
];

/// `汉族`, `汉` and `Han`-less forms all mean the same group.
pub fn ethnicity(input: &str) -> Result<&'static str, Msg> {
    let v = input.trim();
    let v = v.strip_suffix('族').unwrap_or(v);
    ETHNICITIES
        .iter()
        .copied()
        .find(|e| *e == v)
        .ok_or_else(|| {
            Msg::owned(
                format!("“{}”不是民族名称", input.trim()),
                format!("“{}” is not an ethnic group", input.trim()),
            )
        })
}

/// Degree of difficulty (困难程度, 8.1.1.1).
pub const DIFFICULTY_DEGREES: [(&str, &str, &str); 3] = [
    ("mild", "一般困难", "some difficulty"),
    ("serious", "比较困难", "serious difficulty"),
    ("extreme", "特别困难", "extreme difficulty"),
];

/// Health (健康状况, domain-rules.md § Social assistance: 健康 / 多病 / 重病).
pub const HEALTH: [(&str, &str, &str); 3] = [
    ("healthy", "健康", "healthy"),
    ("chronic", "多病", "chronically ill"),
    ("serious", "重病", "seriously ill"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_by_code_or_roster_label() {
        assert_eq!(category_by_label("低保").unwrap().code, "dibao");
        assert_eq!(category_by_label("特困人员").unwrap().code, "tekun");
        assert_eq!(category_by_label("orphan").unwrap().zh, "孤儿");
        assert!(category_by_label("富人").is_none());
        let codes: std::collections::HashSet<_> = CATEGORIES.iter().map(|c| c.code).collect();
        assert_eq!(codes.len(), CATEGORIES.len(), "codes are unique");
    }

    #[test]
    fn category_ages() {
        let c = |code| category(code).unwrap();
        assert!(check_category_age(c("child_left_behind"), Some(15)).is_ok());
        assert!(
            check_category_age(c("child_left_behind"), Some(16))
                .unwrap_err()
                .zh
                .contains("16")
        );
        assert!(check_category_age(c("orphan"), Some(18)).is_err());
        assert!(check_category_age(c("elderly_advanced"), Some(79)).is_err());
        assert!(check_category_age(c("elderly_empty_nest"), Some(60)).is_ok());
        assert!(check_category_age(c("dibao"), Some(3)).is_ok());
        assert!(
            check_category_age(c("orphan"), None).is_ok(),
            "unknown age is not refused"
        );
    }

    #[test]
    fn children_are_sensitive_at_least() {
        assert_eq!(minimum_sensitivity(Some(10), &[]), Sensitivity::Sensitive);
        assert_eq!(
            minimum_sensitivity(Some(17), &["dibao"]),
            Sensitivity::Sensitive
        );
        assert_eq!(
            minimum_sensitivity(None, &["child_left_behind"]),
            Sensitivity::Sensitive
        );
        assert_eq!(
            minimum_sensitivity(Some(40), &["dibao"]),
            Sensitivity::Ordinary
        );
        assert!(
            consent_needs_guardian(Some(13))
                && !consent_needs_guardian(Some(14))
                && !consent_needs_guardian(None)
        );
    }

    #[test]
    fn ethnicities() {
        assert_eq!(ETHNICITIES.len(), 57);
        assert_eq!(ethnicity("汉族").unwrap(), "汉");
        assert_eq!(ethnicity("土家").unwrap(), "土家");
        assert!(ethnicity("火星族").unwrap_err().zh.contains("火星"));
    }
}

/// A person's fields as typed in a form, the API or a roster row.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PersonInput {
    pub name: String,
    pub gender: Option<String>,
    pub ethnicity: Option<String>,
    pub birth_date: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub difficulty_types: Option<Vec<String>>,
    pub difficulty_degree: Option<String>,
    pub health: Option<String>,
    pub employment: Option<String>,
    pub monthly_income: Option<i64>,
    pub sensitivity: Option<String>,
    pub categories: Option<Vec<CategoryInput>>,
    pub consent: Option<ConsentInput>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
pub struct CategoryInput {
    pub code: String,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    /// Disability grade 1–4 (残疾人 only).
    pub grade: Option<String>,
}

/// 知情同意: who agreed, in what relation, when, to what.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
pub struct ConsentInput {
    pub by: String,
    /// `self`, or the guardian's relation (父亲, 母亲, 祖父母, 其他监护人 …).
    pub relation: String,
    pub on: String,
    pub scope: String,
}

/// A person who passed every rule (the org code is checked by the store: it must exist).
#[derive(Debug, Clone, PartialEq)]
pub struct PersonFields {
    pub name: String,
    pub gender: Option<crate::id_number::Gender>,
    pub ethnicity: Option<&'static str>,
    pub birth_date: Option<time::Date>,
    pub id_number: Option<crate::id_number::IdNumber>,
    pub phone: Option<crate::phone::Phone>,
    pub address: String,
    pub difficulty_types: Vec<String>,
    pub difficulty_degree: Option<&'static str>,
    pub health: Option<&'static str>,
    pub employment: String,
    pub monthly_income: Option<i64>,
    pub sensitivity: Sensitivity,
    pub categories: Vec<CategoryEntry>,
    pub consent: Option<Consent>,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryEntry {
    pub code: String,
    pub start_date: time::Date,
    pub end_date: Option<time::Date>,
    pub grade: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub by: String,
    pub relation: String,
    pub on: time::Date,
    pub scope: String,
}

impl PersonFields {
    pub fn age(&self, today: time::Date) -> Option<i32> {
        self.birth_date.map(|b| crate::id_number::age_on(b, today))
    }
}

/// Checks every field at once; `known_category` says whether a code is a category of this
/// deployment (built-in or added). Derives birth date and gender from the ID number and refuses
/// them when they contradict it; raises the sensitivity to the minimum for the person's age and
/// categories.
pub fn validate(
    input: &PersonInput,
    today: time::Date,
    known_category: &dyn Fn(&str) -> bool,
) -> Result<PersonFields, crate::Invalid> {
    use crate::id_number::{Gender, IdNumber};
    use crate::text;
    let mut inv = crate::Invalid::new();
    let present = |o: &Option<String>| {
        o.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };

    let name = inv.check("name", text::name(&input.name, 50));
    let id_number =
        present(&input.id_number).and_then(|s| inv.check("id_number", IdNumber::parse(&s, today)));
    let phone =
        present(&input.phone).and_then(|s| inv.check("phone", crate::phone::Phone::parse(&s)));
    let mut gender = present(&input.gender).and_then(|g| {
        inv.check(
            "gender",
            Gender::from_id(&g).ok_or(Msg::new("性别应为男或女", "gender is male or female")),
        )
    });
    let mut birth_date =
        present(&input.birth_date).and_then(|d| inv.check("birth_date", crate::dates::parse(&d)));
    if let Some(id) = &id_number {
        if birth_date.is_some_and(|b| b != id.birth_date()) {
            inv.add(
                "birth_date",
                Msg::new(
                    "出生日期与身份证号不一致",
                    "the birth date does not match the ID number",
                ),
            );
        }
        if gender.is_some_and(|g| g != id.gender()) {
            inv.add(
                "gender",
                Msg::new(
                    "性别与身份证号不一致",
                    "the gender does not match the ID number",
                ),
            );
        }
        birth_date = Some(id.birth_date());
        gender = Some(id.gender());
    }
    if birth_date.is_some_and(|b| b > today) {
        inv.add(
            "birth_date",
            Msg::new(
                "出生日期不能晚于今天",
                "the birth date cannot be in the future",
            ),
        );
    }
    let age = birth_date.map(|b| crate::id_number::age_on(b, today));
    let ethnicity = present(&input.ethnicity).and_then(|e| inv.check("ethnicity", ethnicity(&e)));
    let address = inv
        .check(
            "address",
            text::one_line(input.address.as_deref().unwrap_or_default(), 200),
        )
        .unwrap_or_default();
    let mut difficulty_types = Vec::new();
    for t in input.difficulty_types.iter().flatten() {
        if let Some(t) = inv.check("difficulty_types", text::required_line(t, 30)) {
            difficulty_types.push(t);
        }
    }
    let pick = |list: &'static [(&'static str, &'static str, &'static str)], v: &str| {
        list.iter()
            .find(|(code, zh, _)| *code == v || *zh == v)
            .map(|(code, ..)| *code)
    };
    let difficulty_degree = present(&input.difficulty_degree).and_then(|v| {
        inv.check(
            "difficulty_degree",
            pick(&DIFFICULTY_DEGREES, &v).ok_or(Msg::new(
                "困难程度应为一般困难、比较困难或特别困难",
                "unknown difficulty degree",
            )),
        )
    });
    let health = present(&input.health).and_then(|v| {
        inv.check(
            "health",
            pick(&HEALTH, &v).ok_or(Msg::new(
                "健康状况应为健康、多病或重病",
                "health is healthy, chronic or serious",
            )),
        )
    });
    let employment = inv
        .check(
            "employment",
            text::one_line(input.employment.as_deref().unwrap_or_default(), 100),
        )
        .unwrap_or_default();
    let monthly_income = match input.monthly_income {
        Some(v) if !(0..=10_000_000).contains(&v) => {
            inv.add(
                "monthly_income",
                Msg::new(
                    "月收入应在 0 至 10,000,000 元之间",
                    "monthly income is between 0 and 10,000,000 yuan",
                ),
            );
            None
        }
        v => v,
    };
    let mut categories = Vec::new();
    for c in input.categories.iter().flatten() {
        let code = c.code.trim().to_string();
        let builtin = category(&code).or_else(|| category_by_label(&code));
        let code = builtin.map(|b| b.code.to_string()).unwrap_or(code);
        if builtin.is_none() && !known_category(&code) {
            inv.add(
                "categories",
                Msg::owned(
                    format!("未知的类别“{code}”"),
                    format!("unknown category “{code}”"),
                ),
            );
            continue;
        }
        if let Some(b) = builtin
            && let Err(m) = check_category_age(b, age)
        {
            inv.add("categories", m);
        }
        let start = match c
            .start_date
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => inv.check("categories", crate::dates::parse(s)),
            None => Some(today),
        };
        let end = c
            .end_date
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| inv.check("categories", crate::dates::parse(s)));
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            inv.add(
                "categories",
                Msg::new(
                    "类别的结束日期不能早于开始日期",
                    "a category cannot end before it starts",
                ),
            );
        }
        let grade = c
            .grade
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|g| g.trim_end_matches('级').to_string());
        let grade = match (code.as_str(), grade) {
            ("disabled", Some(g)) => {
                let g = match g.as_str() {
                    "一" => "1".to_string(),
                    "二" => "2".to_string(),
                    "三" => "3".to_string(),
                    "四" => "4".to_string(),
                    _ => g,
                };
                if DISABILITY_GRADES.contains(&g.as_str()) {
                    Some(g)
                } else {
                    inv.add(
                        "categories",
                        Msg::new("残疾等级应为一至四级", "a disability grade is 1 to 4"),
                    );
                    None
                }
            }
            (_, Some(_)) => {
                inv.add(
                    "categories",
                    Msg::new(
                        "只有残疾人类别有等级",
                        "only the disability category has a grade",
                    ),
                );
                None
            }
            (_, None) => None,
        };
        if let Some(start_date) = start {
            categories.push(CategoryEntry {
                code,
                start_date,
                end_date: end,
                grade,
            });
        }
    }
    let codes: Vec<&str> = categories.iter().map(|c| c.code.as_str()).collect();
    let floor = minimum_sensitivity(age, &codes);
    let asked = present(&input.sensitivity).and_then(|s| {
        inv.check(
            "sensitivity",
            Sensitivity::from_id(&s).ok_or(Msg::new(
                "密级应为 ordinary、sensitive 或 confidential",
                "unknown sensitivity",
            )),
        )
    });
    let sensitivity = asked.unwrap_or(floor).max(floor);
    let consent = input.consent.as_ref().and_then(|c| {
        let by = inv.check("consent", text::name(&c.by, 50));
        let relation = inv.check("consent", text::required_line(&c.relation, 20));
        let on = inv.check("consent", crate::dates::parse(&c.on));
        let scope = inv.check("consent", text::required_line(&c.scope, 200));
        if on.is_some_and(|d| d > today) {
            inv.add(
                "consent",
                Msg::new(
                    "同意日期不能晚于今天",
                    "consent cannot be dated in the future",
                ),
            );
        }
        if let Some(r) = &relation
            && consent_needs_guardian(age)
            && matches!(r.as_str(), "self" | "本人")
        {
            inv.add(
                "consent",
                Msg::new(
                    "未满 14 周岁,须由监护人同意(个人信息保护法第三十一条)",
                    "under 14, a guardian must consent (PIPL Art. 31)",
                ),
            );
        }
        Some(Consent {
            by: by?,
            relation: relation?,
            on: on?,
            scope: scope?,
        })
    });
    let notes = inv
        .check(
            "notes",
            text::notes(input.notes.as_deref().unwrap_or_default(), 2000),
        )
        .unwrap_or_default();
    inv.clone().into_result()?;
    Ok(PersonFields {
        name: name.unwrap_or_default(),
        gender,
        ethnicity,
        birth_date,
        id_number,
        phone,
        address,
        difficulty_types,
        difficulty_degree,
        health,
        employment,
        monthly_income,
        sensitivity,
        categories,
        consent,
        notes,
    })
}

#[cfg(test)]
mod validate_tests {
    use super::*;
    use time::macros::date;

    const TODAY: time::Date = date!(2026 - 11 - 29);

    fn v(input: PersonInput) -> Result<PersonFields, crate::Invalid> {
        validate(&input, TODAY, &|c| c == "custom_x")
    }

    fn fields(i: &crate::Invalid) -> Vec<&str> {
        i.errors.iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_full_valid_person() {
        let p = v(PersonInput {
            name: "欧阳𠮷祥".into(),
            id_number: Some("11010519491231002x".into()),
            phone: Some("13812345678".into()),
            ethnicity: Some("土家族".into()),
            categories: Some(vec![
                CategoryInput {
                    code: "低保".into(),
                    start_date: Some("2020/1/1".into()),
                    ..Default::default()
                },
                CategoryInput {
                    code: "disabled".into(),
                    grade: Some("二级".into()),
                    ..Default::default()
                },
                CategoryInput {
                    code: "custom_x".into(),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(p.name, "欧阳𠮷祥");
        assert_eq!(p.birth_date, Some(date!(1949 - 12 - 31)));
        assert_eq!(p.gender, Some(crate::id_number::Gender::Female));
        assert_eq!(p.ethnicity, Some("土家"));
        assert_eq!(p.categories[0].code, "dibao");
        assert_eq!(p.categories[1].grade.as_deref(), Some("2"));
        assert_eq!(p.categories[2].start_date, TODAY);
        assert_eq!(p.sensitivity, Sensitivity::Ordinary);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let e = v(PersonInput {
            name: "张三😀".into(),
            id_number: Some("110105194912310021".into()),
            phone: Some("123".into()),
            birth_date: Some("1990/2/30".into()),
            gender: Some("unknown".into()),
            monthly_income: Some(-5),
            categories: Some(vec![CategoryInput {
                code: "富豪".into(),
                ..Default::default()
            }]),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            fields(&e),
            [
                "name",
                "id_number",
                "phone",
                "gender",
                "birth_date",
                "monthly_income",
                "categories"
            ]
        );
    }

    #[test]
    fn contradictions_with_the_id_number_are_refused() {
        let e = v(PersonInput {
            name: "李四".into(),
            id_number: Some("11010519491231002X".into()),
            birth_date: Some("1950-01-01".into()),
            gender: Some("男".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(&e), ["birth_date", "gender"]);
    }

    #[test]
    fn a_child_is_sensitive_and_needs_a_guardian_to_consent() {
        let child = |relation: &str, sensitivity: &str| PersonInput {
            name: "小明".into(),
            birth_date: Some("2016-05-01".into()),
            sensitivity: Some(sensitivity.into()),
            categories: Some(vec![CategoryInput {
                code: "child_left_behind".into(),
                ..Default::default()
            }]),
            consent: Some(ConsentInput {
                by: "王芳".into(),
                relation: relation.into(),
                on: "2026-11-01".into(),
                scope: "建立档案,入户走访".into(),
            }),
            ..Default::default()
        };
        let ok = v(child("母亲", "ordinary")).unwrap();
        assert_eq!(
            ok.sensitivity,
            Sensitivity::Sensitive,
            "raised to the floor"
        );
        assert_eq!(
            v(child("母亲", "confidential")).unwrap().sensitivity,
            Sensitivity::Confidential
        );
        let e = v(child("本人", "ordinary")).unwrap_err();
        assert!(e.message_for("consent").unwrap().zh.contains("监护人"));
    }

    #[test]
    fn category_rules() {
        let with = |code: &str, birth: &str, grade: Option<&str>, end: Option<&str>| PersonInput {
            name: "王五".into(),
            birth_date: Some(birth.into()),
            categories: Some(vec![CategoryInput {
                code: code.into(),
                grade: grade.map(Into::into),
                start_date: Some("2024-01-01".into()),
                end_date: end.map(Into::into),
            }]),
            ..Default::default()
        };
        assert!(v(with("orphan", "1990-01-01", None, None)).is_err());
        assert!(v(with("elderly_advanced", "1940-01-01", None, None)).is_ok());
        assert!(v(with("disabled", "1990-01-01", Some("5"), None)).is_err());
        assert!(v(with("dibao", "1990-01-01", Some("1"), None)).is_err());
        assert!(v(with("dibao", "1990-01-01", None, Some("2023-01-01"))).is_err());
    }
}

/// A deployment-defined category: a code of 2–32 lower-case letters, digits or `_` that
/// is not a built-in one, a Chinese label and an English one (the code when left empty).
pub fn custom_category(
    code: &str,
    label_zh: &str,
    label_en: &str,
) -> Result<(String, String, String), crate::Invalid> {
    let mut inv = crate::Invalid::new();
    let code = code.trim();
    let well_formed = (2..=32).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !well_formed {
        inv.add(
            "code",
            Msg::new(
                "代码应为 2 至 32 位小写字母、数字或下划线,以字母开头,例如 veteran_family",
                "the code is 2–32 lower-case letters, digits or _, starting with a letter",
            ),
        );
    } else if category(code).is_some() {
        inv.add(
            "code",
            Msg::new("这是内置类别的代码", "this is a built-in category's code"),
        );
    }
    let zh = inv.check("label_zh", crate::text::name(label_zh, 20));
    if let Some(z) = &zh
        && category_by_label(z).is_some()
    {
        inv.add(
            "label_zh",
            Msg::new("与内置类别同名", "a built-in category has this name"),
        );
    }
    let en = inv.check("label_en", crate::text::one_line(label_en, 60));
    inv.into_result()?;
    let zh = zh.unwrap_or_default();
    let en = en
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| code.to_string());
    Ok((code.to_string(), zh, en))
}

#[cfg(test)]
mod custom_category_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn custom_categories_are_checked() {
        let (c, zh, en) = custom_category(" veteran_family ", "优抚对象", "").unwrap();
        assert_eq!(
            (c.as_str(), zh.as_str(), en.as_str()),
            ("veteran_family", "优抚对象", "veteran_family")
        );
        let e = custom_category("dibao", "低保", "x").unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["code", "label_zh"]);
        assert!(
            custom_category("Veteran", "优抚", "").is_err(),
            "upper case"
        );
        assert!(
            custom_category("1abc", "优抚", "").is_err(),
            "starts with a digit"
        );
        assert!(
            custom_category("ok_code", "", "").is_err(),
            "a Chinese label is required"
        );
        assert!(custom_category("ok_code", "<script>", "").is_err());
    }

    proptest! {
        #[test]
        fn accepted_codes_are_plain_ascii(code in "\\PC{0,40}") {
            if let Ok((c, ..)) = custom_category(&code, "自定义", "custom") {
                prop_assert!(c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
                prop_assert!(category(&c).is_none());
            }
        }
    }
}
