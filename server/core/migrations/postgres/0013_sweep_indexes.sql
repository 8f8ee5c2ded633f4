-- Same as migrations/sqlite/0013_sweep_indexes.sql (the same DDL in PostgreSQL).
-- The maintenance sweep runs every 5 minutes: each of its statements reads an
-- index instead of the whole table (a million emails, a year of audit log).
-- Bodies still to drop when their link expires: only those not dropped yet.
CREATE INDEX outbox_body_expiry ON outbox (link_expires_at) WHERE body <> 'dropped';
CREATE INDEX audit_log_at ON audit_log (at);
