#pragma once
// What the three tools share: common options, logging set-up, job loading, exit codes, the
// summary table and signal handling. Mains stay thin: parse, build, call the library, map.

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "job_file.hpp"
#include <replicate/error.hpp>
#include <replicate/orchestrator.hpp>

namespace replicate::app {

/// The fixed exit-code contract.
enum ExitCode : int {
    exit_ok = 0,
    exit_failed = 1,        ///< one or more partitions or tables failed
    exit_usage = 2,         ///< bad usage or configuration; nothing was written
    exit_unreachable = 3,   ///< a database could not be reached or logged into
    exit_interrupted = 130,
};

int exit_code_for(ErrorKind kind);

/// Set by SIGINT/SIGTERM.
const std::atomic<bool>& interrupted();
void install_signal_handlers();

struct CommonOptions {
    std::string config;
    std::string env_file;
    bool print_config = false;
    std::string log_level = "info";
    std::string log_file;
    double log_file_max_mb = 100;
    int log_file_keep = 5;
    std::string log_format = "text";
    bool quiet = false;
};

/// Adds --config, --env-file, --print-config, --log-level, --log-file, --quiet, --help, --version.
void add_common_options(boost::program_options::options_description& desc, CommonOptions& out);

/// Parses argv; prints help/version and returns the exit code to stop with, or -1 to go on.
/// Usage errors print one line and return exit_usage.
int parse_command_line(const std::string& tool, const std::string& synopsis, int argc,
                       char** argv, boost::program_options::options_description& desc,
                       boost::program_options::variables_map& vm);

/// Configures Boost.Log (console.hpp): stderr, and a rotated file if asked, at the given level
/// and format.
void setup_logging(const CommonOptions& options);

/// Reads the .env file (explicit, or ./.env if present) and the job file.
JobConfig load_job(const CommonOptions& options);

/// Runs \p body, turning every exception into a one-line error on stderr and an exit code.
int guarded(const std::string& tool, const std::function<int()>& body);

/// The end-of-run table: table, partitions ok/failed/skipped, rows, seconds, rows/s.
void print_summary(const RunReport& report);

/// --dry-run: per table the source query and the target statements, then each partition with
/// its counted rows (and whether --resume skips it), then the total.
void print_plan(const std::vector<PlannedPartition>& plan);

/// Exit code for a finished run.
int exit_code_for(const RunReport& report);

/// Throws Error(kind config) unless --max-workers, when given, is within 1..64.
void check_max_workers(const boost::program_options::variables_map& vm, int max_workers);

/// The configured table names that --table selected (all of them when none was given), in
/// configuration order. An unknown name is Error(kind config) listing the configured ones.
std::vector<std::string> select_tables(const std::vector<std::string>& requested,
                                       const std::vector<std::string>& configured,
                                       const std::string& section, const std::string& config_path);

/// The command line as one string, with connection-string secrets masked.
std::string masked_command_line(int argc, char** argv);

/// Options shared by the two replicating tools: --max-workers and the [run] settings.
RunOptions run_options(const JobConfig& job, int max_workers_override);

}  // namespace replicate::app
