//! Store tests: every query runs on SQLite and, with SHEGONG_TEST_PG_URL, on PostgreSQL.

mod accounts;
mod assessments;
mod attachments;
mod audit_chain;
mod care;
mod cases;
mod households;
mod imports;
mod login_sessions;
mod moves;
mod org_tree;
mod people;
mod protection;
mod quality;

use shegong_store::Db;
use shegong_store::org::{self, DivisionRow};
use std::path::PathBuf;

/// The real Hunan division files, shipped in the repository.
pub fn hunan_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../divisions/hunan")
}

/// 湖南省 → 株洲市 → 荷塘区 and its townships and villages: a small real tree.
pub fn hetang_rows() -> Vec<DivisionRow> {
    org::read_division_dir(&hunan_dir())
        .unwrap()
        .into_iter()
        .filter(|r| {
            let c = r.code.as_str();
            c == "43"
                || c == "4302"
                || c.starts_with("430202")
                || c == "430203"
                || c.starts_with("430203001")
        })
        .collect()
}

pub fn load_hetang(db: &Db) {
    let rows = hetang_rows();
    db.write(|c| org::import_divisions(c, &rows)).unwrap();
}
