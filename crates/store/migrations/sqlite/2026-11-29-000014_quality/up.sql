-- Service-quality monitoring records (R-7.6.4; 7.4 b, 7.5.2.2, 10.5; docs/decisions/0020).
-- Supervision records on a case or on a worker: case_id is null for one on a worker. org_code is
-- the case's (or the worker's) org, which every read filters by.
CREATE TABLE supervision_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    org_code TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id) ON DELETE CASCADE,
    worker_id BIGINT NOT NULL REFERENCES users(id),
    supervisor_id BIGINT NOT NULL REFERENCES users(id),
    held_on TEXT NOT NULL,
    mode TEXT NOT NULL,
    observations TEXT NOT NULL,
    advice TEXT NOT NULL,
    follow_up TEXT NOT NULL DEFAULT '',
    follow_up_due TEXT,
    follow_up_done_on TEXT,
    response TEXT,
    responded_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX supervision_records_org ON supervision_records(org_code, held_on);
CREATE INDEX supervision_records_case ON supervision_records(case_id);
CREATE INDEX supervision_records_worker ON supervision_records(worker_id);

-- A quality review: the sample of closed cases drawn from org_code's cases closed in
-- [period_from, period_to], reproducible from seed (decimal text: it is a u64) and the population.
CREATE TABLE quality_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    org_code TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    -- 'count' or 'percent' and its figure.
    size_kind TEXT NOT NULL,
    size_value BIGINT NOT NULL,
    seed TEXT NOT NULL,
    population BIGINT NOT NULL,
    checklist_version BIGINT NOT NULL,
    reviewed_on TEXT NOT NULL,
    findings TEXT,
    completed_at BIGINT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX quality_reviews_org ON quality_reviews(org_code, created_at);

-- The cases drawn, in the order drawn; scores is JSON [[item code, score], ...] once scored.
CREATE TABLE quality_review_cases (
    review_id BIGINT NOT NULL REFERENCES quality_reviews(id) ON DELETE CASCADE,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    position BIGINT NOT NULL,
    scores TEXT,
    total BIGINT,
    max_total BIGINT,
    note TEXT NOT NULL DEFAULT '',
    scored_by BIGINT REFERENCES users(id),
    scored_at BIGINT,
    PRIMARY KEY (review_id, case_id)
);

-- Improvement actions (10.5), open until done with a note.
CREATE TABLE quality_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    review_id BIGINT NOT NULL REFERENCES quality_reviews(id) ON DELETE CASCADE,
    org_code TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    due_on TEXT NOT NULL,
    done_on TEXT,
    done_note TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX quality_actions_review ON quality_actions(review_id);
CREATE INDEX quality_actions_owner ON quality_actions(owner_id, done_on, due_on);
