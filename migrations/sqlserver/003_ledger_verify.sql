-- The ledger's verification columns (--verify, --verify-only): NULL until a partition is
-- verified. libreplicate adds them itself when its login may alter the ledger.
USE [WAREHOUSE];
IF COL_LENGTH(N'[dbo].[replicate_ledger]', N'verified') IS NULL
ALTER TABLE [dbo].[replicate_ledger] ADD
    [verified]        varchar(8)  NULL,  -- match, mismatch
    [verified_at]     varchar(19) NULL,  -- UTC
    [source_rows]     bigint      NULL,
    [source_checksum] varchar(24) NULL,  -- xxh3:<16 hex>
    [target_rows]     bigint      NULL,
    [target_checksum] varchar(24) NULL;
GO
