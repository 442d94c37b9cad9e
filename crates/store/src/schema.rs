//! Diesel's view of the tables; the SQL lives in `migrations/{sqlite,postgres}`.

diesel::table! {
    org_units (code) {
        code -> Text,
        parent_code -> Nullable<Text>,
        level -> Text,
        name -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    operator_stations (station_code) {
        station_code -> Text,
        operator_code -> Text,
        since -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        role -> Text,
        org_code -> Text,
        password_hash -> Text,
        must_change_password -> Bool,
        password_changed_at -> BigInt,
        failed_logins -> Integer,
        locked_until -> Nullable<BigInt>,
        totp_secret -> Nullable<Binary>,
        totp_enabled -> Bool,
        totp_last_step -> Nullable<BigInt>,
        two_factor_exempt -> Bool,
        active -> Bool,
        last_login_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        stage -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        ip -> Text,
        user_agent -> Text,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        created_at -> BigInt,
        expires_at -> Nullable<BigInt>,
        last_used_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        ip -> Text,
        action -> Text,
        target_kind -> Text,
        target_id -> Text,
        org_code -> Nullable<Text>,
        outcome -> Text,
        detail -> Text,
        prev_hash -> Text,
        hash -> Text,
        mac -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        last_seq -> BigInt,
        last_hash -> Text,
        base_seq -> BigInt,
        base_hash -> Text,
        mac -> Text,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(users -> org_units (org_code));

diesel::allow_tables_to_appear_in_same_query!(
    org_units,
    operator_stations,
    users,
    sessions,
    api_tokens,
    audit_log,
    audit_head
);
