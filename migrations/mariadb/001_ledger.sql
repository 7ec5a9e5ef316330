-- The ledger for a MariaDB/MySQL target (created automatically when the user may create tables).
CREATE TABLE IF NOT EXISTS replicate_ledger (
    table_name   varchar(200) CHARACTER SET utf8mb4 NOT NULL,
    range_lo     varchar(10)  CHARACTER SET utf8mb4 NOT NULL,
    range_hi     varchar(10)  CHARACTER SET utf8mb4 NOT NULL,
    source_table varchar(200) CHARACTER SET utf8mb4 NOT NULL,
    row_count    bigint       NOT NULL,
    run_id       varchar(64)  CHARACTER SET utf8mb4 NOT NULL,
    finished_at  varchar(19)  CHARACTER SET utf8mb4 NOT NULL,
    PRIMARY KEY (table_name, range_lo, range_hi)
) ENGINE = InnoDB;

-- The run history: one row per run of a tool.
CREATE TABLE IF NOT EXISTS replicate_run (
    run_id            varchar(64) CHARACTER SET utf8mb4 NOT NULL PRIMARY KEY,
    command           longtext CHARACTER SET utf8mb4,
    started_at        varchar(19) CHARACTER SET utf8mb4 NOT NULL,
    finished_at       varchar(19) CHARACTER SET utf8mb4,
    status            varchar(16) CHARACTER SET utf8mb4 NOT NULL,
    partitions_ok     bigint NOT NULL,
    partitions_failed bigint NOT NULL,
    row_count         bigint NOT NULL
) ENGINE = InnoDB;
