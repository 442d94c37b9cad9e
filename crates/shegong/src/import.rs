//! `shegong import FILE --org STATION [--dry-run]`: a roster imported from the command line with
//! the same checks as the web import (issue 3 point 10). Every bad row is printed with its row,
//! column and reason; any bad row means exit 1 and nothing written.

use anyhow::{Result, anyhow, bail};
use shegong_domain::org::{OrgCode, OrgLevel};
use shegong_domain::scope::Scope;
use shegong_store::audit::Actor;
use shegong_store::imports::{self, DryRun, Upload};
use shegong_store::keys::Keys;
use shegong_store::persons::Viewer;
use shegong_store::{Db, StoreError, org};
use std::path::Path;

/// The largest file read (the web import's default limit).
const MAX_BYTES: u64 = 20 * 1024 * 1024;

pub fn run(db: &Db, keys: &Keys, file: &Path, station: &str, dry_run: bool) -> Result<()> {
    let code = OrgCode::parse(station).map_err(|m| anyhow!("--org: {}", m.zh))?;
    if code.level() != OrgLevel::Township {
        bail!("--org 应为乡镇(街道)社工站代码(9 位),如 430202001");
    }
    let station = code.to_string();
    let exists = db
        .read(|c| org::get_unscoped(c, &station))
        .map_err(|e| anyhow!("{e}"))?;
    if exists.is_none() {
        bail!("没有这个社工站:{station}(先用 shegong org import 导入组织架构)");
    }
    let size = std::fs::metadata(file)
        .map_err(|e| anyhow!("{}: {e}", file.display()))?
        .len();
    if size > MAX_BYTES {
        bail!("{}: 文件超过 20 MB 上限", file.display());
    }
    let bytes = std::fs::read(file).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let up = Upload::read(&bytes, &name).map_err(|m| anyhow!("{}: {}", file.display(), m.zh))?;
    // The command line acts for the station as a whole (its head sees every record of it).
    let v = Viewer {
        user_id: 0,
        scope: Scope::new(vec![code]),
        all_confidential: true,
    };
    println!(
        "{}: 表头在第 {} 行,{} 列",
        file.display(),
        up.header.row + 1,
        up.header.columns.len()
    );
    let (mapping, run) = if dry_run {
        let (m, run) = db
            .read(|c| imports::check(c, keys, &v, &station, &up))
            .map_err(|e| anyhow!("{e}"))?;
        (Some(m), Some(run))
    } else {
        (None, None)
    };
    if let Some(m) = &mapping {
        print_mapping(m);
    }
    if let Some(run) = run {
        print_run(&run);
        if run.rows_bad > 0 {
            bail!("{} 行有错误,未导入任何数据", run.rows_bad);
        }
        println!("试导入(--dry-run):未写入任何数据");
        return Ok(());
    }
    // One transaction: checked and written at once, or rolled back with every bad row listed.
    let actor = Actor::system("import");
    let now = shegong_domain::clock::now();
    let mut refused: Option<DryRun> = None;
    let outcome = db.write(|c| {
        if let Some(m) = imports::remembered_mapping(c, &up.header)? {
            print_mapping(&m);
        } else {
            print_mapping(&shegong_domain::roster::guess_mapping(&up.header));
        }
        match imports::import_now(c, keys, &v, &station, &up, &actor, now)? {
            (id, Ok(report)) => Ok((id, report)),
            (_, Err(run)) => {
                let n = run.rows_bad;
                refused = Some(run);
                Err(StoreError::Conflict(shegong_domain::Msg::owned(
                    format!("{n} 行有错误,未导入任何数据"),
                    format!("{n} bad rows; nothing imported"),
                )))
            }
        }
    });
    if let Some(run) = refused {
        print_run(&run);
        bail!("{} 行有错误,未导入任何数据", run.rows_bad);
    }
    let (id, report) = outcome.map_err(|e| anyhow!("{e}"))?;
    db.refresh_statistics().map_err(|e| anyhow!("{e}"))?;
    println!(
        "已导入(导入 #{id}):新建 {},更新 {},无变化 {},新建家庭 {},加入家庭 {}",
        report.created, report.updated, report.unchanged, report.households_new, report.members_new
    );
    Ok(())
}

fn print_mapping(mapping: &shegong_domain::roster::Mapping) {
    let fields: Vec<String> = mapping
        .iter()
        .map(|(f, c)| {
            format!(
                "{}={}",
                f.label().zh,
                shegong_domain::roster::column_letter(*c)
            )
        })
        .collect();
    println!("列对应:{}", fields.join(" "));
}

fn print_run(run: &DryRun) {
    println!(
        "数据行 {},有错误 {},将新建 {},将更新 {},无变化 {},将新建家庭 {},将加入家庭 {}",
        run.rows_total,
        run.rows_bad,
        run.to_create,
        run.to_update,
        run.unchanged,
        run.households_new,
        run.members_new
    );
    for e in &run.errors {
        println!("第 {} 行\t{}\t{}", e.row, e.column, e.reason);
    }
}
