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

diesel::table! {
    tickets (id) {
        id -> BigInt,
        desk_id -> BigInt,
        number -> BigInt,
        reference -> Text,
        subject -> Text,
        description -> Text,
        kind -> Text,
        priority -> Text,
        priority_rank -> Integer,
        status -> Text,
        requester_employee_id -> Nullable<BigInt>,
        requester_name -> Nullable<Text>,
        requester_email -> Nullable<Text>,
        assignee_id -> Nullable<BigInt>,
        due_date -> Nullable<Date>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        first_response_due_at -> Timestamp,
        first_response_at -> Nullable<Timestamp>,
        resolution_due_at -> Timestamp,
        paused_micros -> BigInt,
        clock_stopped_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        time_spent_minutes -> BigInt,
        version -> BigInt,
        requester_customer_id -> Nullable<BigInt>,
        /// Kept by the database from the status (a generated column): never written.
        active -> Bool,
    }
}

diesel::table! {
    ticket_tags (ticket_id, tag) {
        ticket_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    ticket_links (ticket_id, target_id) {
        ticket_id -> BigInt,
        target_id -> BigInt,
        kind -> Text,
    }
}

diesel::table! {
    ticket_comments (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        author_user_id -> Nullable<BigInt>,
        author_employee_id -> Nullable<BigInt>,
        body -> Text,
        internal -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    time_entries (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        desk_id -> BigInt,
        department_id -> BigInt,
        employee_id -> BigInt,
        work_date -> Date,
        minutes -> Integer,
        billable -> Bool,
        note -> Nullable<Text>,
        hourly_cost_rate -> BigInt,
        cost -> BigInt,
        cost_currency -> Text,
        billing_rate -> Nullable<BigInt>,
        billing_currency -> Nullable<Text>,
        billable_amount -> Nullable<BigInt>,
        invoice_id -> Nullable<BigInt>,
        invoiced_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        invoice_line_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    parties (id) {
        id -> BigInt,
        kind -> Text,
        name -> Text,
        email -> Nullable<Text>,
        tax_id -> Nullable<Text>,
        billing_address -> Nullable<Text>,
        currency -> Text,
        payment_terms_days -> Integer,
        hourly_billing_rate -> Nullable<BigInt>,
        active -> Bool,
        external_ref -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        parts_markup -> Nullable<Integer>,
    }
}

diesel::table! {
    invoices (id) {
        id -> BigInt,
        kind -> Text,
        status -> Text,
        customer_id -> Nullable<BigInt>,
        vendor_id -> Nullable<BigInt>,
        credited_invoice_id -> Nullable<BigInt>,
        number -> Nullable<Text>,
        vendor_reference -> Nullable<Text>,
        currency -> Text,
        issue_date -> Nullable<Date>,
        due_date -> Nullable<Date>,
        notes -> Nullable<Text>,
        subtotal -> BigInt,
        tax_total -> BigInt,
        total -> BigInt,
        paid_total -> BigInt,
        credited_total -> BigInt,
        paid_on -> Nullable<Date>,
        void_reason -> Nullable<Text>,
        issued_at -> Nullable<Timestamp>,
        voided_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        match_override_reason -> Nullable<Text>,
    }
}

diesel::table! {
    invoice_lines (id) {
        id -> BigInt,
        invoice_id -> BigInt,
        position -> Integer,
        description -> Text,
        quantity -> BigInt,
        unit_price -> BigInt,
        discount -> Integer,
        tax_rate -> Integer,
        net -> BigInt,
        ticket_id -> Nullable<BigInt>,
        item_id -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        budget_category -> Nullable<Text>,
        unit -> Nullable<Text>,
        price_per -> Integer,
        purchase_order_line_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    employee_day_minutes (employee_id, work_date) {
        employee_id -> BigInt,
        work_date -> Date,
        minutes -> Integer,
    }
}

diesel::table! {
    payments (id) {
        id -> BigInt,
        invoice_id -> BigInt,
        amount -> BigInt,
        paid_on -> Date,
        method -> Text,
        reference -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    open_balances (kind, party_id, currency, due_date) {
        kind -> Text,
        party_id -> BigInt,
        currency -> Text,
        due_date -> Date,
        amount -> BigInt,
        invoices -> BigInt,
    }
}

diesel::table! {
    stock_locations (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        parent_id -> Nullable<BigInt>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    items (id) {
        id -> BigInt,
        sku -> Text,
        name -> Text,
        unit -> Text,
        category -> Nullable<Text>,
        reorder_point -> BigInt,
        reorder_quantity -> BigInt,
        currency -> Text,
        active -> Bool,
        on_hand -> BigInt,
        stock_value -> BigInt,
        below_reorder -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        sale_price -> Nullable<BigInt>,
    }
}

diesel::table! {
    stock_levels (item_id, location_id) {
        item_id -> BigInt,
        location_id -> BigInt,
        quantity -> BigInt,
    }
}

diesel::table! {
    stock_movements (id) {
        id -> BigInt,
        item_id -> BigInt,
        kind -> Text,
        quantity -> BigInt,
        from_location_id -> Nullable<BigInt>,
        to_location_id -> Nullable<BigInt>,
        quantity_delta -> BigInt,
        value_delta -> BigInt,
        unit_cost -> BigInt,
        value -> BigInt,
        on_hand_after -> BigInt,
        ticket_id -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        invoice_line_id -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        reverses_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        occurred_on -> Date,
        billed_invoice_id -> Nullable<BigInt>,
        billed_line_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    stock_month_totals (item_id, month) {
        item_id -> BigInt,
        month -> Date,
        quantity_delta -> BigInt,
        value_delta -> BigInt,
    }
}

diesel::table! {
    budgets (id) {
        id -> BigInt,
        department_id -> BigInt,
        fiscal_year -> Integer,
        revision -> Integer,
        currency -> Text,
        status -> Text,
        exceed_policy -> Text,
        notes -> Nullable<Text>,
        submitted_by -> Nullable<BigInt>,
        submitted_at -> Nullable<Timestamp>,
        approved_by -> Nullable<BigInt>,
        approved_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    budget_lines (budget_id, category, month) {
        budget_id -> BigInt,
        category -> Text,
        month -> Integer,
        planned -> BigInt,
    }
}

diesel::table! {
    ledger_state (id) {
        id -> Integer,
        base_currency -> Text,
        backfilled_at -> Nullable<Timestamp>,
        lock_date -> Nullable<Date>,
        lock_version -> BigInt,
        journal_opened_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    exchange_rates (id) {
        id -> BigInt,
        currency -> Text,
        base_currency -> Text,
        rate_date -> Date,
        rate -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cost_lines (id) {
        id -> BigInt,
        occurred_on -> Date,
        kind -> Text,
        category -> Text,
        currency -> Text,
        amount -> BigInt,
        quantity -> BigInt,
        rate -> Nullable<Text>,
        base_amount -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        desk_id -> Nullable<BigInt>,
        ticket_id -> Nullable<BigInt>,
        customer_id -> Nullable<BigInt>,
        vendor_id -> Nullable<BigInt>,
        employee_id -> Nullable<BigInt>,
        item_id -> Nullable<BigInt>,
        source_type -> Text,
        source_id -> BigInt,
        source_line_id -> Nullable<BigInt>,
        reverses_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cost_rollups (dimension, dimension_id, year, month, kind, category, currency) {
        dimension -> Text,
        dimension_id -> BigInt,
        year -> Integer,
        month -> Integer,
        kind -> Text,
        category -> Text,
        currency -> Text,
        amount -> BigInt,
        base_amount -> BigInt,
        quantity -> BigInt,
        lines -> BigInt,
    }
}

diesel::table! {
    accounts (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        account_type -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    posting_map (event) {
        event -> Text,
        account_id -> BigInt,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    journal_entries (id) {
        id -> BigInt,
        number -> Nullable<Text>,
        entry_date -> Date,
        memo -> Text,
        origin -> Text,
        status -> Text,
        source_type -> Nullable<Text>,
        source_id -> Nullable<BigInt>,
        reverses_id -> Nullable<BigInt>,
        total_debit -> BigInt,
        total_credit -> BigInt,
        line_count -> Integer,
        created_by -> Nullable<BigInt>,
        approved_by -> Nullable<BigInt>,
        posted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    journal_lines (id) {
        id -> BigInt,
        entry_id -> BigInt,
        account_id -> BigInt,
        debit -> BigInt,
        credit -> BigInt,
        currency -> Text,
        amount -> BigInt,
        rate -> Text,
        entry_date -> Date,
        department_id -> Nullable<BigInt>,
        ticket_id -> Nullable<BigInt>,
        customer_id -> Nullable<BigInt>,
        vendor_id -> Nullable<BigInt>,
        employee_id -> Nullable<BigInt>,
        item_id -> Nullable<BigInt>,
        memo -> Text,
    }
}

diesel::table! {
    account_balances (account_id, department_id, year, month) {
        account_id -> BigInt,
        department_id -> BigInt,
        year -> Integer,
        month -> Integer,
        debit -> BigInt,
        credit -> BigInt,
        lines -> BigInt,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        parent_type -> Nullable<Text>,
        ticket_id -> Nullable<BigInt>,
        comment_id -> Nullable<BigInt>,
        invoice_id -> Nullable<BigInt>,
        employee_id -> Nullable<BigInt>,
        vendor_id -> Nullable<BigInt>,
        item_id -> Nullable<BigInt>,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        complete -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    attachment_chunks (attachment_id, seq) {
        attachment_id -> BigInt,
        seq -> Integer,
        bytes -> Binary,
    }
}

diesel::table! {
    purchase_requests (id) {
        id -> BigInt,
        department_id -> BigInt,
        requested_by -> Nullable<BigInt>,
        status -> Text,
        currency -> Text,
        needed_by -> Nullable<Date>,
        note -> Nullable<Text>,
        low_stock_item_id -> Nullable<BigInt>,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        rejection_reason -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    purchase_request_lines (id) {
        id -> BigInt,
        request_id -> BigInt,
        position -> Integer,
        item_id -> Nullable<BigInt>,
        description -> Text,
        quantity -> BigInt,
        estimated_price -> Nullable<BigInt>,
    }
}

diesel::table! {
    purchase_orders (id) {
        id -> BigInt,
        number -> Nullable<Text>,
        vendor_id -> BigInt,
        currency -> Text,
        status -> Text,
        expected_on -> Nullable<Date>,
        sent_on -> Nullable<Date>,
        received_on -> Nullable<Date>,
        closed_on -> Nullable<Date>,
        cancel_reason -> Nullable<Text>,
        budget_override_reason -> Nullable<Text>,
        note -> Nullable<Text>,
        subtotal -> BigInt,
        tax_total -> BigInt,
        total -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    purchase_order_lines (id) {
        id -> BigInt,
        order_id -> BigInt,
        position -> Integer,
        item_id -> Nullable<BigInt>,
        description -> Text,
        quantity -> BigInt,
        unit_price -> BigInt,
        tax_rate -> Integer,
        net -> BigInt,
        department_id -> BigInt,
        budget_category -> Text,
        request_line_id -> Nullable<BigInt>,
        received_quantity -> BigInt,
        billed_quantity -> BigInt,
    }
}

diesel::table! {
    purchase_receipts (id) {
        id -> BigInt,
        order_id -> BigInt,
        order_line_id -> BigInt,
        location_id -> BigInt,
        quantity -> BigInt,
        received_on -> Date,
        movement_id -> BigInt,
        note -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(desk_members -> desks (desk_id));
diesel::joinable!(desk_members -> employees (employee_id));
diesel::joinable!(employees -> departments (department_id));
diesel::joinable!(compensation -> employees (employee_id));
diesel::joinable!(employee_status_changes -> employees (employee_id));
diesel::joinable!(api_keys -> users (user_id));
diesel::joinable!(tickets -> desks (desk_id));
diesel::joinable!(ticket_tags -> tickets (ticket_id));
diesel::joinable!(ticket_comments -> tickets (ticket_id));
diesel::joinable!(time_entries -> tickets (ticket_id));
diesel::joinable!(invoice_lines -> invoices (invoice_id));
diesel::joinable!(purchase_request_lines -> purchase_requests (request_id));
diesel::joinable!(purchase_order_lines -> purchase_orders (order_id));
diesel::joinable!(payments -> invoices (invoice_id));
diesel::joinable!(stock_levels -> items (item_id));
diesel::joinable!(stock_month_totals -> items (item_id));
diesel::joinable!(budget_lines -> budgets (budget_id));
diesel::joinable!(stock_levels -> stock_locations (location_id));
diesel::joinable!(journal_lines -> journal_entries (entry_id));
diesel::joinable!(journal_lines -> accounts (account_id));
diesel::joinable!(posting_map -> accounts (account_id));

diesel::table! {
    webhook_subscriptions (id) {
        id -> BigInt,
        owner_user_id -> BigInt,
        url -> Text,
        description -> Text,
        event_types -> Text,
        active -> Bool,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        feed_seq -> BigInt,
        feed_id -> BigInt,
        consecutive_failures -> Integer,
        failing_since -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        subscription_id -> BigInt,
        event_id -> Nullable<BigInt>,
        event_cursor -> Text,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        last_duration_ms -> Nullable<BigInt>,
        last_attempt_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempt -> Integer,
        node -> Text,
        started_at -> Timestamp,
        duration_ms -> BigInt,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        outcome -> Text,
    }
}

diesel::table! {
    import_jobs (id) {
        id -> BigInt,
        kind -> Text,
        mode -> Text,
        commit_mode -> Text,
        dry_run -> Bool,
        format -> Text,
        status -> Text,
        failure -> Nullable<Text>,
        total_rows -> BigInt,
        processed_rows -> BigInt,
        inserted -> BigInt,
        updated -> BigInt,
        failed_rows -> BigInt,
        next_row -> BigInt,
        created_by -> BigInt,
        roles -> Text,
        api_key_id -> Nullable<BigInt>,
        request_id -> Nullable<Text>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        attempts -> Integer,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    import_files (job_id) {
        job_id -> BigInt,
        content -> Text,
    }
}

diesel::table! {
    import_errors (id) {
        id -> BigInt,
        job_id -> BigInt,
        row_number -> BigInt,
        column_name -> Nullable<Text>,
        message -> Text,
    }
}

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
    tickets,
    ticket_tags,
    ticket_links,
    ticket_comments,
    time_entries,
    parties,
    invoices,
    invoice_lines,
    payments,
    open_balances,
    stock_locations,
    items,
    stock_levels,
    stock_movements,
    stock_month_totals,
    budgets,
    budget_lines,
    ledger_state,
    exchange_rates,
    cost_lines,
    cost_rollups,
    employee_day_minutes,
    accounts,
    posting_map,
    journal_entries,
    journal_lines,
    account_balances,
    webhook_subscriptions,
    webhook_deliveries,
    webhook_attempts,
    attachments,
    attachment_chunks,
    import_jobs,
    import_files,
    import_errors,
    purchase_requests,
    purchase_request_lines,
    purchase_orders,
    purchase_order_lines,
    purchase_receipts,
);
