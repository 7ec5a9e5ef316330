-- The ledger's verification columns (--verify, --verify-only): NULL until a partition is
-- verified. libreplicate adds them itself. SQLite has no ADD COLUMN IF NOT EXISTS: run each
-- line once.
ALTER TABLE replicate_ledger ADD COLUMN verified        varchar(8);   -- match, mismatch
ALTER TABLE replicate_ledger ADD COLUMN verified_at     varchar(19);  -- UTC
ALTER TABLE replicate_ledger ADD COLUMN source_rows     bigint;
ALTER TABLE replicate_ledger ADD COLUMN source_checksum varchar(24);  -- xxh3:<16 hex>
ALTER TABLE replicate_ledger ADD COLUMN target_rows     bigint;
ALTER TABLE replicate_ledger ADD COLUMN target_checksum varchar(24);
