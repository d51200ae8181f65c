DROP TABLE throttle_counters;
DROP TABLE idempotency_keys;
DROP TABLE audit_events;
DROP TABLE api_keys;
DROP TABLE refresh_tokens;
DROP TABLE users;
DROP TABLE settings;
