-- Roster imports (issue 3 point 10). The parsed rows and the dry-run result hold personal data:
-- both are encrypted (like ID numbers) and dropped once the import is committed or expires.

CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    org_code TEXT NOT NULL REFERENCES org_units(code),
    created_by BIGINT,
    created_by_name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    layout_key TEXT NOT NULL,
    header_row BIGINT NOT NULL,
    mapping TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    rows_total BIGINT NOT NULL DEFAULT 0,
    rows_bad BIGINT NOT NULL DEFAULT 0,
    to_create BIGINT NOT NULL DEFAULT 0,
    to_update BIGINT NOT NULL DEFAULT 0,
    to_keep BIGINT NOT NULL DEFAULT 0,
    created BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    unchanged BIGINT NOT NULL DEFAULT 0,
    data_enc BLOB,
    result_enc BLOB,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    committed_at BIGINT
);
CREATE INDEX imports_org ON imports(org_code, id);

-- The column mapping last chosen for a layout (its normalised header row).
CREATE TABLE import_layouts (
    layout_key TEXT PRIMARY KEY NOT NULL,
    mapping TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
