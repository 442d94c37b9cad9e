//! Rebuild when a migration changes (they are embedded), and give the test support a fingerprint of
//! the PostgreSQL migrations so its template database is rebuilt whenever they change.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let mut files = Vec::new();
    collect(Path::new("migrations/postgres"), &mut files);
    files.sort();
    let mut h = DefaultHasher::new();
    for f in &files {
        f.hash(&mut h);
        std::fs::read(f).expect("readable migration").hash(&mut h);
    }
    println!(
        "cargo:rustc-env=SHEGONG_PG_MIGRATIONS_FINGERPRINT={:016x}",
        h.finish()
    );
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("migrations folder") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}
