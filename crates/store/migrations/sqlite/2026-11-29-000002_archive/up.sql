-- Service archive: people, their categories, households, search tokens, history (issue 3).
-- Dates of people's lives are 'YYYY-MM-DD' text; instants are Unix seconds.

CREATE TABLE households (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    org_code TEXT NOT NULL REFERENCES org_units(code),
    head_person_id BIGINT,
    address TEXT NOT NULL DEFAULT '',
    housing TEXT NOT NULL DEFAULT '',
    difficulty_type TEXT NOT NULL DEFAULT '',
    difficulty_degree TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX households_org ON households(org_code, id);

CREATE TABLE persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    org_code TEXT NOT NULL REFERENCES org_units(code),
    name TEXT NOT NULL,
    gender TEXT,
    ethnicity TEXT,
    birth_date TEXT,
    id_number_enc BLOB,
    id_number_index TEXT UNIQUE,
    id_number_masked TEXT,
    phone_enc BLOB,
    phone_index TEXT,
    phone_masked TEXT,
    household_id BIGINT REFERENCES households(id),
    address TEXT NOT NULL DEFAULT '',
    difficulty_types TEXT NOT NULL DEFAULT '',
    difficulty_degree TEXT,
    health TEXT,
    employment TEXT NOT NULL DEFAULT '',
    monthly_income BIGINT,
    sensitivity TEXT NOT NULL DEFAULT 'ordinary',
    consent_by TEXT,
    consent_relation TEXT,
    consent_on TEXT,
    consent_scope TEXT,
    notes TEXT NOT NULL DEFAULT '',
    merged_into BIGINT REFERENCES persons(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX persons_org ON persons(org_code, id);
CREATE INDEX persons_name ON persons(name);
CREATE INDEX persons_birth_name ON persons(birth_date, name);
CREATE INDEX persons_phone ON persons(phone_index);
CREATE INDEX persons_household ON persons(household_id);

CREATE TABLE household_members (
    household_id BIGINT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    relation TEXT NOT NULL,
    PRIMARY KEY (household_id, person_id)
);
CREATE INDEX household_members_person ON household_members(person_id);

-- Categories a deployment adds to the built-in ones (domain::person::CATEGORIES).
CREATE TABLE custom_categories (
    code TEXT PRIMARY KEY NOT NULL,
    label_zh TEXT NOT NULL,
    label_en TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE person_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    grade TEXT,
    UNIQUE (person_id, category, start_date)
);
CREATE INDEX person_categories_category ON person_categories(category, person_id);

-- Workers assigned to a person: who may open a confidential (机密) record besides the head.
CREATE TABLE person_assignments (
    person_id BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (person_id, user_id)
);
CREATE INDEX person_assignments_user ON person_assignments(user_id);

-- Name search in the database (design.md): characters, pairs, pinyin, initials -> person.
CREATE TABLE person_search_tokens (
    token TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    org_code TEXT NOT NULL,
    PRIMARY KEY (token, person_id)
);
CREATE INDEX person_search_tokens_scope ON person_search_tokens(token, org_code, person_id);
CREATE INDEX person_search_tokens_person ON person_search_tokens(person_id);

-- Who changed what (values of ID and phone numbers only masked).
CREATE TABLE person_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX person_history_person ON person_history(person_id, at);

-- One timeline of everything about a person across modules.
CREATE TABLE person_timeline (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    ref_id BIGINT,
    summary TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX person_timeline_person ON person_timeline(person_id, at);
