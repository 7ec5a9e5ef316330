-- The ledger: one row per replicated partition, written in the same transaction as the data.
-- libreplicate creates it on first run when it may; create it here when the ETL user may not.
USE [WAREHOUSE];
IF OBJECT_ID(N'[dbo].[replicate_ledger]', N'U') IS NULL
CREATE TABLE [dbo].[replicate_ledger] (
    -- nvarchar: a table name outside the database's code page would otherwise be stored with
    -- '?' and never match again (--resume); the library creates these columns so too.
    [table_name]   nvarchar(200) NOT NULL, -- target table, schema.table
    [range_lo]     varchar(10)  NOT NULL,  -- 'YYYY-MM-DD', '' for a whole-table refresh
    [range_hi]     varchar(10)  NOT NULL,  -- exclusive
    [source_table] nvarchar(200) NOT NULL,
    [row_count]    bigint       NOT NULL,
    [run_id]       varchar(64)  NOT NULL,
    [finished_at]  varchar(19)  NOT NULL,  -- UTC 'YYYY-MM-DD HH:MM:SS'
    PRIMARY KEY ([table_name], [range_lo], [range_hi])
);
GO

-- The run history: one row per run of a tool.
IF OBJECT_ID(N'[dbo].[replicate_run]', N'U') IS NULL
CREATE TABLE [dbo].[replicate_run] (
    [run_id]            varchar(64)  NOT NULL PRIMARY KEY,
    [command]           nvarchar(max) NULL,    -- the command line, secrets masked
    [started_at]        varchar(19)  NOT NULL, -- UTC
    [finished_at]       varchar(19)  NULL,
    [status]            varchar(16)  NOT NULL, -- running, ok, failed, cancelled
    [partitions_ok]     bigint       NOT NULL,
    [partitions_failed] bigint       NOT NULL,
    [row_count]         bigint       NOT NULL
);
GO
