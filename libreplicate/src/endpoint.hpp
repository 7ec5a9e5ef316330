#pragma once
// Internal: one side's options as the connection layer takes them, made from SourceOptions or
// TargetOptions (the public, one-sided types).

#include <string>

#include <replicate/options.hpp>

namespace replicate {

/// One endpoint, either side: the fields of the other side keep their defaults.
struct EndpointConfig {
    std::string connection;
    std::string schema;
    /// Target only: prepended to the source table name.
    std::string table_prefix;
    /// Source only: read isolation.
    Isolation isolation = Isolation::read_committed;
    /// Seconds to wait for a connection to open (login included). The library enforces it
    /// itself around the driver's connect, so it holds for every driver.
    int connect_timeout_seconds = 30;
    /// Rows travel through the DBMS's own bulk protocol where the library has one and the
    /// connection string says enough to open it (PostgreSQL: libpq, binary cursor reads and
    /// COPY writes; see docs/performance.md); false, or `data_path = "odbc"`: through ODBC.
    /// Connecting, checks, DDL and the ledger's reads use ODBC either way.
    bool native_protocol = true;
    /// Target only: ask for a table lock on inserts (SQL Server WITH (TABLOCK)).
    bool table_lock = false;
    /// Target only: seconds a statement waits for a lock held by another session before it
    /// fails (and is retried as transient); 0 leaves the DBMS's default.
    int lock_timeout_seconds = 300;
    /// Target only: seconds a partition waits while another run writes the same table and
    /// month; then it fails, naming that run. SQLite: how long a write waits for the
    /// database's writer lock.
    int wait_for_other_run_seconds = 3600;
    /// Target only: tables the tool creates carry the source's primary key.
    bool create_primary_key = true;
    /// Target only (SQLite): create decimal columns as exact text instead of numbers.
    bool decimals_as_text = false;
    /// Target only: a source column the existing target table lacks is added to it (nullable,
    /// of the mapped type) before the first partition ([target] on_new_column = "add"),
    /// instead of being a config error ("fail", the default).
    bool add_new_columns = false;
};


/// The endpoint of a source / a target.
inline EndpointConfig endpoint_of(const SourceOptions& o) {
    EndpointConfig e;
    e.connection = o.connection;
    e.schema = o.schema;
    e.isolation = o.isolation;
    e.connect_timeout_seconds = o.connect_timeout_seconds;
    e.native_protocol = o.native_protocol;
    return e;
}
inline EndpointConfig endpoint_of(const TargetOptions& o) {
    EndpointConfig e;
    e.connection = o.connection;
    e.schema = o.schema;
    e.table_prefix = o.table_prefix;
    e.connect_timeout_seconds = o.connect_timeout_seconds;
    e.native_protocol = o.native_protocol;
    e.table_lock = o.table_lock;
    e.lock_timeout_seconds = o.lock_timeout_seconds;
    e.wait_for_other_run_seconds = o.wait_for_other_run_seconds;
    e.create_primary_key = o.create_primary_key;
    e.decimals_as_text = o.decimals_as_text;
    e.add_new_columns = o.add_new_columns;
    return e;
}

}  // namespace replicate
