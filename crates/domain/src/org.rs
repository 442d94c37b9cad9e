//! The org tree: 省 → 市(州) → 县(市区) → 乡镇(街道) = one station → 村(社区), keyed by the official
//! statistical division codes (GB/T 2260 for counties, 12-digit codes below), plus the operator
//! organisations (承接方) that run stations under contract.

use crate::Msg;
use serde::{Deserialize, Serialize};

/// Level of a node in the org tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgLevel {
    Province,
    City,
    County,
    /// 乡镇(街道): one social work station each.
    Township,
    Village,
    /// 承接方: a social work organisation contracted to run stations; not part of the division tree.
    Operator,
}

impl OrgLevel {
    pub const ALL: [OrgLevel; 6] = [
        OrgLevel::Province,
        OrgLevel::City,
        OrgLevel::County,
        OrgLevel::Township,
        OrgLevel::Village,
        OrgLevel::Operator,
    ];

    pub fn id(self) -> &'static str {
        match self {
            OrgLevel::Province => "province",
            OrgLevel::City => "city",
            OrgLevel::County => "county",
            OrgLevel::Township => "township",
            OrgLevel::Village => "village",
            OrgLevel::Operator => "operator",
        }
    }

    pub fn from_id(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.id() == s)
    }

    pub fn label(self) -> Msg {
        match self {
            OrgLevel::Province => Msg::new("省", "province"),
            OrgLevel::City => Msg::new("市(州)", "city"),
            OrgLevel::County => Msg::new("县(市、区)", "county"),
            OrgLevel::Township => Msg::new("乡镇(街道)社工站", "township station"),
            OrgLevel::Village => Msg::new("村(社区)", "village / community"),
            OrgLevel::Operator => Msg::new("承接方", "operator"),
        }
    }

    /// Length of a division code at this level; operators have no fixed length.
    fn code_len(self) -> Option<usize> {
        match self {
            OrgLevel::Province => Some(2),
            OrgLevel::City => Some(4),
            OrgLevel::County => Some(6),
            OrgLevel::Township => Some(9),
            OrgLevel::Village => Some(12),
            OrgLevel::Operator => None,
        }
    }
}

/// Marks an operator code: the code of the division that registered the operator (province,
/// city or county), then `OP`, then 2–20 upper-case letters or digits, e.g. `430202OP01`. Digits
/// never contain `OP`, so an operator is never mistaken for a division, and its place in the tree
/// is its prefix: the county that contracts it (or the city or province) reaches it through its
/// ordinary subtree, and nothing below that does (docs/decisions/0010).
pub const OPERATOR_MARK: &str = "OP";

/// A valid org code: a division code of 2, 4, 6, 9 or 12 digits, or an operator code
/// `<division>OP<suffix>` (see [`OPERATOR_MARK`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgCode(String);

impl OrgCode {
    pub fn parse(s: &str) -> Result<Self, Msg> {
        let s = s.trim();
        if let Some((division, suffix)) = s.split_once(OPERATOR_MARK) {
            let division_ok = [2, 4, 6].contains(&division.len())
                && division.bytes().all(|b| b.is_ascii_digit())
                && OrgCode::parse(division).is_ok();
            let suffix_ok = (2..=20).contains(&suffix.len())
                && suffix
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            return if division_ok && suffix_ok {
                Ok(OrgCode(s.to_string()))
            } else {
                Err(Msg::new(
                    "承接方编码应为登记地的省、市或县区划代码加 OP 和 2 至 20 位大写字母或数字,如 430202OP01",
                    "an operator code is the province, city or county code where it is registered, then OP and 2 to 20 upper-case letters or digits, e.g. 430202OP01",
                ))
            };
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) || ![2, 4, 6, 9, 12].contains(&s.len()) {
            return Err(Msg::new(
                "区划代码应为 2、4、6、9 或 12 位数字",
                "a division code has 2, 4, 6, 9 or 12 digits",
            ));
        }
        // Codes pad lower levels with zeros; a level of all zeros is not a real node (e.g. 430000).
        let code = OrgCode(s.to_string());
        if code
            .parent()
            .is_some_and(|p| s[p.0.len()..].bytes().all(|b| b == b'0'))
        {
            return Err(Msg::new(
                "区划代码的末级不能全为 0",
                "the last level of a division code cannot be all zeros",
            ));
        }
        Ok(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> OrgLevel {
        if self.is_operator() {
            return OrgLevel::Operator;
        }
        match self.0.len() {
            2 => OrgLevel::Province,
            4 => OrgLevel::City,
            6 => OrgLevel::County,
            9 => OrgLevel::Township,
            _ => OrgLevel::Village,
        }
    }

    pub fn is_operator(&self) -> bool {
        self.0.contains(OPERATOR_MARK)
    }

    /// The division code part: the code itself, or for an operator the division that registered it.
    fn division_part(&self) -> &str {
        self.0.split(OPERATOR_MARK).next().unwrap_or(&self.0)
    }

    /// The node one level up: the division above, or for an operator the division that
    /// registered it; `None` for a province.
    pub fn parent(&self) -> Option<OrgCode> {
        let parent_len = match self.level() {
            OrgLevel::City => 2,
            OrgLevel::County => 4,
            OrgLevel::Township => 6,
            OrgLevel::Village => 9,
            OrgLevel::Operator => return Some(OrgCode(self.division_part().to_string())),
            OrgLevel::Province => return None,
        };
        Some(OrgCode(self.0[..parent_len].to_string()))
    }

    /// Every ancestor from the province down to the direct parent.
    pub fn ancestors(&self) -> Vec<OrgCode> {
        let mut out = Vec::new();
        let mut cur = self.parent();
        while let Some(c) = cur {
            cur = c.parent();
            out.push(c);
        }
        out.reverse();
        out
    }

    /// Whether `other` is this node or lies below it: a division's subtree holds its lower
    /// divisions and the operators registered there; an operator holds only itself.
    pub fn covers(&self, other: &str) -> bool {
        if self.is_operator() {
            other == self.0
        } else {
            other.starts_with(&self.0)
        }
    }

    /// The county (GB/T 2260) this node lies in, if it is at county level or below (an operator
    /// registered at a county lies in it).
    pub fn county(&self) -> Option<OrgCode> {
        let d = self.division_part();
        (d.len() >= 6).then(|| OrgCode(d[..6].to_string()))
    }

    /// The township station this node lies in, if it is at township level or below.
    pub fn station(&self) -> Option<OrgCode> {
        (!self.is_operator() && self.0.len() >= 9).then(|| OrgCode(self.0[..9].to_string()))
    }

    pub fn expected_len(level: OrgLevel) -> Option<usize> {
        level.code_len()
    }
}

impl TryFrom<String> for OrgCode {
    type Error = Msg;
    fn try_from(s: String) -> Result<Self, Msg> {
        OrgCode::parse(&s)
    }
}

impl From<OrgCode> for String {
    fn from(c: OrgCode) -> String {
        c.0
    }
}

impl std::fmt::Display for OrgCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Kind of a township by digits 7–9 of its statistical code (domain-rules.md § Identity and places).
pub fn township_kind(code: &OrgCode) -> Option<Msg> {
    if code.level() != OrgLevel::Township {
        return None;
    }
    let n: u32 = code.as_str()[6..9].parse().ok()?;
    Some(match n {
        1..=99 => Msg::new("街道", "street"),
        100..=199 => Msg::new("镇", "town"),
        200..=399 => Msg::new("乡", "township"),
        _ => Msg::new("类似乡级单位", "township-level unit"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(s: &str) -> OrgCode {
        OrgCode::parse(s).unwrap()
    }

    #[test]
    fn levels_follow_code_length() {
        assert_eq!(c("43").level(), OrgLevel::Province);
        assert_eq!(c("4302").level(), OrgLevel::City);
        assert_eq!(c("430202").level(), OrgLevel::County);
        assert_eq!(c("430202001").level(), OrgLevel::Township);
        assert_eq!(c("430202001001").level(), OrgLevel::Village);
        assert_eq!(c("430202OPA1").level(), OrgLevel::Operator);
        assert_eq!(c("43OP01").level(), OrgLevel::Operator);
    }

    #[test]
    fn parents_and_ancestors() {
        assert_eq!(c("430202001001").parent(), Some(c("430202001")));
        assert_eq!(c("43").parent(), None);
        assert_eq!(c("430202OPHT01").parent(), Some(c("430202")));
        assert_eq!(c("4302OP01").county(), None);
        assert_eq!(c("430202OP01").county(), Some(c("430202")));
        assert_eq!(c("430202OP01").station(), None);
        let anc: Vec<String> = c("430202001001")
            .ancestors()
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(anc, ["43", "4302", "430202", "430202001"]);
    }

    #[test]
    fn malformed_codes_are_refused_with_a_reason() {
        for bad in [
            "",
            "4",
            "430",
            "43020",
            "4302020011",
            "43a202",
            "43 02",
            "op12",
            "OP",
            "OPx1",
            "OPHT01",
            "430202001OP01",
            "430202OP1",
            "430202OPab",
            "430200OP01",
            "430000",
            "430202000",
        ] {
            assert!(OrgCode::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(OrgCode::parse("430202").is_ok());
        assert!(OrgCode::parse(" 430202 ").is_ok());
    }

    #[test]
    fn covers_is_subtree_for_divisions_and_exact_for_operators() {
        assert!(c("4302").covers("430202001001"));
        assert!(c("430202").covers("430202"));
        assert!(!c("430202").covers("430203001"));
        // An operator lies in the subtree of the division that registered it, and no lower.
        assert!(c("43").covers("430202OPAB"));
        assert!(c("430202").covers("430202OPAB"));
        assert!(!c("430202001").covers("430202OPAB"));
        assert!(!c("430203").covers("430202OPAB"));
        assert!(c("430202OPAB").covers("430202OPAB"));
        assert!(!c("430202OPAB").covers("430202OPABC"));
    }

    #[test]
    fn township_kinds() {
        assert_eq!(township_kind(&c("430202001")).unwrap().zh, "街道");
        assert_eq!(township_kind(&c("430221100")).unwrap().zh, "镇");
        assert_eq!(township_kind(&c("430221201")).unwrap().zh, "乡");
        assert!(township_kind(&c("430221")).is_none());
    }

    proptest! {
        #[test]
        fn every_ancestor_covers_its_descendant(code in "43[0-9]{2}[0-9]{2}[0-9]{3}[0-9]{3}") {
            if let Ok(code) = OrgCode::parse(&code) {
                for a in code.ancestors() {
                    prop_assert!(a.covers(code.as_str()));
                    prop_assert!(a.as_str().len() < code.as_str().len());
                }
            }
        }

        #[test]
        fn an_operator_is_reached_exactly_through_its_registering_division(
            div in "43(0[1-9](0[1-9])?)?", suffix in "[A-Z0-9]{2,8}", probe in "43[0-9]{0,10}",
        ) {
            if let Ok(op) = OrgCode::parse(&format!("{div}OP{suffix}")) {
                let parent = op.parent().unwrap();
                prop_assert_eq!(parent.as_str(), div.as_str());
                prop_assert!(parent.covers(op.as_str()));
                if let Ok(other) = OrgCode::parse(&probe) {
                    prop_assert_eq!(other.covers(op.as_str()), div.starts_with(other.as_str()));
                }
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = OrgCode::parse(&s);
        }
    }
}
