#pragma once
/// \file options.hpp
/// What the library needs to know about an endpoint: typed options, no file format. The
/// tools read them from a TOML job file (apps/common/job_file.hpp); an embedder fills them in.

#include <string>


namespace replicate {

/// Read isolation of the source session.
enum class Isolation { read_committed, read_uncommitted, snapshot };

/// A source: an ODBC connection string and where its tables live.
struct SourceOptions {
    std::string connection;
    std::string schema;
    /// Read isolation.
    Isolation isolation = Isolation::read_committed;
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
    /// Ask for a table lock on inserts (SQL Server WITH (TABLOCK)).
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
