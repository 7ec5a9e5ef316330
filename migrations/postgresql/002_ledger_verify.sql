-- The ledger's verification columns (--verify, --verify-only): NULL until a partition is
-- verified. libreplicate adds them itself when its login may alter the ledger.
ALTER TABLE replicate_ledger ADD COLUMN IF NOT EXISTS verified        varchar(8);   -- match, mismatch
ALTER TABLE replicate_ledger ADD COLUMN IF NOT EXISTS verified_at     varchar(19);  -- UTC
ALTER TABLE replicate_ledger ADD COLUMN IF NOT EXISTS source_rows     bigint;
ALTER TABLE replicate_ledger ADD COLUMN IF NOT EXISTS source_checksum varchar(24);  -- xxh3:<16 hex>
ALTER TABLE replicate_ledger ADD COLUMN IF NOT EXISTS target_rows     bigint;
ALTER TABLE replicate_ledger ADD COLUMN IF NOT EXISTS target_checksum varchar(24);
