-- Case work (issue 4 points 1-3, section 10 read with MZ/T 094; decision 0014). The state columns
-- are domain::case::Row; a row no state could produce is refused when read. Dates of the work are
-- 'YYYY-MM-DD' text; instants Unix seconds.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    -- A household-level case covers the household's members (issue 4 point 3).
    household_id BIGINT REFERENCES households(id),
    -- The station that works the case: the scope filter's column.
    org_code TEXT NOT NULL REFERENCES org_units(code),
    sensitivity TEXT NOT NULL,
    lead_worker BIGINT NOT NULL REFERENCES users(id),
    opened_on TEXT NOT NULL,
    stage TEXT NOT NULL,
    review TEXT,
    author BIGINT,
    head BIGINT,
    on_date TEXT,
    comments TEXT,
    referred_to TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX cases_org ON cases(org_code, stage);
CREATE INDEX cases_person ON cases(person_id);
CREATE INDEX cases_lead ON cases(lead_worker, stage);

-- Co-workers of a case (the lead is on the case row).
CREATE TABLE case_workers (
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_workers_user ON case_workers(user_id);

-- The records of the stages: the validated input as JSON (decision 0016). intake, needs, plan,
-- evaluation and closing are one per case (rewritten while the stage allows); service records many.
CREATE TABLE case_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    body TEXT NOT NULL,
    recorded_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX case_records_case ON case_records(case_id, kind, recorded_on);

-- The case history: every accepted step of the state machine.
CREATE TABLE case_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    by_user BIGINT,
    by_name TEXT NOT NULL,
    event TEXT NOT NULL,
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    note TEXT
);
CREATE INDEX case_steps_case ON case_steps(case_id, at);

-- Follow-ups after closing or referral (10.4): due, then the contact made.
CREATE TABLE case_follow_ups (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    due_on TEXT NOT NULL,
    contacted_on TEXT,
    mode TEXT,
    outcome TEXT,
    notes TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX case_follow_ups_due ON case_follow_ups(contacted_on, due_on);
CREATE INDEX case_follow_ups_case ON case_follow_ups(case_id);
