//! Runs the browser smoke test (`tests/browser/smoke.mjs`: Playwright driving Debian's chromium,
//! logging in as the demo `worker` on a phone-sized screen) as part of `cargo test --workspace`.
//!
//! It needs `node`, `tests/browser/node_modules/playwright-core` (`npm ci` in `tests/browser`) and
//! `/usr/bin/chromium` (`apt-get install chromium`). Without them it prints what is missing and
//! passes — unless `SHEGONG_REQUIRE_BROWSER=1` (set by `.ci/run`), when it fails instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn missing(browser_dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if Command::new("node")
        .arg("--version")
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
    {
        out.push("node (apt-get install nodejs)".to_string());
    }
    if !browser_dir.join("node_modules/playwright-core").is_dir() {
        out.push(format!(
            "playwright-core (cd {} && npm ci)",
            browser_dir.display()
        ));
    }
    if !Path::new(CHROMIUM).exists() {
        out.push(format!("{CHROMIUM} (apt-get install chromium)"));
    }
    out
}

/// Runs one script of `tests/browser` and checks it saved its screenshots.
fn run_script(script: &str, screenshots: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root");
    let browser_dir = root.join("tests/browser");
    let lacking = missing(&browser_dir);
    if !lacking.is_empty() {
        let what = lacking.join(", ");
        if std::env::var("SHEGONG_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("SHEGONG_REQUIRE_BROWSER=1 but the browser test cannot run: missing {what}");
        }
        // Written past the test harness's capture, so the note shows in a plain `cargo test`.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: browser test {script} needs {what}"
        );
        return;
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_shegong"));
    // target/<profile>/shegong → target/browser
    let shots = bin
        .parent()
        .and_then(Path::parent)
        .map(|t| t.join("browser"))
        .expect("target folder");
    let out = Command::new("node")
        .arg(browser_dir.join(script))
        .env("SHEGONG_BIN", &bin)
        .env("SHEGONG_SCREENSHOT_DIR", &shots)
        .env("CHROMIUM", CHROMIUM)
        .output()
        .expect("run node");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "the browser test {script} failed ({})",
        out.status
    );
    for s in screenshots {
        let file = shots.join(format!("{s}.png"));
        assert!(file.is_file(), "no screenshot {}", file.display());
    }
}

#[test]
fn worker_logs_in_on_a_phone_and_reaches_the_home_page() {
    run_script("smoke.mjs", &["login", "worker-home"]);
}

#[test]
fn worker_registers_finds_reveals_and_edits_a_person() {
    run_script(
        "persons.mjs",
        &[
            "person-form-error",
            "person-page",
            "persons-search",
            "person-history",
        ],
    );
}

#[test]
fn worker_records_a_visit_and_reports_a_guardianship_gap() {
    run_script("care.mjs", &["care-elderly", "care-alerts"]);
}

#[test]
fn worker_imports_a_roster_and_exports_the_households() {
    run_script("imports.mjs", &["import-errors", "import-report"]);
}

#[test]
fn worker_opens_a_case_head_approves_the_plan_worker_records_a_visit() {
    run_script("cases.mjs", &["case-page", "case-service-phone"]);
}

#[test]
fn worker_records_harm_head_is_told_and_the_report_is_completed() {
    run_script("work.mjs", &["protection-banner", "work-list"]);
}
