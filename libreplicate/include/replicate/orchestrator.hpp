#pragma once
/// \file orchestrator.hpp
/// Runs a plan: every partition of every table on one shared budget of workers.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <replicate/error.hpp>
#include <replicate/partitioner.hpp>
#include <replicate/sink.hpp>
#include <replicate/source.hpp>

namespace replicate {

/// Bounded retries with jittered exponential backoff. Only ErrorKind::transient is retried.
struct RetryPolicy {
    int max_attempts = 3;
    std::chrono::milliseconds base_delay{500};
    std::chrono::milliseconds max_delay{30000};
    /// The delay before attempt \p attempt (2, 3, ...): base * 2^(attempt-2), capped, with
    /// up to 50% random jitter taken off.
    std::chrono::milliseconds delay_before(int attempt) const;
};

class RunMonitor;

struct RunOptions {
    /// Partitions in flight at once, which is also the number of source connections.
    int max_workers = 2;
    /// Skip partitions the ledger records as done for the same table and range.
    bool resume = false;
    /// Partitioned tables get one more partition: the rows whose date column is NULL.
    bool include_null_dates = false;
    ReadOptions read;
    RetryPolicy retry;
    /// Set to true (e.g. from a signal handler) to stop: in-flight partitions roll back at the
    /// next batch, queued ones are not started. May be null.
    const std::atomic<bool>* cancel = nullptr;
    /// Written to the ledger; generated (UTC time + random) when empty.
    std::string run_id;
    /// After each partition commits, read it back from the target and compare its row count
    /// and checksum with the source's (computed while copying): a mismatch fails the
    /// partition. Needs Target::open_reader().
    bool verify = false;
    /// Updated as partitions start, progress and end, for live progress views; may be null.
    /// Must outlive the run.
    RunMonitor* monitor = nullptr;
    /// Count each partition's rows at the source before copying it (one COUNT per
    /// partition), so a monitor can show a percentage. Off by default: it is one more query
    /// on the source per partition.
    bool count_rows_first = false;
    /// What is being run, for the run history (e.g. the command line); secrets must already
    /// be masked.
    std::string command;
};

enum class PartitionStatus { done, failed, skipped, cancelled };
std::string_view to_string(PartitionStatus s);

/// The outcome of one partition. A plain value.
struct PartitionResult {
    Partition partition;
    PartitionStatus status = PartitionStatus::failed;
    std::int64_t rows = 0;
    std::int64_t bytes = 0;
    double seconds = 0;
    int attempts = 0;
    /// Set when status is failed or cancelled.
    std::optional<ErrorKind> error_kind;
    std::string error;
    /// Set when the partition was verified (RunOptions::verify, Orchestrator::verify).
    std::optional<Verification> verification;

    friend bool operator==(const PartitionResult& a, const PartitionResult& b);
};

std::ostream& operator<<(std::ostream& os, const PartitionResult& r);

/// Per-table totals for the summary.
struct TableSummary {
    std::string table;  ///< source table display name
    int partitions_ok = 0;
    int partitions_failed = 0;
    int partitions_skipped = 0;
    /// Partitions whose verification matched / did not match.
    int partitions_verified = 0;
    int partitions_mismatched = 0;
    std::int64_t rows = 0;
    std::int64_t bytes = 0;  ///< of the rows copied, as read (Batch::byte_size)
    double seconds = 0;  ///< wall-clock time of the table
    /// Source rows whose partition column is NULL.
    std::int64_t null_partition_rows = 0;
    /// True if they were copied (RunOptions::include_null_dates).
    bool null_rows_copied = false;
    /// Columns added to the existing target table before the first partition (new at the
    /// source; Target::added_columns).
    std::vector<std::string> added_columns;
};

struct RunReport {
    std::string run_id;
    std::string started_at;   ///< UTC "YYYY-MM-DD HH:MM:SS", when the checks began
    std::string finished_at;  ///< UTC, when the last partition ended
    double seconds = 0;       ///< wall-clock time of the run (tables overlap)
    std::vector<PartitionResult> partitions;
    std::vector<TableSummary> tables;
    /// How the source's reads treated its writers (Source::read_consistency()).
    ReadConsistency source_reads;
    bool cancelled = false;
    /// True if no partition failed and the run was not cancelled.
    bool ok() const;
};

/// One partition of a plan, as --dry-run shows it.
struct PlannedPartition {
    Partition partition;
    /// Rows counted at the source now; nullopt when the source cannot tell.
    std::optional<std::int64_t> rows;
    /// True when --resume would skip it (the ledger records it as done).
    bool skipped = false;
    /// The source query and the target statements, where the source and target tell them.
    std::string source_query;
    std::vector<std::string> target_statements;
};

/// What a run is doing now, for live progress views and heartbeat lines. The orchestrator
/// updates it from its workers (RunOptions::monitor); snapshot() may be called from any
/// thread at any time. Thread-safe.
class RunMonitor {
public:
    struct Active {
        Partition partition;
        std::int64_t rows = 0;  ///< copied so far in this attempt
        std::optional<std::int64_t> estimated_rows;  ///< RunOptions::count_rows_first
        double seconds = 0;  ///< since the partition started
        int attempt = 1;
    };
    struct Snapshot {
        std::size_t partitions = 0;  ///< to run (what --resume skips is not counted)
        std::size_t finished = 0;    ///< done or failed
        std::size_t failed = 0;
        std::int64_t rows = 0;       ///< rows of done partitions and of those in flight
        double seconds = 0;          ///< since the run started
        std::vector<Active> active;  ///< in start order
        /// Seconds left, from the share of the work done so far (rows against estimates
        /// where known, partitions otherwise); nullopt until something is done.
        std::optional<double> eta_seconds() const;
    };
    Snapshot snapshot() const;

    // Called by the orchestrator.
    void begin(std::size_t partitions);
    std::uint64_t start(const Partition& partition);
    void estimate(std::uint64_t id, std::int64_t rows);
    void progress(std::uint64_t id, std::int64_t rows, int attempt);
    void finish(std::uint64_t id, bool ok, std::int64_t rows);

private:
    struct Slot {
        std::uint64_t id;
        Active active;
        std::chrono::steady_clock::time_point started;
    };
    mutable std::mutex mutex_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::size_t partitions_ = 0;
    std::size_t finished_ = 0;
    std::size_t failed_ = 0;
    std::int64_t rows_done_ = 0;
    std::uint64_t next_id_ = 1;
    std::vector<Slot> slots_;
};

/// What to run: tables in order and, for partitioned tables, the range.
struct Plan {
    std::vector<TableSpec> tables;
    /// Required if any table is partitioned.
    std::optional<DateRange> range;
    /// When not empty, only these partitions run (each one the plan itself yields, e.g. the
    /// mismatching partitions of a verification, for --repair); the others are left out of
    /// the report.
    std::vector<Partition> only;
};

/// Called after each partition finishes, from pool threads (serialised by the orchestrator).
using ProgressCallback = std::function<void(const PartitionResult&)>;

/// Runs plans on its own boost::asio thread pool. A failing partition does not stop the others;
/// no exception escapes a pool task. One run at a time per Orchestrator.
class Orchestrator {
public:
    /// \p source and \p target must outlive the Orchestrator.
    Orchestrator(SourceFactory& source, Target& target, RunOptions options,
                 std::shared_ptr<const Partitioner> partitioner =
                     std::make_shared<MonthlyPartitioner>());

    void on_progress(ProgressCallback callback) { progress_ = std::move(callback); }

    /// Validates every table first (source table and partition column exist, the target can take
    /// the columns) and throws Error(kind config or connection) before writing anything if one
    /// does not. Then prepares each table and copies the partitions of all tables on
    /// max_workers workers (partitions start in plan order: table by table, month by month);
    /// each worker keeps its source and target connections from one partition to the next
    /// and reads the next batch while the previous one is written. Returns one result per
    /// partition, in plan order.
    /// Setting the cancel flag interrupts statements in flight (SourceFactory::cancel(),
    /// Target::cancel()); a run interrupted during its checks throws Error(kind cancelled).
    RunReport run(const Plan& plan);

    /// The plan without running it: the same checks as run() (which write nothing), then each
    /// partition with its rows counted at the source, what --resume would skip, and the
    /// statements that would run. Writes nothing to the target: no table, ledger or run row.
    std::vector<PlannedPartition> dry_run(const Plan& plan);

    /// Compares each partition of \p plan on the source and on the target without copying:
    /// row counts and checksums, both sides read at once, on max_workers workers. A partition
    /// is done when they match and failed (error kind data) when they do not; each result's
    /// verification is set and recorded in the ledger. Throws Error(kind config) before
    /// reading rows if a table cannot be compared (missing on either side, a column missing
    /// from the target, a target that cannot be read back).
    RunReport verify(const Plan& plan);

private:
    struct TableWork;
    enum class Mode { copy, verify_only };
    RunReport run_plan(const Plan& plan);
    /// Checks every table (nothing written); throws on the first that cannot be copied.
    std::vector<TableWork> check_tables(const Plan& plan);
    /// Splits a table into partitions, prepares its target and marks what --resume skips.
    void plan_table(TableWork& table, const Plan& plan);
    /// The partitions of \p spec in \p plan: the partitioner's, then the NULL-dated rows when
    /// asked for.
    std::vector<Partition> partitions_of(const TableSpec& spec, const Plan& plan) const;
    /// Runs every partition still to run on the worker pool.
    void schedule(std::vector<TableWork>& work, const std::string& run_id, Mode mode);
    /// Per table: the target's columns and the row hashers of both sides.
    void plan_verification(std::vector<TableWork>& work);
    /// Totals per table, in plan order.
    void summarise(std::vector<TableWork>& work, RunReport& report) const;
    SourceFactory& source_;
    Target& target_;
    RunOptions options_;
    ReadConsistency source_reads_;  // of the last check_tables()
    std::shared_ptr<const Partitioner> partitioner_;
    ProgressCallback progress_;
};

/// A run id: "YYYYMMDDTHHMMSSZ-" followed by 8 random hex digits.
std::string make_run_id();

}  // namespace replicate
