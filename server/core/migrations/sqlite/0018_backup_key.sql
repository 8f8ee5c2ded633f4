-- The instance's backup key (issue 22): what backup files are encrypted
-- with, kept apart from them. Sealed with the instance's secret key like
-- every secret at rest; made on first use, replaced by "Reset key".
CREATE TABLE backup_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key_sealed TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
