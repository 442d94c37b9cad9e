-- Duplicates and moves (issue 3 point 8): pairs reviewed as different people, and transfers of a
-- person between stations.

CREATE TABLE duplicate_dismissals (
    person_a BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    person_b BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    dismissed_by TEXT NOT NULL,
    dismissed_at BIGINT NOT NULL,
    PRIMARY KEY (person_a, person_b)
);

-- direction: 'send' (the holding station sends the person) or 'request' (a station asks for a
-- person registered elsewhere, by ID number). status: pending, accepted, declined, cancelled.
CREATE TABLE transfers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    from_org TEXT NOT NULL REFERENCES org_units(code),
    to_org TEXT NOT NULL REFERENCES org_units(code),
    direction TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX transfers_from ON transfers(from_org, status);
CREATE INDEX transfers_to ON transfers(to_org, status);
CREATE UNIQUE INDEX transfers_one_pending ON transfers(person_id) WHERE status = 'pending';
