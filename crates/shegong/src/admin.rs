//! Command-line administration: org import, operators, accounts, audit. Each change is audited
//! as done by `system:cli`, in the same transaction as the change.

use anyhow::{Context, Result, bail};
use serde_json::json;
use shegong_domain::org::OrgCode;
use shegong_store::audit::{self, Actor, Event, Finding};
use shegong_store::keys::Keys;
use shegong_store::passwords::{self, Hashing};
use shegong_store::users::{self, AccountInput, NewUser};
use shegong_store::{Db, StoreError, org};
use std::io::Read;
use std::path::Path;

fn actor() -> Actor {
    Actor::system("cli")
}

/// One line for a store error: the Chinese reasons of invalid fields, or the error itself.
pub fn explain(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(i) => anyhow::anyhow!("{}", i),
        StoreError::Conflict(m) => anyhow::anyhow!("{}", m.zh),
        other => anyhow::anyhow!("{other}"),
    }
}

pub fn org_import(db: &Db, keys: &Keys, dir: &Path) -> Result<()> {
    let rows = org::read_division_dir(dir).map_err(|e| anyhow::anyhow!(e))?;
    let root = rows.first().map(|r| r.code.to_string());
    let report = db
        .write(|c| {
            let r = org::import_divisions(c, &rows)?;
            let who = actor();
            let ev = Event::new(&who, "org.import", "org", root.clone().unwrap_or_default())
                .detail(json!(r));
            audit::append(
                c,
                keys,
                &match &root {
                    Some(code) => ev.org(code.clone()),
                    None => ev,
                },
            )?;
            Ok(r)
        })
        .map_err(explain)?;
    println!(
        "imported {} nodes: {} new, {} renamed, {} unchanged",
        rows.len(),
        report.inserted,
        report.updated,
        report.unchanged
    );
    Ok(())
}

pub fn operator(db: &Db, keys: &Keys, code: &str, name: &str) -> Result<()> {
    let code = OrgCode::parse(code).map_err(|m| anyhow::anyhow!("{}", m.zh))?;
    db.write(|c| {
        let changed = org::upsert_operator(c, &code, name)?;
        if changed {
            audit::append(
                c,
                keys,
                &Event::new(&actor(), "org.operator", "org", code.as_str()).org(code.as_str()),
            )?;
        }
        Ok(())
    })
    .map_err(explain)?;
    println!("operator {code} saved");
    Ok(())
}

pub fn link(db: &Db, keys: &Keys, operator: &str, station: &str) -> Result<()> {
    db.write(|c| {
        org::link_station(c, operator, station)?;
        audit::append(
            c,
            keys,
            &Event::new(&actor(), "org.link", "org", station)
                .org(station)
                .detail(json!({"operator": operator})),
        )?;
        Ok(())
    })
    .map_err(|e| match e {
        StoreError::NotFound => {
            anyhow::anyhow!("没有这个承接方或社工站 (no such operator or station)")
        }
        other => explain(other),
    })?;
    println!("{operator} now runs {station}");
    Ok(())
}

pub struct AddUser<'a> {
    pub username: &'a str,
    pub role: &'a str,
    pub org: &'a str,
    pub display_name: Option<&'a str>,
    pub password_stdin: bool,
    pub must_change: bool,
    /// The configured password policy (`security.password_min_length`).
    pub min_password_len: usize,
}

pub fn user_add(db: &Db, keys: &Keys, hashing: &Hashing, a: AddUser) -> Result<()> {
    let input = AccountInput {
        username: a.username.into(),
        display_name: a.display_name.unwrap_or_default().into(),
        role: a.role.into(),
        org_code: a.org.into(),
    };
    let valid = db
        .read(|c| users::validate_account(c, &input))
        .map_err(explain)?;
    let (password, generated) = if a.password_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read the password from standard input")?;
        let p = s.trim_end_matches(['\r', '\n']).to_string();
        shegong_domain::account::check_password(&p, &valid.username, a.min_password_len)
            .map_err(|m| anyhow::anyhow!("{}", m.zh))?;
        (p, false)
    } else {
        (passwords::generate(), true)
    };
    let hash = hashing.hash(&password);
    let id = db
        .write(|c| {
            let id = users::create(
                c,
                &NewUser {
                    username: &valid.username,
                    display_name: &valid.display_name,
                    role: valid.role,
                    org_code: valid.org_code.as_str(),
                    password_hash: &hash,
                    must_change_password: generated || a.must_change,
                    two_factor_exempt: false,
                },
                shegong_domain::clock::now(),
            )?;
            audit::append(
                c,
                keys,
                &Event::new(&actor(), "user.create", "user", id)
                    .org(valid.org_code.as_str())
                    .detail(json!({"role": valid.role.id()})),
            )?;
            Ok(id)
        })
        .map_err(explain)?;
    println!(
        "created user {} (id {id}, {} at {})",
        valid.username,
        valid.role.id(),
        valid.org_code
    );
    if generated {
        println!("initial password: {password}");
        println!("(shown once; the user must change it at first login)");
    }
    Ok(())
}

pub fn audit_verify(db: &Db, keys: &Keys) -> Result<()> {
    match db.read(|c| audit::verify(c, keys)).map_err(explain)? {
        f @ Finding::Intact { .. } => {
            println!("{f}");
            Ok(())
        }
        f => bail!("{f}"),
    }
}

pub fn audit_purge(db: &Db, keys: &Keys, days: i64) -> Result<()> {
    let n = db
        .write(|c| {
            let n = audit::purge(
                c,
                keys,
                days.saturating_mul(86_400),
                shegong_domain::clock::now(),
            )?;
            audit::append(
                c,
                keys,
                &Event::new(&actor(), "audit.purge", "audit", "-")
                    .detail(json!({"removed": n, "older_than_days": days})),
            )?;
            Ok(n)
        })
        .map_err(explain)?;
    println!("removed {n} audit entries older than {days} days");
    Ok(())
}
