-- Care archives (issue 3 points 4 and 5): the elderly archive of 8.2.1.1 and the children's
-- guardianship archive of 8.3.1. Dates of people's lives are 'YYYY-MM-DD' text; instants Unix seconds.

-- One elderly archive per person: living arrangement and the regular-visit schedule.
CREATE TABLE care_elderly (
    person_id BIGINT PRIMARY KEY NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    living_arrangement TEXT NOT NULL,
    visit_interval_days BIGINT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    opened_on TEXT NOT NULL,
    last_visit_on TEXT,
    -- Computed by domain::care::next_visit_due whenever the schedule or the visits change.
    next_visit_due TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX care_elderly_due ON care_elderly(next_visit_due, person_id);

-- Carers of an old person; phones encrypted, shown masked.
CREATE TABLE care_carers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    relation TEXT NOT NULL,
    phone_enc BLOB,
    phone_masked TEXT
);
CREATE INDEX care_carers_person ON care_carers(person_id, position);

CREATE TABLE care_visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    visited_on TEXT NOT NULL,
    visitor TEXT NOT NULL,
    mode TEXT NOT NULL,
    findings TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX care_visits_person ON care_visits(person_id, visited_on);

-- One guardianship archive per child.
CREATE TABLE care_guardianship (
    person_id BIGINT PRIMARY KEY NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    living_situation TEXT NOT NULL,
    school TEXT NOT NULL DEFAULT '',
    grade TEXT NOT NULL DEFAULT '',
    study_status TEXT,
    health TEXT,
    health_notes TEXT NOT NULL DEFAULT '',
    social_support TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    -- Derived by domain::care::support_of (事实无人抚养).
    support TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE care_guardians (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    relation TEXT NOT NULL,
    status TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX care_guardians_person ON care_guardians(person_id, position);

-- Guardianship-gap alerts (8.3.1.2): open until a report to the responsible department is recorded.
CREATE TABLE care_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    age BIGINT NOT NULL,
    raised_at BIGINT NOT NULL,
    raised_on TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    reported_by TEXT,
    department TEXT,
    reported_on TEXT,
    method TEXT,
    report_notes TEXT,
    report_recorded_at BIGINT,
    report_recorded_by TEXT
);
CREATE INDEX care_alerts_person ON care_alerts(person_id, report_recorded_at);
CREATE INDEX care_alerts_open ON care_alerts(report_recorded_at, raised_at);
