//! Helpers every feature's queries share: scope filters, paging, per-backend dispatch.

/// One page of a list. `page` counts from 1; `per_page` is capped at 200 (interface.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: i64,
    pub per_page: i64,
}

impl Page {
    pub const MAX_PER_PAGE: i64 = 200;

    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Page {
        Page {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.unwrap_or(50).clamp(1, Self::MAX_PER_PAGE),
        }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

impl Default for Page {
    fn default() -> Self {
        Page::new(None, None)
    }
}

/// A page of records and the number of all records matching, in scope.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
pub fn like_contains(q: &str) -> String {
    let mut s = String::with_capacity(q.len() + 2);
    s.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

/// Escapes `%`, `_` and `\` for a "starts with" LIKE pattern used with `ESCAPE '\'`.
pub fn like_prefix(q: &str) -> String {
    let mut s = like_contains(q);
    s.remove(0);
    s
}

/// `col` lies in `scope`, as a boxed SQL condition on code ranges (B-tree friendly on both
/// databases). An empty scope matches nothing.
#[macro_export]
macro_rules! scope_filter {
    ($col:expr, $scope:expr) => {{
        use diesel::prelude::*;
        let scope: &shegong_domain::scope::Scope = $scope;
        let mut ranges = scope.code_ranges().into_iter();
        let mut cond: Box<
            dyn BoxableExpression<_, $crate::db::MultiBackend, SqlType = diesel::sql_types::Bool>,
        > = match ranges.next() {
            Some((lo, hi)) => Box::new($col.ge(lo).and($col.lt(hi))),
            None => Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0")),
        };
        for (lo, hi) in ranges {
            cond = Box::new(cond.or($col.ge(lo).and($col.lt(hi))));
        }
        cond
    }};
}

/// Runs the same diesel code on the concrete connection of each backend, for the few statements
/// the multi-backend enum cannot express (batch inserts).
#[macro_export]
macro_rules! each_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_is_clamped() {
        assert_eq!(
            Page::new(Some(0), Some(1000)),
            Page {
                page: 1,
                per_page: 200
            }
        );
        assert_eq!(Page::new(Some(3), Some(20)).offset(), 40);
        assert_eq!(
            Page::new(Some(-5), Some(-1)),
            Page {
                page: 1,
                per_page: 1
            }
        );
        assert!(Page::new(Some(i64::MAX), Some(200)).offset() > 0);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains("50%_a\\"), "%50\\%\\_a\\\\%");
        assert_eq!(like_prefix("auth.two_factor"), "auth.two\\_factor%");
    }
}
