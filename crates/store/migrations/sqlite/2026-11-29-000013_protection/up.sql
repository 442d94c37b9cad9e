-- Child protection (8.3.4.1, R-8.3.4; decision 0019): a finding of harm to a child on a case and
-- the report to the police. A row without `reported_at` is an unfinished report: shown in red on
-- every page of the workers on the case, its station head and the county purchaser until
-- completed. `org_code` is the case's station, copied so the scope filter needs no join.
CREATE TABLE case_protection (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    org_code TEXT NOT NULL REFERENCES org_units(code),
    finding TEXT NOT NULL,
    -- The kinds of harm, domain::case::protection::HARMS ids joined by ','.
    harms TEXT NOT NULL,
    found_at BIGINT NOT NULL,
    description TEXT NOT NULL,
    reported_at BIGINT,
    police_unit TEXT,
    officer TEXT,
    method TEXT,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    report_recorded_by BIGINT REFERENCES users(id),
    report_recorded_at BIGINT
);
CREATE INDEX case_protection_case ON case_protection(case_id);
-- Read on every page (the banner and the menu badge): only the unfinished rows are indexed.
CREATE INDEX case_protection_unfinished ON case_protection(org_code, case_id) WHERE reported_at IS NULL;

-- In-app notifications. No personal data: the text is made from `kind` and `case_id` when shown.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, read_at, id);
