-- Platform: org tree, operator links, accounts, sessions, API tokens, audit (issue 2).
-- Instants are Unix seconds (BIGINT) on both backends.

CREATE TABLE org_units (
    code TEXT PRIMARY KEY NOT NULL,
    parent_code TEXT REFERENCES org_units(code),
    level TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX org_units_parent ON org_units(parent_code, code);
CREATE INDEX org_units_level ON org_units(level, code);

-- A station (township) is run by at most one operator organisation at a time.
CREATE TABLE operator_stations (
    station_code TEXT PRIMARY KEY NOT NULL REFERENCES org_units(code),
    operator_code TEXT NOT NULL REFERENCES org_units(code),
    since BIGINT NOT NULL
);
CREATE INDEX operator_stations_operator ON operator_stations(operator_code);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    org_code TEXT NOT NULL REFERENCES org_units(code),
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT 0,
    password_changed_at BIGINT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT,
    totp_secret BLOB,
    totp_enabled BOOLEAN NOT NULL DEFAULT 0,
    totp_last_step BIGINT,
    two_factor_exempt BOOLEAN NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT 1,
    last_login_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX users_org ON users(org_code, role);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    stage TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_last_seen ON sessions(last_seen_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY NOT NULL,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    ip TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    org_code TEXT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    mac TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, seq);
CREATE INDEX audit_log_org ON audit_log(org_code, seq);

-- The head of the chain, one row: appends lock it, so entries are numbered without gaps even with
-- several server processes; `base_*` is where the chain starts after old entries were purged.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    base_seq BIGINT NOT NULL,
    base_hash TEXT NOT NULL,
    mac TEXT NOT NULL
);

-- Append-only: no entry is ever changed, and none younger than 180 days (网络安全法 Art. 21: six
-- months) may be deleted. Verification catches whoever drops these triggers.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log entries cannot be changed');
END;
CREATE TRIGGER audit_log_keep_180_days BEFORE DELETE ON audit_log
WHEN OLD.at > CAST(strftime('%s', 'now') AS INTEGER) - 15552000
BEGIN
    SELECT RAISE(ABORT, 'audit log entries younger than 180 days cannot be deleted');
END;
