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

diesel::table! {
    households (id) {
        id -> BigInt,
        org_code -> Text,
        head_person_id -> Nullable<BigInt>,
        address -> Text,
        housing -> Text,
        difficulty_type -> Text,
        difficulty_degree -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    persons (id) {
        id -> BigInt,
        org_code -> Text,
        name -> Text,
        gender -> Nullable<Text>,
        ethnicity -> Nullable<Text>,
        birth_date -> Nullable<Text>,
        id_number_enc -> Nullable<Binary>,
        id_number_index -> Nullable<Text>,
        id_number_masked -> Nullable<Text>,
        phone_enc -> Nullable<Binary>,
        phone_index -> Nullable<Text>,
        phone_masked -> Nullable<Text>,
        household_id -> Nullable<BigInt>,
        address -> Text,
        difficulty_types -> Text,
        difficulty_degree -> Nullable<Text>,
        health -> Nullable<Text>,
        employment -> Text,
        monthly_income -> Nullable<BigInt>,
        sensitivity -> Text,
        consent_by -> Nullable<Text>,
        consent_relation -> Nullable<Text>,
        consent_on -> Nullable<Text>,
        consent_scope -> Nullable<Text>,
        notes -> Text,
        merged_into -> Nullable<BigInt>,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    household_members (household_id, person_id) {
        household_id -> BigInt,
        person_id -> BigInt,
        relation -> Text,
    }
}

diesel::table! {
    custom_categories (code) {
        code -> Text,
        label_zh -> Text,
        label_en -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    person_categories (id) {
        id -> BigInt,
        person_id -> BigInt,
        category -> Text,
        start_date -> Text,
        end_date -> Nullable<Text>,
        grade -> Nullable<Text>,
    }
}

diesel::table! {
    person_assignments (person_id, user_id) {
        person_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    person_search_tokens (token, person_id) {
        token -> Text,
        person_id -> BigInt,
        org_code -> Text,
    }
}

diesel::table! {
    person_history (id) {
        id -> BigInt,
        person_id -> BigInt,
        at -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        field -> Text,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    person_timeline (id) {
        id -> BigInt,
        person_id -> BigInt,
        at -> BigInt,
        kind -> Text,
        ref_id -> Nullable<BigInt>,
        summary -> Text,
        actor -> Text,
    }
}

diesel::joinable!(person_categories -> persons (person_id));
diesel::joinable!(person_assignments -> persons (person_id));
diesel::joinable!(person_search_tokens -> persons (person_id));
diesel::joinable!(household_members -> persons (person_id));
diesel::joinable!(household_members -> households (household_id));
diesel::joinable!(person_history -> persons (person_id));
diesel::joinable!(person_timeline -> persons (person_id));

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(users -> org_units (org_code));

diesel::allow_tables_to_appear_in_same_query!(
    households,
    persons,
    household_members,
    custom_categories,
    person_categories,
    person_assignments,
    person_search_tokens,
    person_history,
    person_timeline,
    org_units,
    operator_stations,
    users,
    sessions,
    api_tokens,
    audit_log,
    audit_head
);

// Service-quality monitoring (migration 000014; docs/decisions/0020).
diesel::table! {
    supervision_records (id) {
        id -> BigInt,
        org_code -> Text,
        case_id -> Nullable<BigInt>,
        worker_id -> BigInt,
        supervisor_id -> BigInt,
        held_on -> Text,
        mode -> Text,
        observations -> Text,
        advice -> Text,
        follow_up -> Text,
        follow_up_due -> Nullable<Text>,
        follow_up_done_on -> Nullable<Text>,
        response -> Nullable<Text>,
        responded_at -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    quality_reviews (id) {
        id -> BigInt,
        org_code -> Text,
        period_from -> Text,
        period_to -> Text,
        size_kind -> Text,
        size_value -> BigInt,
        seed -> Text,
        population -> BigInt,
        checklist_version -> BigInt,
        reviewed_on -> Text,
        findings -> Nullable<Text>,
        completed_at -> Nullable<BigInt>,
        created_by -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    quality_review_cases (review_id, case_id) {
        review_id -> BigInt,
        case_id -> BigInt,
        position -> BigInt,
        scores -> Nullable<Text>,
        total -> Nullable<BigInt>,
        max_total -> Nullable<BigInt>,
        note -> Text,
        scored_by -> Nullable<BigInt>,
        scored_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    quality_actions (id) {
        id -> BigInt,
        review_id -> BigInt,
        org_code -> Text,
        description -> Text,
        owner_id -> BigInt,
        due_on -> Text,
        done_on -> Nullable<Text>,
        done_note -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> BigInt,
    }
}

diesel::joinable!(quality_review_cases -> quality_reviews (review_id));
diesel::joinable!(quality_actions -> quality_reviews (review_id));
diesel::allow_tables_to_appear_in_same_query!(
    supervision_records,
    quality_reviews,
    quality_review_cases,
    quality_actions,
    users
);
