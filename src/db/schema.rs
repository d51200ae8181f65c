// The shared Diesel schema for both backends (see diesel.toml). Column types are chosen so that
// one declaration is valid for SQLite and PostgreSQL: ids are BigInt, timestamps are Timestamp
// holding UTC, booleans are Bool.

diesel::table! {
    settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        roles -> Text,
        active -> Bool,
        tokens_valid_after -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        roles -> Text,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        tx_seq -> BigInt,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> BigInt,
        changes -> Text,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (principal, idem_key) {
        principal -> Text,
        idem_key -> Text,
        request_hash -> Text,
        state -> Text,
        response_status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Binary>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    throttle_counters (bucket) {
        bucket -> Text,
        window_start -> Timestamp,
        hits -> BigInt,
    }
}

diesel::table! {
    counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    departments (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        parent_id -> Nullable<BigInt>,
        manager_id -> Nullable<BigInt>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    employees (id) {
        id -> BigInt,
        employee_number -> Text,
        first_name -> Text,
        last_name -> Text,
        work_email -> Text,
        job_title -> Text,
        department_id -> BigInt,
        manager_id -> Nullable<BigInt>,
        employment_type -> Text,
        status -> Text,
        start_date -> Date,
        end_date -> Nullable<Date>,
        user_id -> Nullable<BigInt>,
        phone -> Nullable<Text>,
        personal_email -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        home_address -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    compensation (id) {
        id -> BigInt,
        employee_id -> BigInt,
        effective_from -> Date,
        hourly_cost_rate -> BigInt,
        salary -> Nullable<BigInt>,
        salary_period -> Nullable<Text>,
        currency -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        created_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    employee_status_changes (id) {
        id -> BigInt,
        employee_id -> BigInt,
        from_status -> Nullable<Text>,
        to_status -> Text,
        effective_date -> Date,
        reason -> Nullable<Text>,
        changed_at -> Timestamp,
        changed_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    desks (id) {
        id -> BigInt,
        key -> Text,
        name -> Text,
        department_id -> BigInt,
        billing_rate -> BigInt,
        currency -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    desk_sla_targets (desk_id, priority) {
        desk_id -> BigInt,
        priority -> Text,
        first_response_minutes -> Integer,
        resolution_minutes -> Integer,
    }
}

diesel::table! {
    desk_members (desk_id, employee_id) {
        desk_id -> BigInt,
        employee_id -> BigInt,
        added_at -> Timestamp,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(desk_members -> desks (desk_id));
diesel::joinable!(desk_members -> employees (employee_id));
diesel::joinable!(employees -> departments (department_id));
diesel::joinable!(compensation -> employees (employee_id));
diesel::joinable!(employee_status_changes -> employees (employee_id));
diesel::joinable!(api_keys -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    users,
    refresh_tokens,
    api_keys,
    audit_events,
    idempotency_keys,
    throttle_counters,
    counters,
    departments,
    employees,
    compensation,
    employee_status_changes,
    desks,
    desk_sla_targets,
    desk_members,
);
