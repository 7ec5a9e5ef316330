#pragma once
// The job file (TOML) of the tools and the environment it draws `${VAR}` values from. Lives
// with the tools, not in the library: the library takes typed options (replicate/options.hpp).

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <replicate/options.hpp>
#include <replicate/orchestrator.hpp>
#include <replicate/table_spec.hpp>

namespace replicate {

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
    SourceOptions source;
    TargetOptions target;
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
