-- Standard assessments scored by the system (issue 4 point 4; 8.1.1.3, 8.2.3.1, 8.2.6.1, 8.3.4.2,
-- 8.2.5.1, 8.3.3.1). The instrument is named by its definition's code and version
-- (domain::assessment); score and band code are stored so a later band change never rewrites a
-- past result. case_id has no foreign key yet: cases land separately (docs/decisions/0015).
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    case_id BIGINT,
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    assessed_on TEXT NOT NULL,
    -- JSON [[item code, answer code, points], ...] in the definition's order.
    answers TEXT NOT NULL,
    score BIGINT NOT NULL,
    band TEXT NOT NULL,
    -- JSON array of names.
    assessors TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    referral_to TEXT,
    -- JSON [{kind, source, what}] (LSNS-6, 8.2.6.1).
    supports TEXT NOT NULL DEFAULT '[]',
    next_due TEXT,
    recorded_by BIGINT,
    recorded_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX assessments_person ON assessments(person_id, code, assessed_on);
CREATE INDEX assessments_due ON assessments(next_due);
