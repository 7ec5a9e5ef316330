#pragma once
/// \file options.hpp
/// What the library needs to know about an endpoint: typed options, no file format. The
/// tools read them from a TOML job file (apps/common/job_file.hpp); an embedder fills them in.

#include <string>


namespace replicate {

/// Read isolation of the source session.
enum class Isolation {
    /// Snapshot isolation where the source database allows it (SQL Server:
    /// ALLOW_SNAPSHOT_ISOLATION ON), else READ COMMITTED. Reads then never hold shared locks
    /// that block the source's writers where the DBMS can avoid it.
    automatic,
    read_committed,
    read_uncommitted,
    /// Snapshot (SQL Server SNAPSHOT; PostgreSQL and MariaDB REPEATABLE READ). A SQL Server
    /// database that does not allow it is a config error.
    snapshot,
};

/// A source: an ODBC connection string and where its tables live.
struct SourceOptions {
    std::string connection;
    std::string schema;
    /// Read isolation.
    Isolation isolation = Isolation::automatic;
    /// Seconds a read waits for a lock held by another session before it fails (and the
    /// partition is retried as transient): SQL Server SET LOCK_TIMEOUT, PostgreSQL
    /// lock_timeout, MariaDB lock_wait_timeout. 0 leaves the DBMS's default (wait forever).
    int lock_timeout_seconds = 60;
    /// Seconds a statement may wait for the server before it is cancelled (HYT00, retried as
    /// transient), where the driver implements SQL_ATTR_QUERY_TIMEOUT without ending streamed
    /// reads (the SQL Server drivers); 0: no limit.
    int query_timeout_seconds = 1800;
    /// Seconds to wait for a connection to open (login included). The library enforces it
    /// itself around the driver's connect, so it holds for every driver.
    int connect_timeout_seconds = 30;
    /// Rows travel through the DBMS's own protocol where the library has one and the
    /// connection string says enough to open it (PostgreSQL: libpq, a binary cursor); false:
    /// through ODBC. Describing tables uses ODBC either way.
    bool native_protocol = true;
};

/// A target: an ODBC connection string, where tables go, and how they are written.
struct TargetOptions {
    std::string connection;
    std::string schema;
    /// Prepended to the source table name.
    std::string table_prefix;
    int connect_timeout_seconds = 30;
    /// Rows are written through the DBMS's own protocol where the library has one
    /// (PostgreSQL: COPY through libpq); false: ODBC parameter arrays. Checks, DDL and the
    /// ledger's reads use ODBC either way.
    bool native_protocol = true;
    /// Ask for a table lock on inserts (SQL Server WITH (TABLOCK)): one lock instead of row
    /// locks, never a lock escalation. INSERT ... VALUES stays fully logged. Partitions of one
    /// table are then written one at a time (Target::max_writers_per_table); other tables
    /// still run side by side.
    bool table_lock = false;
    /// Seconds a statement waits for a lock held by another session before it fails (and is
    /// retried as transient); 0 leaves the DBMS's default.
    int lock_timeout_seconds = 300;
    /// Seconds a partition waits while another run writes the same table and month; then it
    /// fails, naming that run. SQLite: how long a write waits for the database's writer lock.
    int wait_for_other_run_seconds = 3600;
    /// Tables the library creates carry the source's primary key.
    bool create_primary_key = true;
    /// SQLite: create decimal columns as exact text instead of numbers.
    bool decimals_as_text = false;
    /// A source column the existing target table lacks is added to it (nullable, of the
    /// mapped type) before the first partition, instead of being a config error.
    bool add_new_columns = false;
};

}  // namespace replicate
