#pragma once
/// \file config.hpp
/// The job file (TOML) and the environment it draws `${VAR}` values from.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <replicate/dialect.hpp>
#include <replicate/orchestrator.hpp>
#include <replicate/table_spec.hpp>

namespace replicate {

/// One side of a job: an ODBC connection string and where tables live.
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

/// A [[sales]] entry.
struct SalesTableConfig {
    std::string table;
    std::string date_column;
    /// The zone the date column's values are in when not the business's ("UTC").
    std::string date_column_zone;
    /// The format of a text date column ("YYYY-MM-DD": ISO, sorts as dates).
    std::string date_column_format;
};

/// A [[reference]] entry.
struct ReferenceTableConfig {
    std::string table;
};

/// The [run] section (optional; command-line flags override it).
struct RunConfig {
    int max_workers = 2;
    std::size_t batch_rows = 10000;
    std::size_t batch_bytes = std::size_t{16} << 20;
    int retry_attempts = 3;
    int retry_base_delay_ms = 500;
    /// The business's IANA time zone for --today, --yesterday and --days-back; empty: the
    /// machine's zone.
    std::string time_zone;
    /// Days before the relative range that a nightly run copies again (late voids and
    /// corrections); 0 by default.
    int lookback_days = 0;
};

/// A parsed, validated job file.
struct JobConfig {
    EndpointConfig source;
    EndpointConfig target;
    std::vector<SalesTableConfig> sales;
    std::vector<ReferenceTableConfig> reference;
    RunConfig run;

    TableSpec sales_spec(const SalesTableConfig& t) const;
    TableSpec reference_spec(const ReferenceTableConfig& t) const;
    /// The effective settings as TOML, secrets masked (for --print-config).
    std::string to_masked_toml() const;
};

/// Looks a variable up; nullopt when unset.
using Environment = std::function<std::optional<std::string>(const std::string&)>;

/// Reads KEY=VALUE lines (comments with '#', optional quotes, optional "export "). Throws
/// Error(kind config) naming the file and line on a malformed line.
std::map<std::string, std::string> load_env_file(const std::string& path);

/// The process environment, falling back to \p fallback (e.g. a .env file): values already in
/// the environment win.
Environment process_environment(std::map<std::string, std::string> fallback = {});

/// Parses a job file's text. Unknown keys, wrong types, a missing `${VAR}` or a bad value are
/// Error(kind config) with one line naming the key and what to fix. \p origin names the file in
/// messages.
JobConfig parse_job(std::string_view toml_text, const Environment& env,
                    const std::string& origin = "job file");

/// Reads and parses a job file; a missing or unreadable file is Error(kind config).
JobConfig load_job_file(const std::string& path, const Environment& env);

/// Replaces `${NAME}` in \p text; throws Error(kind config) naming a missing variable.
std::string expand_variables(std::string_view text, const Environment& env,
                             std::string_view where);

/// Checks a table or column name from configuration: non-empty, at most 128 characters, no
/// control characters. Quoting makes the rest safe. Throws Error(kind config).
void validate_identifier(std::string_view name, std::string_view what);

}  // namespace replicate
