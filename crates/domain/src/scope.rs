//! What part of the org tree a user's role reaches.

use crate::org::OrgCode;

/// The nodes a user reaches: the subtree of each division node listed, and each operator node
/// exactly. A role held at a division node has one entry; an operator's staff reach the operator
/// itself plus every station it runs (R-6, "an operator organisation is linked to the stations it runs").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    roots: Vec<OrgCode>,
}

impl Scope {
    pub fn new(mut roots: Vec<OrgCode>) -> Self {
        roots.sort();
        roots.dedup();
        // Drop roots already covered by another: keeps store filters short.
        let covered: Vec<bool> =
            roots.iter().map(|r| roots.iter().any(|o| o != r && o.covers(r.as_str()))).collect();
        let roots = roots.into_iter().zip(covered).filter(|(_, c)| !c).map(|(r, _)| r).collect();
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
                    // Exact match: [code, code + "\x01"). Codes hold no control characters, so
                    // nothing lies between; "\0" would be tighter but PostgreSQL text cannot hold it.
                    (r.as_str().to_string(), format!("{}\u{1}", r.as_str()))
                } else {
                    (r.as_str().to_string(), prefix_successor(r.as_str()))
                }
            })
            .collect()
    }
}

/// The smallest string greater than every string that starts with `p` (p is ASCII digits).
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
        let s = scope(&["430202", "430202001", "OPHT01"]);
        let roots: Vec<&str> = s.roots().iter().map(|r| r.as_str()).collect();
        assert_eq!(roots, ["430202", "OPHT01"]);
    }

    #[test]
    fn empty_scope_contains_nothing() {
        assert!(!Scope::empty().contains("43"));
        assert!(Scope::empty().code_ranges().is_empty());
    }

    #[test]
    fn ranges_for_nine_ending_codes() {
        let s = scope(&["430209"]);
        assert_eq!(s.code_ranges(), vec![("430209".to_string(), "43020:".to_string())]);
    }

    proptest! {
        /// The SQL ranges and `contains` must agree on every code, or lists and single-record
        /// checks would disagree about what a user may see.
        #[test]
        fn ranges_agree_with_contains(
            roots in proptest::collection::vec("43(0[1-9]){0,2}", 1..4),
            ops in proptest::collection::vec("OP[A-C]{2,3}", 0..2),
            probe in "(43[0-9]{0,10})|(OP[A-C]{2,4})",
        ) {
            let codes: Vec<OrgCode> = roots.iter().chain(ops.iter()).filter_map(|c| OrgCode::parse(c).ok()).collect();
            let s = Scope::new(codes);
            let in_ranges = s.code_ranges().iter().any(|(lo, hi)| probe.as_str() >= lo.as_str() && probe.as_str() < hi.as_str());
            prop_assert_eq!(in_ranges, s.contains(&probe));
        }
    }
}
