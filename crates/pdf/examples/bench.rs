//! Time to typeset the archive of a case with 50 service records (issue 4, "Measure"):
//! `cargo run --release -p shegong-pdf --features test-support --example bench [RECORDS] [RUNS]`.
//! The figure goes to docs/benchmarks.md; `benches/cases.sh` measures the same through the route.

use shegong_pdf::Engine;
use shegong_pdf::testing::sample;
use std::time::Instant;

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("a number"));
    let records = args.next().unwrap_or(50);
    let runs = args.next().unwrap_or(20);
    let t = Instant::now();
    let engine = Engine::load(&shegong_pdf::testing::env_font_dirs());
    println!(
        "fonts: {} faces scanned in {:.0} ms",
        engine.faces(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let archive = sample(records);
    let t = Instant::now();
    let first = engine.render(&archive).expect("renders");
    println!(
        "first PDF (fonts read): {:.0} ms, {} pages, {} KiB",
        t.elapsed().as_secs_f64() * 1e3,
        first.pages,
        first.pdf.len() / 1024
    );
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            engine.render(&archive).expect("renders");
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "{records} service records, {runs} runs: mean {mean:.1} ms/PDF, median {:.1} ms, max {:.1} ms, {:.0} pages/s",
        times[times.len() / 2],
        times[times.len() - 1],
        first.pages as f64 * 1e3 / mean
    );
}
