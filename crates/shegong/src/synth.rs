//! Synthetic people for trials and benchmarks (`shegong demo --scale N`, issue 3 point 13):
//! surnames by their real frequency, valid ID numbers whose area codes are the county's and whose
//! birth dates fit the person's categories, households, and categories in proportions like a
//! county's service objects. Deterministic for a given seed. Every person is fictional.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use shegong_domain::id_number::{self, IdNumber};
use shegong_domain::person::{CategoryEntry, PersonFields};
use shegong_domain::phone::Phone;
use shegong_domain::policy::Sensitivity;
use shegong_store::bulk;
use time::{Date, Duration};

/// Common surnames with their share in per mille (national figures, rounded; 湖南 has more
/// 刘, 彭, 谭, 唐, 曾, 邓 than the national mix, which the weights lean towards).
const SURNAMES: [(&str, u32); 60] = [
    ("王", 71),
    ("李", 70),
    ("张", 66),
    ("刘", 60),
    ("陈", 52),
    ("杨", 31),
    ("黄", 22),
    ("赵", 20),
    ("吴", 19),
    ("周", 18),
    ("徐", 13),
    ("孙", 12),
    ("马", 12),
    ("朱", 11),
    ("胡", 11),
    ("郭", 11),
    ("何", 10),
    ("高", 10),
    ("林", 10),
    ("罗", 10),
    ("郑", 9),
    ("梁", 9),
    ("谢", 8),
    ("宋", 7),
    ("唐", 12),
    ("许", 7),
    ("韩", 7),
    ("冯", 7),
    ("邓", 10),
    ("曹", 6),
    ("彭", 12),
    ("曾", 11),
    ("肖", 6),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("潘", 5),
    ("于", 5),
    ("蒋", 6),
    ("蔡", 5),
    ("余", 5),
    ("杜", 5),
    ("叶", 5),
    ("程", 5),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("沈", 4),
    ("谭", 10),
    ("廖", 5),
    ("龙", 4),
    ("贺", 4),
    ("向", 4),
    ("欧阳", 2),
    ("单", 2),
    ("覃", 2),
    ("颜", 3),
    ("易", 4),
];
const GIVEN_MALE: [&str; 40] = [
    "伟", "强", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫",
    "波", "宇", "浩", "凯", "建国", "国华", "志强", "海涛", "德明", "春生", "文华", "子轩", "浩然",
    "宇航", "俊杰", "家豪", "志明", "永红", "建华", "立新", "国庆", "长生", "福林", "桂生",
];
const GIVEN_FEMALE: [&str; 40] = [
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "秀英", "桂英", "玉兰", "秀兰",
    "凤英", "淑珍", "丽华", "春梅", "红梅", "小红", "雨涵", "欣怡", "梓涵", "诗涵", "思琪", "一诺",
    "佳怡", "子涵", "晓燕", "海燕", "冬梅", "月娥", "菊香", "翠兰", "秋菊", "素珍", "美玲", "金凤",
    "㛃", "婷",
];
const ETHNIC: [(&str, u32); 5] = [
    ("汉", 900),
    ("土家", 40),
    ("苗", 30),
    ("侗", 15),
    ("瑶", 15),
];

/// Profiles of the people a station serves, with their share (per mille) and age range.
struct Profile {
    share: u32,
    ages: (i32, i32),
    categories: &'static [&'static str],
}

const PROFILES: [Profile; 12] = [
    Profile {
        share: 260,
        ages: (25, 75),
        categories: &["dibao"],
    },
    Profile {
        share: 60,
        ages: (25, 70),
        categories: &["dibao_edge"],
    },
    Profile {
        share: 70,
        ages: (60, 95),
        categories: &["tekun"],
    },
    Profile {
        share: 40,
        ages: (20, 70),
        categories: &["temporary_aid"],
    },
    Profile {
        share: 150,
        ages: (80, 100),
        categories: &["elderly_advanced"],
    },
    Profile {
        share: 90,
        ages: (60, 85),
        categories: &["elderly_empty_nest"],
    },
    Profile {
        share: 60,
        ages: (60, 85),
        categories: &["elderly_left_behind", "dibao"],
    },
    Profile {
        share: 50,
        ages: (65, 95),
        categories: &["elderly_disabled"],
    },
    Profile {
        share: 140,
        ages: (3, 15),
        categories: &["child_left_behind"],
    },
    Profile {
        share: 80,
        ages: (18, 70),
        categories: &["disabled"],
    },
    Profile {
        share: 8,
        ages: (3, 15),
        categories: &["child_unsupported"],
    },
    Profile {
        share: 4,
        ages: (3, 15),
        categories: &["orphan"],
    },
];
const CHILD_IN_DIFFICULTY_PER_MILLE: u32 = 40;

pub struct Generator {
    rng: StdRng,
    today: Date,
    used_ids: std::collections::HashSet<String>,
    /// Guardianship gaps raised per station: the first few children of each station who can be
    /// recorded as unattended (under 8) or living alone (under 16) are, so every station's
    /// alert list has something (8.3.1.2).
    gaps: std::collections::HashMap<String, u32>,
}

/// Gaps per station made certain; beyond them, one child in a hundred.
const GAPS_PER_STATION: u32 = 2;
/// Workers who sign investigations and make visits (fictional).
const WORKERS: [&str; 6] = ["王社工", "赵社工", "刘志愿者", "李站长", "周社工", "谭社工"];
const VISIT_FINDINGS: [&str; 5] = [
    "身体状况稳定,按时服药,居家环境整洁。",
    "反映腿脚不便,已联系村医上门测血压。",
    "情绪较好,与邻居来往正常;提醒冬季用电安全。",
    "独自做饭有困难,已对接助餐点送餐。",
    "子女电话联系较少,进行了精神慰藉并约定下次探访。",
];

fn pick<'a, T>(rng: &mut StdRng, weighted: &'a [(T, u32)]) -> &'a T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut n = rng.random_range(0..total);
    for (v, w) in weighted {
        if n < *w {
            return v;
        }
        n -= w;
    }
    &weighted[0].0
}

impl Generator {
    pub fn new(seed: u64) -> Generator {
        Generator {
            rng: StdRng::seed_from_u64(seed),
            today: shegong_domain::dates::today(),
            used_ids: Default::default(),
            gaps: Default::default(),
        }
    }

    fn name(&mut self, male: bool) -> String {
        let surname = pick(&mut self.rng, &SURNAMES);
        let pool: &[&str] = if male { &GIVEN_MALE } else { &GIVEN_FEMALE };
        format!("{surname}{}", pool[self.rng.random_range(0..pool.len())])
    }

    fn birth(&mut self, ages: (i32, i32)) -> Date {
        let days = self
            .rng
            .random_range((ages.0 * 365 + 1)..((ages.1 + 1) * 365 - 1));
        self.today - Duration::days(i64::from(days))
    }

    fn id_number(&mut self, county: &str, birth: Date, male: bool) -> Option<IdNumber> {
        for _ in 0..20 {
            let seq = self.rng.random_range(0..500u32) * 2 + u32::from(male);
            let first17 = format!(
                "{county}{:04}{:02}{:02}{seq:03}",
                birth.year(),
                u8::from(birth.month()),
                birth.day()
            );
            let check = id_number::check_digit(first17.as_bytes()) as char;
            let s = format!("{first17}{check}");
            if self.used_ids.insert(s.clone()) {
                return IdNumber::parse(&s, self.today).ok();
            }
        }
        None
    }

    fn phone(&mut self) -> Option<Phone> {
        let prefix = [
            "138", "139", "150", "151", "155", "173", "177", "180", "186", "199",
        ][self.rng.random_range(0..10)];
        Phone::parse(&format!(
            "{prefix}{:08}",
            self.rng.random_range(0..100_000_000u32)
        ))
        .ok()
    }

    fn person(
        &mut self,
        county: &str,
        ages: (i32, i32),
        categories: &[&str],
        male: bool,
        village_name: &str,
    ) -> PersonFields {
        let birth = self.birth(ages);
        let age = id_number::age_on(birth, self.today);
        let with_id = self.rng.random_range(0..100) < 96;
        let id_number = if with_id {
            self.id_number(county, birth, male)
        } else {
            None
        };
        let mut cats: Vec<CategoryEntry> = categories
            .iter()
            .map(|c| CategoryEntry {
                code: c.to_string(),
                start_date: self.today - Duration::days(self.rng.random_range(30..3000)),
                end_date: None,
                grade: (*c == "disabled")
                    .then(|| ["1", "2", "3", "4"][self.rng.random_range(0..4)].to_string()),
            })
            .collect();
        if age < 18 && self.rng.random_range(0..1000) < CHILD_IN_DIFFICULTY_PER_MILLE {
            cats.push(CategoryEntry {
                code: "child_in_difficulty".into(),
                start_date: self.today - Duration::days(200),
                end_date: None,
                grade: None,
            });
        }
        let codes: Vec<&str> = cats.iter().map(|c| c.code.as_str()).collect();
        PersonFields {
            name: self.name(male),
            gender: Some(if male {
                id_number::Gender::Male
            } else {
                id_number::Gender::Female
            }),
            ethnicity: Some(*pick(&mut self.rng, &ETHNIC)),
            birth_date: Some(birth),
            phone: if age >= 16 && self.rng.random_range(0..100) < 60 {
                self.phone()
            } else {
                None
            },
            id_number,
            address: format!(
                "{village_name}{}组{}号",
                self.rng.random_range(1..12),
                self.rng.random_range(1..80)
            ),
            difficulty_types: Vec::new(),
            difficulty_degree: Some(["mild", "serious", "extreme"][self.rng.random_range(0..3)]),
            health: Some(["healthy", "chronic", "serious"][self.rng.random_range(0..3)]),
            employment: String::new(),
            monthly_income: Some(i64::from(self.rng.random_range(0..2500u32))),
            sensitivity: shegong_domain::person::minimum_sensitivity(Some(age), &codes)
                .max(Sensitivity::Ordinary),
            categories: cats,
            consent: None,
            notes: String::new(),
        }
    }

    /// About `count` people in households across `villages` (code, name) of `county`.
    pub fn county(
        &mut self,
        county: &str,
        villages: &[(String, String)],
        count: usize,
    ) -> (Vec<bulk::Household>, Vec<bulk::Person>) {
        let mut households = Vec::new();
        let mut people = Vec::new();
        let shares: Vec<(usize, u32)> = PROFILES
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.share))
            .collect();
        while people.len() < count {
            let (code, vname) = &villages[self.rng.random_range(0..villages.len())];
            let profile = &PROFILES[*pick(&mut self.rng, &shares)];
            let h = households.len();
            households.push(bulk::Household {
                org_code: code.clone(),
                address: format!("{vname}{}组", self.rng.random_range(1..12)),
            });
            let male = self.rng.random_bool(0.5);
            if profile.ages.1 < 18 {
                // A left-behind child lives with a grandparent, who heads the household.
                let gp = self.person(county, (58, 80), &[], !male, vname);
                people.push(bulk::Person {
                    org_code: code.clone(),
                    fields: gp,
                    household: Some((h, "户主".into())),
                });
                let child = self.person(county, profile.ages, profile.categories, male, vname);
                people.push(bulk::Person {
                    org_code: code.clone(),
                    fields: child,
                    household: Some((h, "孙子女".into())),
                });
            } else {
                let head = self.person(county, profile.ages, profile.categories, male, vname);
                let elderly = profile.ages.0 >= 60;
                people.push(bulk::Person {
                    org_code: code.clone(),
                    fields: head,
                    household: Some((h, "户主".into())),
                });
                if elderly && self.rng.random_range(0..100) < 35 {
                    let spouse = self.person(county, profile.ages, &[], !male, vname);
                    people.push(bulk::Person {
                        org_code: code.clone(),
                        fields: spouse,
                        household: Some((h, "配偶".into())),
                    });
                } else if !elderly && self.rng.random_range(0..100) < 30 {
                    let boy = self.rng.random_bool(0.5);
                    let child = self.person(county, (2, 15), &[], boy, vname);
                    people.push(bulk::Person {
                        org_code: code.clone(),
                        fields: child,
                        household: Some((h, "子女".into())),
                    });
                }
            }
        }
        (households, people)
    }
}

/// The assistance category of 8.1.1.2 a person category stands for.
fn assistance_of(category: &str) -> Option<&'static str> {
    match category {
        "dibao" => Some("dibao"),
        "dibao_edge" => Some("near_dibao"),
        "tekun" => Some("tekun"),
        _ => None,
    }
}

impl Generator {
    fn date_back(&mut self, days: std::ops::Range<i64>) -> Date {
        self.today - Duration::days(self.rng.random_range(days))
    }

    fn two_workers(&mut self) -> Vec<String> {
        let a = self.rng.random_range(0..WORKERS.len());
        let b = (a + self.rng.random_range(1..WORKERS.len())) % WORKERS.len();
        vec![WORKERS[a].to_string(), WORKERS[b].to_string()]
    }

    /// The archives a station keeps about the people and households of one stored batch
    /// (`people[i]` has id `person_ids[i]`, its household index points into `hh_ids`): for
    /// households on 低保/低保边缘/特困, an investigation (8.1.1.1, most of them) and the latest
    /// review (8.1.1.2; some overdue, some due within the month); for old people on an elderly
    /// category or 特困, the elderly archive with carers and visits (8.2.1.1, some visits overdue);
    /// for children on a children's category, the guardianship archive (8.3.1).
    pub fn records(
        &mut self,
        people: &[bulk::Person],
        person_ids: &[i64],
        hh_ids: &[i64],
    ) -> bulk::Records {
        use shegong_domain::care::{self, Carer, CarerPhone, ElderlyFields, Guardian, Visit};
        use shegong_domain::household::{self as dh, Amount, MemberRecord, Property, Review};
        let mut out = bulk::Records::default();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); hh_ids.len()];
        for (i, p) in people.iter().enumerate() {
            if let Some((h, _)) = &p.household {
                members[*h].push(i);
            }
        }
        for (h, list) in members.iter().enumerate() {
            let Some(category) = list.iter().find_map(|i| {
                people[*i]
                    .fields
                    .categories
                    .iter()
                    .find_map(|c| assistance_of(&c.code))
            }) else {
                continue;
            };
            let ids: Vec<i64> = list.iter().map(|i| person_ids[*i]).collect();
            let reviewed_on = self.date_back(20..330);
            // Next review a year on, give or take: about one in six already overdue, one in
            // ten due within the month.
            let next_due = self.today + Duration::days(self.rng.random_range(-45..300));
            let next_due = next_due.max(reviewed_on + Duration::days(30));
            let result = if self.rng.random_range(0..10) == 0 {
                "adjust"
            } else {
                "continue"
            };
            out.reviews.push((
                hh_ids[h],
                ids.clone(),
                Review {
                    category,
                    reviewed_on,
                    result,
                    next_due: Some(next_due),
                    notes: String::new(),
                },
            ));
            if self.rng.random_range(0..10) < 7 {
                let date = reviewed_on - Duration::days(self.rng.random_range(3..20));
                let records: Vec<MemberRecord> = list
                    .iter()
                    .map(|i| {
                        let f = &people[*i].fields;
                        let age = f.age(self.today).unwrap_or(40);
                        let grade = f.categories.iter().find_map(|c| c.grade.clone());
                        MemberRecord {
                            person_id: person_ids[*i],
                            hukou: if self.rng.random_range(0..10) < 7 {
                                "rural"
                            } else {
                                "resident"
                            }
                            .into(),
                            education: if age < 18 {
                                "在读"
                            } else if age > 60 {
                                "小学"
                            } else {
                                "初中"
                            }
                            .into(),
                            marriage: if age < 20 { "未婚" } else { "已婚" }.into(),
                            health: f.health.unwrap_or("healthy").into(),
                            disability: grade.unwrap_or_else(|| "none".into()),
                            employment: if age < 18 {
                                "student"
                            } else if age >= 60 {
                                "unable"
                            } else {
                                ["farming", "employed", "unemployed"][self.rng.random_range(0..3)]
                            }
                            .into(),
                        }
                    })
                    .collect();
                let mut incomes = vec![Amount {
                    kind: "subsidies".into(),
                    fen: i64::from(self.rng.random_range(3_000..9_000u32)) * 100,
                }];
                if self.rng.random_bool(0.6) {
                    incomes.push(Amount {
                        kind: ["farming", "wages", "support"][self.rng.random_range(0..3)].into(),
                        fen: i64::from(self.rng.random_range(1_000..12_000u32)) * 100,
                    });
                }
                let spending = vec![
                    Amount {
                        kind: "living".into(),
                        fen: i64::from(self.rng.random_range(4_000..10_000u32)) * 100,
                    },
                    Amount {
                        kind: "medical".into(),
                        fen: i64::from(self.rng.random_range(500..15_000u32)) * 100,
                    },
                ];
                let total_income_fen = incomes.iter().map(|a| a.fen).sum();
                out.investigations.push((
                    hh_ids[h],
                    dh::Investigation {
                        date,
                        investigators: self.two_workers(),
                        per_capita_monthly_fen: dh::per_capita_monthly(
                            total_income_fen,
                            records.len() as u32,
                        )
                        .unwrap_or(0),
                        members: records,
                        total_income_fen,
                        total_spending_fen: spending.iter().map(|a| a.fen).sum(),
                        incomes,
                        spending,
                        property: Property {
                            housing: ["自建砖混房一处", "土木结构老房一处", "公租房一套"]
                                [self.rng.random_range(0..3)]
                            .into(),
                            vehicles: "无".into(),
                            savings_fen: i64::from(self.rng.random_range(0..300u32)) * 10_000,
                            business: "无".into(),
                        },
                        notes: String::new(),
                        signed: true,
                    },
                ));
            }
        }
        for (i, p) in people.iter().enumerate() {
            let f = &p.fields;
            let Some(age) = f.age(self.today) else {
                continue;
            };
            let codes: Vec<&str> = f.categories.iter().map(|c| c.code.as_str()).collect();
            let spouse = p.household.as_ref().and_then(|(h, _)| {
                members[*h]
                    .iter()
                    .find(|j| {
                        **j != i
                            && people[**j]
                                .household
                                .as_ref()
                                .is_some_and(|m| m.1 == "配偶")
                    })
                    .map(|j| people[*j].fields.name.clone())
            });
            if age >= care::ELDERLY_AGE
                && codes
                    .iter()
                    .any(|c| c.starts_with("elderly_") || *c == "tekun")
            {
                let living = match (spouse.is_some(), codes.first().copied()) {
                    (true, _) => "with_spouse",
                    (false, Some("elderly_left_behind" | "elderly_empty_nest")) => "alone",
                    (false, Some("tekun")) if self.rng.random_bool(0.4) => "institution",
                    _ => ["alone", "with_children", "with_children"][self.rng.random_range(0..3)],
                };
                let mut carers = Vec::new();
                if let Some(name) = spouse {
                    carers.push(Carer {
                        id: None,
                        name,
                        relation: "配偶".into(),
                        phone: CarerPhone::None,
                    });
                }
                if self.rng.random_bool(0.6) {
                    let son = self.rng.random_bool(0.5);
                    carers.push(Carer {
                        id: None,
                        name: format!(
                            "{}{}",
                            f.name.chars().next().unwrap_or('张'),
                            self.name(son).chars().skip(1).collect::<String>()
                        ),
                        relation: if son { "儿子" } else { "女儿" }.into(),
                        phone: self.phone().map_or(CarerPhone::None, CarerPhone::New),
                    });
                }
                let interval = care::default_interval_days(living, &codes);
                let opened_on = self.date_back(60..700);
                // Visits at the interval, the last one recent or (for about one in five) late.
                let n = self.rng.random_range(0..5);
                let mut last =
                    self.today - Duration::days(self.rng.random_range(0..(interval * 5 / 4 + 1)));
                let mut visits = Vec::new();
                for _ in 0..n {
                    if last <= opened_on {
                        break;
                    }
                    visits.push(Visit {
                        visited_on: last,
                        visitor: WORKERS[self.rng.random_range(0..WORKERS.len())].into(),
                        mode: if self.rng.random_range(0..4) == 0 {
                            "phone"
                        } else {
                            "home"
                        },
                        findings: VISIT_FINDINGS[self.rng.random_range(0..VISIT_FINDINGS.len())]
                            .into(),
                        notes: String::new(),
                    });
                    last -= Duration::days(interval);
                }
                visits.reverse();
                out.elderly.push(bulk::Elderly {
                    person_id: person_ids[i],
                    fields: ElderlyFields {
                        living_arrangement: living,
                        carers,
                        visit_interval_days: interval,
                        notes: String::new(),
                    },
                    opened_on,
                    visits,
                });
            }
            if age < care::CHILD_AGE
                && codes.iter().any(|c| {
                    matches!(
                        *c,
                        "child_left_behind"
                            | "child_unsupported"
                            | "orphan"
                            | "child_in_difficulty"
                    )
                })
            {
                let surname = f.name.chars().next().unwrap_or('张');
                let parent =
                    |g: &mut Generator, male: bool, status: &'static str, notes: &str| Guardian {
                        name: format!(
                            "{surname}{}",
                            g.name(male).chars().skip(1).collect::<String>()
                        ),
                        relation: if male { "father" } else { "mother" },
                        status,
                        notes: notes.into(),
                    };
                let mut guardians = if codes.contains(&"orphan") {
                    vec![
                        parent(self, true, "dead", ""),
                        parent(self, false, "dead", ""),
                    ]
                } else if codes.contains(&"child_unsupported") {
                    let s = [
                        "imprisoned",
                        "severe_illness",
                        "severe_disability",
                        "lost_contact",
                    ];
                    let father = s[self.rng.random_range(0..4)];
                    let mother = if self.rng.random_bool(0.5) {
                        "lost_contact"
                    } else {
                        "dead"
                    };
                    vec![
                        parent(self, true, father, ""),
                        parent(self, false, mother, ""),
                    ]
                } else {
                    vec![
                        parent(self, true, "normal", "在广东务工"),
                        parent(self, false, "normal", "在长沙务工"),
                    ]
                };
                if let Some(gp) = p
                    .household
                    .as_ref()
                    .and_then(|(h, _)| members[*h].first())
                    .filter(|j| **j != i)
                {
                    guardians.push(Guardian {
                        name: people[*gp].fields.name.clone(),
                        relation: "grandparent",
                        status: "normal",
                        notes: "共同生活,日常照料".into(),
                    });
                }
                let station = p.org_code.get(..9).unwrap_or(&p.org_code).to_string();
                let made = self.gaps.entry(station).or_default();
                let want_gap =
                    age < 16 && (*made < GAPS_PER_STATION || self.rng.random_range(0..100) == 0);
                let living = match (want_gap, age < 8) {
                    (true, true) => "unattended",
                    (true, false) => "alone",
                    _ => "with_relatives",
                };
                if want_gap {
                    *made += 1;
                }
                let gap = care::gap(age, living);
                out.guardianship.push(bulk::Guardianship {
                    person_id: person_ids[i],
                    age,
                    fields: care::GuardianshipFields {
                        living_situation: living,
                        support: care::support_of(&guardians),
                        guardians,
                        school: if age >= 6 {
                            format!(
                                "{}中心小学",
                                &p.fields.address.chars().take(3).collect::<String>()
                            )
                        } else {
                            String::new()
                        },
                        grade: if (6..12).contains(&age) {
                            format!("{}年级", age - 5)
                        } else {
                            String::new()
                        },
                        study_status: Some(match age {
                            0..3 => "preschool",
                            3..6 => "kindergarten",
                            _ => "in_school",
                        }),
                        health: Some(if codes.contains(&"child_in_difficulty") {
                            "chronic"
                        } else {
                            "healthy"
                        }),
                        health_notes: String::new(),
                        social_support: "村(居)儿童主任定期联系;学校老师关注学习情况。".into(),
                        notes: String::new(),
                        gap,
                    },
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_valid_and_fit_their_county_and_categories() {
        let mut g = Generator::new(7);
        let villages = vec![("430202001001".to_string(), "文化路社区".to_string())];
        let (hh, people) = g.county("430202", &villages, 400);
        assert!(people.len() >= 400 && hh.len() <= people.len());
        let today = shegong_domain::dates::today();
        let mut ids = std::collections::HashSet::new();
        for p in &people {
            let f = &p.fields;
            shegong_domain::text::name(&f.name, 50).unwrap();
            let age = f.age(today).unwrap();
            for c in &f.categories {
                shegong_domain::person::check_category_age(
                    shegong_domain::person::category(&c.code).unwrap(),
                    Some(age),
                )
                .unwrap();
            }
            if let Some(id) = &f.id_number {
                assert_eq!(id.area_code(), "430202");
                assert_eq!(Some(id.birth_date()), f.birth_date);
                assert!(ids.insert(id.as_str().to_string()), "unique");
            }
            if age < 18 {
                assert_eq!(f.sensitivity, Sensitivity::Sensitive);
            }
        }
        let with = |code: &str| {
            people
                .iter()
                .filter(|p| p.fields.categories.iter().any(|c| c.code == code))
                .count()
        };
        assert!(
            with("dibao") > with("orphan"),
            "proportions follow the profiles"
        );
        let (_, again) = Generator::new(7).county("430202", &villages, 400);
        assert_eq!(
            again[0].fields.name, people[0].fields.name,
            "deterministic for a seed"
        );
    }
}
