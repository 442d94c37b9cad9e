//! The printable case archive (个案档案, issue 4 point 8; the 服务过程记录 of 7.6.4) as PDF:
//! `GET /api/v1/cases/{id}/archive.pdf` and, for the browser, `GET /cases/{id}/archive.pdf`.
//!
//! The case is opened through [`super::load`] (scope, classification, the read of a confidential
//! case audited), then printing counts as an export: only roles that may export, always audited
//! (`case.archive_pdf`, counts only). The station's name goes in every page's header and only the
//! masked ID number is printed. Typesetting runs on the blocking pool (decision 0018).

use super::Loaded;
use crate::auth::{AuthInfo, Authed};
use crate::error::{ApiResult, AppError, Problem};
use crate::extract::P;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use shegong_domain::case::closing::{self, ClosingInput, FOLLOW_UP_MODES, OUTCOMES, REASONS};
use shegong_domain::case::evaluation::{ATTAINMENT, EvaluationInput, SATISFACTION};
use shegong_domain::case::intake::{IntakeInput, SOURCES};
use shegong_domain::case::needs::{NeedsInput, PRIORITIES};
use shegong_domain::case::plan::PlanInput;
use shegong_domain::case::service::{CRISIS_ACTIONS, KINDS, MODES, ServiceInput};
use shegong_domain::case::{Stage, State as CaseState};
use shegong_domain::org::OrgCode;
use shegong_domain::policy::Action;
use shegong_domain::{Choice, Msg, care, clock, content, dates};
use shegong_pdf::{CaseArchive, Field, PdfError, Record, Section, Table};
use shegong_store::audit::{self, Event as AuditEvent};
use shegong_store::cases::{self as store, Kind};
use shegong_store::{DbConn, StoreResult, org, persons};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> Router<AppState> {
    Router::new().route("/cases/{id}/archive.pdf", get(archive_pdf))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(archive_pdf))
}

/// The printable case archive (个案档案): every stage record, the service records, evaluation,
/// closing, follow-ups and history, with the station's name and page numbers on every page and
/// the ID number masked. Characters no installed font has print as blanks and are named on the
/// first page; `X-Missing-Glyphs` gives their count. 503 when the server has no Chinese font.
#[utoipa::path(get, path = "/api/v1/cases/{id}/archive.pdf", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, description = "the archive", content_type = "application/pdf",
        headers(("X-Missing-Glyphs" = u32, description = "characters printed as blanks for want of a font"))),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 503, body = Problem)))]
async fn archive_pdf(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Response> {
    print(&st, &info, id).await
}

async fn print(st: &AppState, info: &AuthInfo, id: i64) -> Result<Response, AppError> {
    let l = super::load(st, info, id).await?;
    // A printed archive leaves the system like an export: a supervisor reads a case but does not
    // print it, and every print is audited whatever the classification.
    info.check(Action::ExportRecords, &l.target(info.user.id))?;
    let engine = st.pdf().await?;
    let person_id = l.case.case.person_id;
    let station_code = l.case.case.org_code.clone();
    let (masked, station) = st
        .read(move |c| {
            Ok((
                persons::id_number_masked(c, person_id)?,
                station_name(c, &station_code)?,
            ))
        })
        .await?;
    let printed_by = info.user.display_name.clone();
    let archive = archive(&l, station, masked, printed_by)?;
    let rendered = tokio::task::spawn_blocking(move || engine.render(&archive))
        .await
        .map_err(AppError::internal)?
        .map_err(|e| match e {
            PdfError::NoCjkFont => no_font(),
            other => AppError::internal(other),
        })?;
    let missing = rendered.missing.len();
    if missing > 0 {
        // The count only: the characters are those of a name or a note.
        tracing::warn!(
            case_id = id,
            missing,
            "case archive printed with characters no font has"
        );
    }
    let keys = st.keys.clone();
    let actor = info.actor();
    let org_code = l.case.case.org_code.clone();
    let pages = rendered.pages;
    st.write(move |c| {
        audit::append(
            c,
            &keys,
            &AuditEvent::new(&actor, "case.archive_pdf", "case", id)
                .org(org_code)
                .detail(json!({"pages": pages, "missing_glyphs": missing})),
        )
        .map(|_| ())
    })
    .await?;
    let mut r = rendered.pdf.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The case number only: a file name travels further than the file (downloads, mail).
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"case-{id}-archive.pdf\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert("x-missing-glyphs", HeaderValue::from(missing));
    Ok(r)
}

fn no_font() -> AppError {
    AppError::Unavailable(Msg::owned(
        format!(
            "服务器没有安装中文字体,无法生成 PDF 个案档案。请管理员安装 {}(apt-get install {})后重启服务。",
            shegong_pdf::FONT_PACKAGES,
            shegong_pdf::FONT_PACKAGES
        ),
        format!(
            "the server has no Chinese font for PDF archives: install {} and restart",
            shegong_pdf::FONT_PACKAGES
        ),
    ))
}

/// `株洲市荷塘区月塘街道社工站`: the station (a township) under its city and county. Place names
/// are public geography.
fn station_name(c: &mut DbConn, code: &str) -> StoreResult<String> {
    let mut codes: Vec<String> = OrgCode::parse(code)
        .map(|o| {
            o.ancestors()
                .into_iter()
                .skip(1)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    codes.push(code.to_string());
    let names = org::names(c, &codes)?;
    let place: String = codes.iter().filter_map(|c| names.get(c).cloned()).collect();
    Ok(format!("{place}社工站"))
}

// ------------------------------------------------------------------------------------ mapping

fn zh(list: &[Choice], code: &str) -> String {
    care::label(list, code).zh.to_string()
}

fn items(codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| match content::parse(c) {
            Ok(i) => i.display(),
            Err(_) => c.clone(),
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn numbers(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

fn or_blank(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

/// The archive of a loaded case, in Chinese (the printed record of 7.6.4).
pub fn archive(
    l: &Loaded,
    station: String,
    id_number_masked: Option<String>,
    printed_by: String,
) -> Result<CaseArchive, AppError> {
    let c = &l.case.case;
    let sensitivity = l.sensitivity();
    let mut facts = vec![
        Field::new("当前环节", l.state.stage().label().zh.to_string()),
        Field::new("开案日期", c.opened_on.clone()),
        Field::new("主责社工", l.case.lead_name.clone()),
        Field::new(
            "协同社工",
            l.case
                .co_workers
                .iter()
                .map(|(_, n)| n.clone())
                .collect::<Vec<_>>()
                .join("、"),
        ),
    ];
    facts.extend(ending(&l.state));
    let intake: Option<IntakeInput> = store::record(&l.records, Kind::Intake)?;
    let needs: Option<NeedsInput> = store::record(&l.records, Kind::Needs)?;
    let plan: Option<PlanInput> = store::record(&l.records, Kind::Plan)?;
    let evaluation: Option<EvaluationInput> = store::record(&l.records, Kind::Evaluation)?;
    let closing: Option<ClosingInput> = store::record(&l.records, Kind::Closing)?;
    let services = l
        .records
        .iter()
        .filter(|r| r.kind == Kind::Service.id())
        .map(|r| r.input::<ServiceInput>())
        .collect::<StoreResult<Vec<_>>>()?;
    let single = |title: &str, fields: Option<Vec<Field>>| Section {
        title: title.into(),
        empty: "尚未记录".into(),
        records: fields
            .map(|fields| {
                vec![Record {
                    heading: None,
                    fields,
                }]
            })
            .unwrap_or_default(),
        table: None,
    };
    let sections = vec![
        single("接案", intake.as_ref().map(intake_fields)),
        single("需求评估(10.1)", needs.as_ref().map(needs_fields)),
        single("服务计划(10.2)", plan.as_ref().map(plan_fields)),
        Section {
            title: format!("服务记录(10.3)· 共 {} 次", services.len()),
            empty: "尚无服务记录".into(),
            records: services
                .iter()
                .enumerate()
                .map(|(i, s)| service_record(l, i + 1, s))
                .collect(),
            table: None,
        },
        single("服务评价(10.5)", evaluation.as_ref().map(evaluation_fields)),
        single("结案(10.4)", closing.as_ref().map(closing_fields)),
        Section {
            title: "跟进(10.4)".into(),
            empty: "尚无跟进".into(),
            records: Vec::new(),
            table: Some(Table {
                columns: ["应跟进日期", "联系日期", "方式", "结果", "情况"]
                    .map(String::from)
                    .to_vec(),
                rows: l
                    .follow_ups
                    .iter()
                    .map(|f| {
                        vec![
                            f.due_on.clone(),
                            or_blank(&f.contacted_on),
                            f.mode
                                .as_deref()
                                .map(|m| zh(&FOLLOW_UP_MODES, m))
                                .unwrap_or_default(),
                            f.outcome
                                .as_deref()
                                .map(|o| zh(&OUTCOMES, o))
                                .unwrap_or_default(),
                            f.notes.clone(),
                        ]
                    })
                    .collect(),
            }),
        },
        Section {
            title: "办理过程".into(),
            empty: "无".into(),
            records: Vec::new(),
            table: Some(Table {
                columns: ["时间", "办理人", "事项", "进入环节", "说明"]
                    .map(String::from)
                    .to_vec(),
                rows: l
                    .history
                    .iter()
                    .map(|h| {
                        vec![
                            clock::display(h.at),
                            h.by_name.clone(),
                            store::step_label(&h.event).to_string(),
                            Stage::from_id(&h.to_stage)
                                .map(|s| s.label().zh.to_string())
                                .unwrap_or_else(|| h.to_stage.clone()),
                            or_blank(&h.note),
                        ]
                    })
                    .collect(),
            }),
        },
    ];
    Ok(CaseArchive {
        station,
        case_id: c.id,
        person_name: l.case.person_name.clone(),
        id_number_masked: id_number_masked.unwrap_or_else(|| "未登记".into()),
        sensitivity: sensitivity.label().zh.to_string(),
        marking: (sensitivity > shegong_domain::policy::Sensitivity::Ordinary)
            .then(|| sensitivity.label().zh.to_string()),
        facts,
        sections,
        printed_by,
        printed_at: clock::display(clock::now()),
    })
}

/// How an ended case ended: the day, and where it went or why.
fn ending(state: &CaseState) -> Vec<Field> {
    let Some(on) = state.ended_on() else {
        return Vec::new();
    };
    let mut f = vec![Field::new("结束日期", dates::iso(on))];
    if let CaseState::Referred { to, .. } = state {
        f.push(Field::new("转介至", to.clone()));
    }
    f
}

fn intake_fields(i: &IntakeInput) -> Vec<Field> {
    vec![
        Field::new("来源", zh(&SOURCES, &i.source)),
        Field::new("来源单位", or_blank(&i.referrer)),
        Field::new("接案日期", i.received_on.clone()),
        Field::new("求助问题", i.presenting_problem.clone()),
        Field::new(
            "知情同意",
            match (i.consent, i.consent_by.as_deref().filter(|b| !b.is_empty())) {
                (true, Some(by)) => format!("已同意({by})"),
                (true, None) => "已同意".into(),
                (false, _) => "未同意".into(),
            },
        ),
        Field::new("服务资格", if i.eligible { "符合" } else { "不符合" }),
        Field::new("资格说明", or_blank(&i.eligibility_notes)),
        Field::new("转介至", or_blank(&i.referral_to)),
    ]
}

fn needs_fields(n: &NeedsInput) -> Vec<Field> {
    let mut f = vec![
        Field::new("评估日期", n.assessed_on.clone()),
        Field::new("个人状况", n.individual.clone()),
        Field::new("家庭系统", n.family.clone()),
        Field::new("社区系统", n.community.clone()),
        Field::new("优势与资源", n.strengths.clone()),
        Field::new("问题摘要", n.problem_summary.clone()),
    ];
    f.extend(n.needs.iter().enumerate().map(|(i, need)| {
        Field::new(
            format!("需求 {}", i + 1),
            format!("{}(优先级:{})", need.need, zh(&PRIORITIES, &need.priority)),
        )
    }));
    f.push(Field::new("社工签名", n.worker_signature.clone()));
    f.push(Field::new("站长意见", or_blank(&n.head_opinion)));
    f
}

fn plan_fields(p: &PlanInput) -> Vec<Field> {
    let mut f = vec![Field::new("制定日期", p.planned_on.clone())];
    f.extend(p.goals.iter().enumerate().map(|(i, g)| {
        Field::new(
            format!("目标 {}", i + 1),
            format!(
                "{}\n指标:{}\n目标日期:{}\n对应需求:{}",
                g.goal,
                g.indicator,
                g.target_date,
                numbers(&g.needs)
            ),
        )
    }));
    f.extend(p.interventions.iter().enumerate().map(|(i, m)| {
        Field::new(
            format!("介入措施 {}", i + 1),
            format!("{}\n服务内容:{}", m.action, items(&m.items)),
        )
    }));
    f.push(Field::new("运用资源", or_blank(&p.resources)));
    f
}

fn service_record(l: &Loaded, n: usize, s: &ServiceInput) -> Record {
    let worker = |id: &i64| {
        if *id == l.case.case.lead_worker {
            l.case.lead_name.clone()
        } else {
            l.case
                .co_workers
                .iter()
                .find(|(w, _)| w == id)
                .map(|(_, name)| name.clone())
                .unwrap_or_else(|| format!("账号 {id}"))
        }
    };
    let mut f = vec![
        Field::new("记录类型", zh(&KINDS, &s.kind)),
        Field::new(
            "时长",
            s.minutes.map(|m| format!("{m} 分钟")).unwrap_or_default(),
        ),
        Field::new(
            "社工",
            s.workers.iter().map(worker).collect::<Vec<_>>().join("、"),
        ),
        Field::new("服务内容", s.content.clone()),
        Field::new("服务项目(第 8 章)", items(&s.items)),
        Field::new("对应目标", numbers(&s.goals)),
        Field::new("下一步", or_blank(&s.next_step)),
    ];
    if s.kind == "shelter" {
        f.push(Field::new("庇护地点", or_blank(&s.shelter_place)));
        f.push(Field::new("庇护至", or_blank(&s.shelter_until)));
    }
    if !s.crisis_actions.is_empty() {
        f.push(Field::new(
            "危机干预措施",
            s.crisis_actions
                .iter()
                .map(|a| zh(&CRISIS_ACTIONS, a))
                .collect::<Vec<_>>()
                .join("、"),
        ));
    }
    Record {
        heading: Some(format!(
            "第 {n} 次 · {} · {}",
            s.served_on,
            zh(&MODES, &s.mode)
        )),
        fields: f,
    }
}

fn evaluation_fields(e: &EvaluationInput) -> Vec<Field> {
    let mut f = vec![Field::new("评价日期", e.evaluated_on.clone())];
    f.extend(e.goals.iter().map(|g| {
        let score = g.score.unwrap_or_default();
        let scale = ATTAINMENT
            .iter()
            .find(|(s, ..)| *s == score)
            .map(|(_, zh, _)| *zh)
            .unwrap_or_default();
        let note = g
            .note
            .as_deref()
            .filter(|n| !n.is_empty())
            .map(|n| format!("\n{n}"))
            .unwrap_or_default();
        Field::new(
            format!("目标 {} 达成", g.goal),
            format!("{score:+} {scale}{note}"),
        )
    }));
    f.push(Field::new(
        "服务对象满意度",
        zh(&SATISFACTION, &e.satisfaction),
    ));
    f.push(Field::new("反思与改进", e.reflection.clone()));
    f
}

fn closing_fields(c: &ClosingInput) -> Vec<Field> {
    let reason = match c.reason_note.as_deref().filter(|n| !n.is_empty()) {
        Some(note) => format!("{}({note})", zh(&REASONS, &c.reason)),
        None => zh(&REASONS, &c.reason),
    };
    vec![
        Field::new("结案原因", reason),
        Field::new("结案小结", c.summary.clone()),
        Field::new(
            "已与服务对象沟通",
            if c.reviewed_with_person { "是" } else { "否" },
        ),
        Field::new("跟进计划", c.follow_up_plan.clone()),
        Field::new(
            "首次跟进",
            format!(
                "结案后 {} 天",
                c.first_follow_up_days
                    .unwrap_or(closing::DEFAULT_FOLLOW_UP_DAYS)
            ),
        ),
    ]
}
