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

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(api_keys -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    users,
    refresh_tokens,
    api_keys,
    audit_events,
    idempotency_keys,
    throttle_counters,
);
