//! Duplicates and moves (issue 3 point 8, R-7.6.4): which records likely describe the same person,
//! and the rules of a transfer between stations.

use crate::Msg;
use crate::org::{OrgCode, OrgLevel};
use crate::search::{PINYIN, name_tokens};

/// Why two records are listed as likely the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Likeness {
    /// Same name, same birth date, same county.
    SameName,
    /// Same pinyin (one reading in common), same birth date, same county: 张晓 and 章晓.
    SamePinyin,
}

impl Likeness {
    pub fn id(self) -> &'static str {
        match self {
            Likeness::SameName => "same_name",
            Likeness::SamePinyin => "same_pinyin",
        }
    }

    pub fn label(self) -> Msg {
        match self {
            Likeness::SameName => {
                Msg::new("同县、同名、同出生日期", "same county, name and birth date")
            }
            Likeness::SamePinyin => Msg::new(
                "同县、同拼音、同出生日期",
                "same county, pinyin and birth date",
            ),
        }
    }
}

/// What the duplicate rule looks at in a record.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub name: &'a str,
    pub birth_date: Option<&'a str>,
    pub org_code: &'a str,
    pub has_id_number: bool,
}

fn plain_name(n: &str) -> String {
    n.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '.' | '-'))
        .collect()
}

fn pinyin_readings(n: &str) -> Vec<String> {
    name_tokens(n)
        .into_iter()
        .filter(|t| t.starts_with(PINYIN))
        .collect()
}

fn county(code: &str) -> Option<OrgCode> {
    OrgCode::parse(code).ok()?.county()
}

/// Whether two records likely describe the same person. Two records that both carry an ID number
/// never do: a number exists once per deployment, so they are two people.
pub fn likeness(a: &Candidate, b: &Candidate) -> Option<Likeness> {
    if a.has_id_number && b.has_id_number {
        return None;
    }
    if a.birth_date.is_none() || a.birth_date != b.birth_date {
        return None;
    }
    let county_a = county(a.org_code)?;
    if Some(county_a) != county(b.org_code) {
        return None;
    }
    let (na, nb) = (plain_name(a.name), plain_name(b.name));
    if na.is_empty() {
        return None;
    }
    if na == nb {
        return Some(Likeness::SameName);
    }
    let pa = pinyin_readings(&na);
    let pb = pinyin_readings(&nb);
    pa.iter()
        .any(|p| pb.contains(p))
        .then_some(Likeness::SamePinyin)
}

/// Who started a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The station holding the person sends them to another station, which accepts.
    Send,
    /// A station asks for a person registered elsewhere (found by ID number); the holding
    /// station accepts.
    Request,
}

impl Direction {
    pub fn id(self) -> &'static str {
        match self {
            Direction::Send => "send",
            Direction::Request => "request",
        }
    }

    pub fn from_id(s: &str) -> Option<Direction> {
        [Direction::Send, Direction::Request]
            .into_iter()
            .find(|d| d.id() == s)
    }

    /// The side that accepts or declines: the receiving station for a send, the holding one for
    /// a request.
    pub fn deciding_org<'a>(self, from_org: &'a str, to_org: &'a str) -> &'a str {
        match self {
            Direction::Send => to_org,
            Direction::Request => from_org,
        }
    }

    /// The side that asked, and may withdraw the request while it is pending.
    pub fn asking_org<'a>(self, from_org: &'a str, to_org: &'a str) -> &'a str {
        match self {
            Direction::Send => from_org,
            Direction::Request => to_org,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Accepted,
    Declined,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Pending,
        Status::Accepted,
        Status::Declined,
        Status::Cancelled,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Accepted => "accepted",
            Status::Declined => "declined",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn from_id(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.id() == s)
    }

    pub fn label(self) -> Msg {
        match self {
            Status::Pending => Msg::new("待处理", "pending"),
            Status::Accepted => Msg::new("已接收", "accepted"),
            Status::Declined => Msg::new("已拒绝", "declined"),
            Status::Cancelled => Msg::new("已撤回", "withdrawn"),
        }
    }
}

/// What may happen to a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Decline,
    Cancel,
}

/// The status a decision leads to; only a pending transfer can be decided.
pub fn decide(current: Status, d: Decision) -> Result<Status, Msg> {
    if current != Status::Pending {
        return Err(Msg::new(
            "该转移申请已处理,不能再更改",
            "this transfer has been settled already",
        ));
    }
    Ok(match d {
        Decision::Accept => Status::Accepted,
        Decision::Decline => Status::Declined,
        Decision::Cancel => Status::Cancelled,
    })
}

/// Where a person may move: a station or a village of another station (a move within the
/// station is an edit of the record, not a transfer).
pub fn check_destination(from: &OrgCode, to: &OrgCode) -> Result<(), Msg> {
    if !matches!(to.level(), OrgLevel::Township | OrgLevel::Village) {
        return Err(Msg::new(
            "转入地应为乡镇(街道)社工站或村(社区)",
            "the destination is a station or a village",
        ));
    }
    if from.station().is_some() && from.station() == to.station() {
        return Err(Msg::new(
            "同一社工站内调整村(社区),请直接修改档案",
            "within one station, edit the record instead",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c<'a>(name: &'a str, birth: &'a str, org: &'a str, id: bool) -> Candidate<'a> {
        Candidate {
            name,
            birth_date: Some(birth),
            org_code: org,
            has_id_number: id,
        }
    }

    #[test]
    fn likely_duplicates() {
        let a = c("张晓", "1950-01-01", "430202001001", false);
        assert_eq!(
            likeness(&a, &c("张 晓", "1950-01-01", "430202002", true)),
            Some(Likeness::SameName)
        );
        assert_eq!(
            likeness(&a, &c("章晓", "1950-01-01", "430202001", false)),
            Some(Likeness::SamePinyin)
        );
        assert_eq!(
            likeness(&a, &c("张晓", "1950-01-02", "430202001", false)),
            None,
            "another birth date"
        );
        assert_eq!(
            likeness(&a, &c("张晓", "1950-01-01", "430203001", false)),
            None,
            "another county"
        );
        assert_eq!(
            likeness(&a, &c("李四", "1950-01-01", "430202001", false)),
            None
        );
        let with_id = c("张晓", "1950-01-01", "430202001", true);
        assert_eq!(
            likeness(&with_id, &c("张晓", "1950-01-01", "430202001", true)),
            None,
            "two ID numbers are two people"
        );
        let no_birth = Candidate {
            birth_date: None,
            ..a
        };
        assert_eq!(
            likeness(&no_birth, &no_birth),
            None,
            "no birth date, no guess"
        );
        // Every reading of a multi-reading character counts: 曾 zeng/ceng.
        assert_eq!(
            likeness(
                &c("曾丽", "1960-05-05", "430202001", false),
                &c("层丽", "1960-05-05", "430202001", false)
            ),
            Some(Likeness::SamePinyin)
        );
        // A rare character without pinyin still matches by name.
        assert_eq!(
            likeness(
                &c("𠮷祥", "1960-05-05", "430202001", false),
                &c("𠮷祥", "1960-05-05", "430202001", false)
            ),
            Some(Likeness::SameName)
        );
    }

    #[test]
    fn transfers() {
        assert_eq!(Direction::Send.deciding_org("A", "B"), "B");
        assert_eq!(Direction::Request.deciding_org("A", "B"), "A");
        assert_eq!(Direction::Request.asking_org("A", "B"), "B");
        assert_eq!(
            decide(Status::Pending, Decision::Accept),
            Ok(Status::Accepted)
        );
        assert_eq!(
            decide(Status::Pending, Decision::Cancel),
            Ok(Status::Cancelled)
        );
        for s in [Status::Accepted, Status::Declined, Status::Cancelled] {
            assert!(decide(s, Decision::Accept).is_err());
        }
        let code = |s| OrgCode::parse(s).unwrap();
        assert!(check_destination(&code("430202001001"), &code("430202002")).is_ok());
        assert!(check_destination(&code("430202001001"), &code("430202001002")).is_err());
        assert!(check_destination(&code("430202001"), &code("430202")).is_err());
        assert!(
            Status::ALL
                .iter()
                .all(|s| Status::from_id(s.id()) == Some(*s))
        );
    }

    proptest! {
        #[test]
        fn likeness_is_symmetric(a in "[张章李曾层丽晓 ]{1,4}", b in "[张章李曾层丽晓 ]{1,4}", ia: bool, ib: bool, same_day: bool) {
            let x = c(&a, "1950-01-01", "430202001", ia);
            let y = c(&b, if same_day { "1950-01-01" } else { "1951-01-01" }, "430202002001", ib);
            prop_assert_eq!(likeness(&x, &y), likeness(&y, &x));
            if ia && ib { prop_assert_eq!(likeness(&x, &y), None); }
        }
    }
}
