#include "app.hpp"
#include "console.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>


#include <replicate/log_level.hpp>
#include <replicate/version.hpp>

namespace po = boost::program_options;

namespace replicate::app {

namespace {
std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int) { g_interrupted.store(true); }
}  // namespace

const std::atomic<bool>& interrupted() { return g_interrupted; }

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

int exit_code_for(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::config: return exit_usage;
    case ErrorKind::connection: return exit_unreachable;
    case ErrorKind::cancelled: return exit_interrupted;
    default: return exit_failed;
    }
}

void add_common_options(po::options_description& desc, CommonOptions& out) {
    desc.add_options()
        ("config", po::value(&out.config)->value_name("FILE"), "job file (TOML); required")
        ("env-file", po::value(&out.env_file)->value_name("FILE"),
         "KEY=VALUE file for ${VAR} in the job file (default: ./.env if present; the "
         "environment wins)")
        ("print-config", po::bool_switch(&out.print_config),
         "print the effective settings (passwords masked) and exit")
        ("log-level", po::value(&out.log_level)->value_name("LEVEL")->default_value("info"),
         "trace, debug, info, warning or error")
        ("log-file", po::value(&out.log_file)->value_name("FILE"),
         "also write the log here (appended; rotated by size, see --log-file-max-mb)")
        ("log-file-max-mb", po::value(&out.log_file_max_mb)->value_name("MB")->default_value(100, "100"),
         "rotate the log file when it would pass this size: FILE.1 is the newest old one")
        ("log-file-keep", po::value(&out.log_file_keep)->value_name("N")->default_value(5),
         "rotated log files kept (FILE.1 .. FILE.N)")
        ("log-format", po::value(&out.log_format)->value_name("text|json")->default_value("text"),
         "log lines as text or as one JSON object per line (time, level, run_id, table, range, "
         "message)")
        ("quiet,q", po::bool_switch(&out.quiet),
         "print only errors and the summary (the log level becomes error)")
        ("help,h", "show this help and exit")
        ("version", "show the version and exit");
}

int parse_command_line(const std::string& tool, const std::string& synopsis, int argc,
                       char** argv, po::options_description& desc, po::variables_map& vm) {
    try {
        po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
        if (vm.count("help")) {
            std::cout << "Usage: " << tool << " " << synopsis << "\n\n" << desc << "\n"
                      << "Exit codes: 0 success; 1 a partition or table failed; 2 bad usage or "
                         "configuration (nothing written);\n3 a database could not be reached "
                         "or logged into; 130 interrupted.\n";
            return exit_ok;
        }
        if (vm.count("version")) {
            std::cout << tool << " (libreplicate) " << replicate::version() << "\n";
            return exit_ok;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << tool << ": error: " << e.what() << " (see --help)\n";
        return exit_usage;
    }
    if (!vm.count("config")) {
        std::cerr << tool << ": error: --config FILE is required (see --help)\n";
        return exit_usage;
    }
    return -1;
}

void setup_logging(const CommonOptions& options) {
    LogSettings settings;
    settings.level = options.log_level;
    settings.quiet = options.quiet;
    settings.format = options.log_format;
    settings.file = options.log_file;
    if (!(options.log_file_max_mb >= 0.001)) {
        throw Error(ErrorKind::config, "--log-file-max-mb must be at least 0.001 (1 KB)");
    }
    settings.file_max_bytes = static_cast<std::uint64_t>(options.log_file_max_mb * 1048576.0);
    settings.file_keep = options.log_file_keep;
    app::setup_logging(settings);
}

JobConfig load_job(const CommonOptions& options) {
    std::map<std::string, std::string> env_file;
    if (!options.env_file.empty()) {
        env_file = load_env_file(options.env_file);
    } else if (std::filesystem::exists(".env")) {
        env_file = load_env_file(".env");
    }
    return load_job_file(options.config, process_environment(std::move(env_file)));
}

int guarded(const std::string& tool, const std::function<int()>& body) {
    try {
        return body();
    } catch (const Error& e) {
        std::cerr << tool << ": error: " << e.what() << "\n";
        return exit_code_for(e.kind());
    } catch (const std::exception& e) {
        std::cerr << tool << ": internal error: " << e.what() << "\n";
        return exit_failed;
    }
}

void print_summary(const RunReport& report) {
    std::ostringstream os;
    os << "\nrun " << report.run_id << "\n";
    os << std::left << std::setw(28) << "table" << std::right << std::setw(6) << "ok"
       << std::setw(8) << "failed" << std::setw(9) << "skipped" << std::setw(12) << "rows"
       << std::setw(10) << "MB" << std::setw(10) << "seconds" << std::setw(11) << "rows/s" << "\n";
    std::int64_t rows = 0;
    std::int64_t bytes = 0;
    int ok = 0;
    int failed = 0;
    int skipped = 0;
    const auto mb = [](std::int64_t b) { return static_cast<double>(b) / 1048576.0; };
    for (const TableSummary& t : report.tables) {
        const double rate = t.seconds > 0 ? static_cast<double>(t.rows) / t.seconds : 0;
        os << std::left << std::setw(28) << t.table << std::right << std::setw(6)
           << t.partitions_ok << std::setw(8) << t.partitions_failed << std::setw(9)
           << t.partitions_skipped << std::setw(12) << t.rows << std::setw(10) << std::fixed
           << std::setprecision(1) << mb(t.bytes) << std::setw(10) << std::setprecision(2)
           << t.seconds << std::setw(11) << std::setprecision(0) << rate << "\n";
        rows += t.rows;
        bytes += t.bytes;
        ok += t.partitions_ok;
        failed += t.partitions_failed;
        skipped += t.partitions_skipped;
    }
    // Tables share the workers and overlap: the total is the run's wall-clock time.
    const double seconds = report.seconds;
    os << std::left << std::setw(28) << "total" << std::right << std::setw(6) << ok
       << std::setw(8) << failed << std::setw(9) << skipped << std::setw(12) << rows
       << std::setw(10) << std::setprecision(1) << mb(bytes) << std::setw(10)
       << std::setprecision(2) << seconds << std::setw(11) << std::setprecision(0)
       << (seconds > 0 ? static_cast<double>(rows) / seconds : 0) << "\n";
    for (const TableSummary& t : report.tables) {
        if (!t.added_columns.empty()) {
            os << "note: " << t.table << ": column(s) new at the source added to the target: ";
            for (std::size_t i = 0; i < t.added_columns.size(); ++i) {
                os << (i ? ", " : "") << t.added_columns[i];
            }
            os << " (on_new_column = \"add\")\n";
        }
        if (t.null_partition_rows > 0 && t.null_rows_copied) {
            os << "note: " << t.table << ": " << t.null_partition_rows
               << " row(s) with a NULL date column copied as a partition of their own\n";
        } else if (t.null_partition_rows > 0) {
            os << "WARNING: " << t.table << " has " << t.null_partition_rows
               << " row(s) with a NULL date column that no date range copies; "
                  "--include-null-dates copies them\n";
        }
    }
    for (const PartitionResult& r : report.partitions) {
        if (r.status == PartitionStatus::failed) {
            os << "FAILED " << r.partition.table.source.display() << " " << r.partition.label()
               << ": " << r.error << "\n";
        }
    }
    if (report.source_reads.locking) {
        os << "WARNING: source reads were " << report.source_reads.isolation << ": "
           << report.source_reads.advice << "\n";
    }
    if (report.cancelled) os << "INTERRUPTED: in-flight partitions were rolled back; rerun with --resume\n";
    std::cout << os.str() << std::flush;
}

void print_plan(const std::vector<PlannedPartition>& plan) {
    std::ostringstream os;
    os << "dry run: nothing was written to the target\n";
    std::string table;
    std::int64_t rows = 0;
    bool all_counted = true;
    for (const PlannedPartition& p : plan) {
        const TableSpec& spec = p.partition.table;
        if (spec.source.display() != table) {
            table = spec.source.display();
            os << "\n" << table << " -> " << spec.target.display() << "\n";
            if (!p.source_query.empty()) os << "  source: " << p.source_query << "\n";
            for (const std::string& s : p.target_statements) os << "  target: " << s << "\n";
        }
        os << "  " << std::left << std::setw(24) << p.partition.label() << std::right;
        if (p.rows) {
            os << std::setw(12) << *p.rows << " rows (counted)";
            rows += *p.rows;
        } else {
            os << std::setw(12) << "?" << " rows (the source cannot count)";
            all_counted = false;
        }
        if (p.skipped) os << "  skipped by --resume: the ledger has it";
        os << "\n";
    }
    os << "\ntotal: " << plan.size() << " partition(s), " << rows << " row(s)"
       << (all_counted ? "" : " counted (some could not be)") << "\n";
    std::cout << os.str() << std::flush;
}

int exit_code_for(const RunReport& report) {
    if (report.cancelled) return exit_interrupted;
    return report.ok() ? exit_ok : exit_failed;
}

void check_max_workers(const po::variables_map& vm, int max_workers) {
    if (vm.count("max-workers") && (max_workers < 1 || max_workers > 64)) {
        throw Error(ErrorKind::config, "--max-workers must be between 1 and 64, got " +
                                           std::to_string(max_workers));
    }
}

std::vector<std::string> select_tables(const std::vector<std::string>& requested,
                                       const std::vector<std::string>& configured,
                                       const std::string& section, const std::string& config_path) {
    if (configured.empty()) {
        throw Error(ErrorKind::config, config_path + " lists no [[" + section + "]] tables");
    }
    for (const std::string& name : requested) {
        if (std::find(configured.begin(), configured.end(), name) == configured.end()) {
            std::string known;
            for (const std::string& c : configured) known += (known.empty() ? "" : ", ") + c;
            throw Error(ErrorKind::config, "--table " + name + " is not a [[" + section +
                                               "]] table of " + config_path + " (configured: " +
                                               known + ")");
        }
    }
    std::vector<std::string> out;
    for (const std::string& c : configured) {
        if (requested.empty() || std::find(requested.begin(), requested.end(), c) != requested.end()) {
            out.push_back(c);
        }
    }
    return out;
}

std::string masked_command_line(int argc, char** argv) {
    std::string out;
    for (int i = 0; i < argc; ++i) {
        if (i) out += ' ';
        out += mask_connection_string(argv[i]);
    }
    return out;
}

RunOptions run_options(const JobConfig& job, int max_workers_override) {
    RunOptions o;
    o.max_workers = max_workers_override > 0 ? max_workers_override : job.run.max_workers;
    o.read.batch_rows = job.run.batch_rows;
    o.read.batch_bytes = job.run.batch_bytes;
    o.retry.max_attempts = job.run.retry_attempts;
    o.retry.base_delay = std::chrono::milliseconds(job.run.retry_base_delay_ms);
    o.cancel = &interrupted();
    return o;
}

}  // namespace replicate::app
