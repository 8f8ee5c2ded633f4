-- One row the storage watch rewrites (with 64 KiB of padding) while a storage
-- fault lasts: when that write commits, writes work again (storage/faults.rs).
CREATE TABLE storage_probe (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    written_at BIGINT NOT NULL,
    pad BYTEA NOT NULL
);
