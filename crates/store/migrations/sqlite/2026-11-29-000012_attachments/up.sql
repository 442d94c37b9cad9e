-- Attachments of service records (10.3; issue 4 point 2; decision 0017). The bytes live in the
-- storage interface (store::files), encrypted with the data key, under storage_key: random, no
-- personal data. A deleted attachment keeps its row (who, when, why) and loses its bytes.
CREATE TABLE case_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    record_id BIGINT NOT NULL REFERENCES case_records(id),
    storage_key TEXT NOT NULL UNIQUE,
    -- The name the user gave, cleaned (domain::attachment::clean_name).
    file_name TEXT NOT NULL,
    -- Decided from the content, never from the name.
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    -- SHA-256 of the plain bytes, checked on every download.
    sha256 TEXT NOT NULL,
    uploaded_by BIGINT,
    uploaded_by_name TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    deleted_at BIGINT,
    deleted_by BIGINT,
    deleted_by_name TEXT,
    delete_reason TEXT
);
CREATE INDEX case_attachments_record ON case_attachments(case_id, record_id);

-- The band an assessment was given, as worded then (8.2.3.1: a deployment may band the Barthel
-- index its own way, and may change that later; a kept result keeps its wording).
ALTER TABLE assessments ADD COLUMN band_zh TEXT;
ALTER TABLE assessments ADD COLUMN band_en TEXT;
