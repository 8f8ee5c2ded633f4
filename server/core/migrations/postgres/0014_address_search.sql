-- Searching Email activity by a part of the recipient ("user4242@") must not
-- read every email: a million of them took 280 ms. A trigram index answers
-- `ILIKE '%…%'` from the trigrams of the part (SQLite: FTS5's trigram
-- tokenizer, migrations/sqlite/0014_address_search.sql).
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: a
-- database owner may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX outbox_recipient_search ON outbox USING gin (to_email gin_trgm_ops);
-- The same for the Users page's search by a part of the address (SQLite reads
-- its 100,000 addresses in a few milliseconds; PostgreSQL took 30).
CREATE INDEX users_email_search ON users USING gin (email gin_trgm_ops);
