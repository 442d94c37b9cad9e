-- Households' investigations (8.1.1.1), social assistance reviews (8.1.1.2) and community
-- profiles (9.3.1.1) (issue 3 points 3 and 6). Money is whole fen; dates 'YYYY-MM-DD' text;
-- instants Unix seconds. Per-member, income, spending and property details of an investigation
-- are JSON text in the shape of `domain::household` (validated before they are written).

CREATE TABLE household_investigations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    household_id BIGINT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    investigated_on TEXT NOT NULL,
    investigators TEXT NOT NULL,
    members TEXT NOT NULL,
    incomes TEXT NOT NULL,
    spending TEXT NOT NULL,
    property TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    -- The investigators and the family members signed the paper form (domain-rules.md).
    signed BOOLEAN NOT NULL,
    member_count BIGINT NOT NULL,
    total_income_fen BIGINT NOT NULL,
    total_spending_fen BIGINT NOT NULL,
    per_capita_monthly_fen BIGINT NOT NULL,
    created_by BIGINT,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX household_investigations_household ON household_investigations(household_id, investigated_on);

CREATE TABLE assistance_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    household_id BIGINT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    reviewed_on TEXT NOT NULL,
    result TEXT NOT NULL,
    next_due TEXT,
    notes TEXT NOT NULL DEFAULT '',
    -- A later review of the same household and category replaces this one on the due list.
    superseded BOOLEAN NOT NULL DEFAULT 0,
    created_by BIGINT,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX assistance_reviews_household ON assistance_reviews(household_id, category);
CREATE INDEX assistance_reviews_due ON assistance_reviews(superseded, next_due);

CREATE TABLE community_profiles (
    code TEXT PRIMARY KEY NOT NULL REFERENCES org_units(code),
    population TEXT NOT NULL DEFAULT '',
    history TEXT NOT NULL DEFAULT '',
    culture TEXT NOT NULL DEFAULT '',
    resources TEXT NOT NULL DEFAULT '',
    organisations TEXT NOT NULL DEFAULT '',
    sources TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL,
    updated_by BIGINT,
    updated_by_name TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Every saved version, the current one included: who changed the profile when, and to what.
CREATE TABLE community_profile_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL REFERENCES org_units(code),
    version BIGINT NOT NULL,
    population TEXT NOT NULL,
    history TEXT NOT NULL,
    culture TEXT NOT NULL,
    resources TEXT NOT NULL,
    organisations TEXT NOT NULL,
    sources TEXT NOT NULL,
    updated_by BIGINT,
    updated_by_name TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (code, version)
);
