-- One due time for every email a worker may claim. A claimed ('sending')
-- email is due again when its lease runs out, so the lease now lives in
-- next_attempt_at and lease_until goes. The claim then reads one partial
-- index in due order instead of gathering and sorting every due email: with
-- 20,000 queued, that sort made each claim cost milliseconds (BENCHMARKS.md).
UPDATE outbox SET next_attempt_at = lease_until WHERE status = 'sending' AND lease_until IS NOT NULL;
ALTER TABLE outbox DROP COLUMN lease_until;
DROP INDEX outbox_due;
-- The WHERE term is written exactly as the claim query writes it (SQLite uses
-- a partial index only when the query repeats its condition).
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status IN ('queued', 'retrying', 'sending');
-- Counting by kind and state (/metrics) without reading email bodies. Kind
-- comes first on purpose: an index led by status would tempt the planner away
-- from outbox_due for the claim (it would then sort every due email again).
CREATE INDEX outbox_counts ON outbox (kind, status);
