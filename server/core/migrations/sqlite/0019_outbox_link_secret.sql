-- The secret of the link a queued email carries, sealed with the instance key
-- like the body (issue 23: Users offers an invitation's link to copy while
-- its email has not gone out). Dropped with the body (NULL) once the email is
-- sent or its link has expired; NULL too for emails queued before this migration.
ALTER TABLE outbox ADD COLUMN link_secret TEXT;
