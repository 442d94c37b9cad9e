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
}

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
