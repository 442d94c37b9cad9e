//! What part of the org tree a user's role reaches.

use crate::org::OrgCode;

/// The nodes a user reaches: the subtree of each division node listed, and each operator node
/// exactly. A role held at a division node has one entry; an operator's staff reach the operator
/// itself plus every station it runs (R-6, "an operator organisation is linked to the stations it runs").
///
/// A division's subtree also holds the operator organisations (承接方) registered there: their
/// codes begin with that division's code (`430202OP01`), so the county that contracts an operator
/// reaches it like any node below it (docs/decisions/0010-operator-codes.md).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    roots: Vec<OrgCode>,
}

impl Scope {
    pub fn new(mut roots: Vec<OrgCode>) -> Self {
        roots.sort();
        roots.dedup();
        // Drop roots already covered by another: keeps store filters short.
        let covered: Vec<bool> = roots
            .iter()
            .map(|r| roots.iter().any(|o| o != r && o.covers(r.as_str())))
            .collect();
        let roots = roots
            .into_iter()
            .zip(covered)
            .filter(|(_, c)| !c)
            .map(|(r, _)| r)
            .collect();
        Scope { roots }
    }

    pub fn empty() -> Self {
        Scope::default()
    }

    pub fn contains(&self, code: &str) -> bool {
        self.roots.iter().any(|r| r.covers(code))
    }

    pub fn roots(&self) -> &[OrgCode] {
        &self.roots
    }

    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// Half-open code ranges `[lo, hi)` that together hold exactly the codes in scope, for B-tree
    /// range filters in SQL (`code >= lo AND code < hi`), which both databases index alike.
    pub fn code_ranges(&self) -> Vec<(String, String)> {
        self.roots
            .iter()
            .map(|r| {
                if r.is_operator() {
                    // Exact match: [code, code + "\u{1}"). Not "\0": PostgreSQL refuses a NUL in
                    // a text parameter ("invalid byte sequence"), which failed every scoped query
                    // of an operator's staff there. Only code + "\0…" lies between the two, and
                    // no text column can hold that.
                    (r.as_str().to_string(), format!("{}\u{1}", r.as_str()))
                } else {
                    (r.as_str().to_string(), prefix_successor(r.as_str()))
                }
            })
            .collect()
    }
}

/// The smallest string greater than every string that starts with `p` (p is ASCII digits or
/// upper-case letters).
fn prefix_successor(p: &str) -> String {
    let mut bytes = p.as_bytes().to_vec();
    let last = bytes.pop().expect("org codes are never empty");
    bytes.push(last + 1);
    String::from_utf8(bytes).expect("ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scope(codes: &[&str]) -> Scope {
        Scope::new(codes.iter().map(|c| OrgCode::parse(c).unwrap()).collect())
    }

    #[test]
    fn nested_roots_collapse() {
        let s = scope(&["430202", "430202001", "430202OPHT01", "430203OPLS01"]);
        let roots: Vec<&str> = s.roots().iter().map(|r| r.as_str()).collect();
        assert_eq!(roots, ["430202", "430203OPLS01"]);
    }

    #[test]
    fn empty_scope_contains_nothing() {
        assert!(!Scope::empty().contains("43"));
        assert!(Scope::empty().code_ranges().is_empty());
    }

    #[test]
    fn operators_are_reached_from_where_they_are_registered() {
        let county = scope(&["430202"]);
        assert!(county.contains("430202OPHT01") && !county.contains("430203OPLS01"));
        assert!(scope(&["43"]).contains("430203OPLS01"));
        assert!(!scope(&["430202001"]).contains("430202OPHT01"));
        let operator = scope(&["430202OPHT01", "430202001"]);
        assert!(operator.contains("430202OPHT01") && !operator.contains("430202OPHT012"));
        assert!(operator.contains("430202001001") && !operator.contains("430202002"));
    }

    #[test]
    fn ranges_hold_no_nul_which_postgresql_refuses() {
        let s = scope(&["430202OPHT01", "430202001"]);
        assert!(
            s.code_ranges()
                .iter()
                .all(|(lo, hi)| !lo.contains('\0') && !hi.contains('\0'))
        );
    }

    #[test]
    fn ranges_for_nine_ending_codes() {
        let s = scope(&["430209"]);
        assert_eq!(
            s.code_ranges(),
            vec![("430209".to_string(), "43020:".to_string())]
        );
    }

    proptest! {
        /// The SQL ranges and `contains` must agree on every code, or lists and single-record
        /// checks would disagree about what a user may see.
        #[test]
        fn ranges_agree_with_contains(
            roots in proptest::collection::vec("43(0[1-9]){0,2}", 1..4),
            ops in proptest::collection::vec("43(0[1-2]){0,2}OP[A-C]{2,3}", 0..2),
            probe in "(43[0-9]{0,10})|(43(0[1-2]){0,2}OP[A-C]{2,4})",
        ) {
            let codes: Vec<OrgCode> = roots.iter().chain(ops.iter()).filter_map(|c| OrgCode::parse(c).ok()).collect();
            let s = Scope::new(codes);
            let in_ranges = s.code_ranges().iter().any(|(lo, hi)| probe.as_str() >= lo.as_str() && probe.as_str() < hi.as_str());
            prop_assert_eq!(in_ranges, s.contains(&probe));
        }
    }
}
