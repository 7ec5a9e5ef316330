#include <replicate/orchestrator.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <functional>
#include <optional>
#include <exception>
#include <future>
#include <mutex>
#include <ostream>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_map>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/log/attributes/attribute_set.hpp>
#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core.hpp>

#include <replicate/calendar.hpp>

#include "checksum.hpp"
#include "log.hpp"

namespace replicate {

std::string_view to_string(PartitionStatus s) {
    switch (s) {
    case PartitionStatus::done: return "done";
    case PartitionStatus::failed: return "failed";
    case PartitionStatus::skipped: return "skipped";
    case PartitionStatus::cancelled: return "cancelled";
    }
    return "?";
}

bool operator==(const PartitionResult& a, const PartitionResult& b) {
    return a.partition == b.partition && a.status == b.status && a.rows == b.rows &&
           a.bytes == b.bytes && a.seconds == b.seconds && a.attempts == b.attempts &&
           a.error_kind == b.error_kind && a.error == b.error;
}

std::ostream& operator<<(std::ostream& os, const PartitionResult& r) {
    os << "PartitionResult{" << r.partition << ' ' << to_string(r.status) << " rows=" << r.rows
       << " attempts=" << r.attempts;
    if (r.error_kind) os << " error(" << to_string(*r.error_kind) << ")=" << r.error;
    return os << '}';
}

bool RunReport::ok() const {
    if (cancelled) return false;
    return std::none_of(partitions.begin(), partitions.end(), [](const PartitionResult& r) {
        return r.status == PartitionStatus::failed || r.status == PartitionStatus::cancelled;
    });
}

namespace {

std::mt19937_64& rng() {
    thread_local std::mt19937_64 gen(std::random_device{}());
    return gen;
}

bool is_cancelled(const std::atomic<bool>* flag) {
    return flag != nullptr && flag->load(std::memory_order_relaxed);
}

void check_cancel(const std::atomic<bool>* flag) {
    if (is_cancelled(flag)) throw Error(ErrorKind::cancelled, "interrupted");
}

/// Sleeps up to \p d, waking early if the run is cancelled.
void interruptible_sleep(std::chrono::milliseconds d, const std::atomic<bool>* cancel) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!is_cancelled(cancel) && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
            d, std::chrono::milliseconds(50)));
    }
}

bool retryable(ErrorKind k) { return k == ErrorKind::transient || k == ErrorKind::connection; }

/// Counts finished tasks so the caller can wait for one table's partitions.
class Countdown {
public:
    explicit Countdown(std::size_t n) : left_(n) {}
    void done() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--left_ == 0) cv_.notify_all();
    }
    void wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return left_ == 0; });
    }


private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t left_;
};

}  // namespace

// ---- RunMonitor ----------------------------------------------------------------------------

void RunMonitor::begin(std::size_t partitions) {
    const std::lock_guard<std::mutex> lock(mutex_);
    started_ = std::chrono::steady_clock::now();
    partitions_ = partitions;
    finished_ = failed_ = 0;
    rows_done_ = 0;
    slots_.clear();
}

std::uint64_t RunMonitor::start(const Partition& partition) {
    const std::lock_guard<std::mutex> lock(mutex_);
    Slot slot{next_id_++, Active{}, std::chrono::steady_clock::now()};
    slot.active.partition = partition;
    slots_.push_back(std::move(slot));
    return slots_.back().id;
}

void RunMonitor::estimate(std::uint64_t id, std::int64_t rows) {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (Slot& s : slots_) {
        if (s.id == id) s.active.estimated_rows = rows;
    }
}

void RunMonitor::progress(std::uint64_t id, std::int64_t rows, int attempt) {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (Slot& s : slots_) {
        if (s.id != id) continue;
        s.active.rows = rows;
        s.active.attempt = attempt;
    }
}

void RunMonitor::finish(std::uint64_t id, bool ok, std::int64_t rows) {
    const std::lock_guard<std::mutex> lock(mutex_);
    slots_.erase(std::remove_if(slots_.begin(), slots_.end(),
                                [&](const Slot& s) { return s.id == id; }),
                 slots_.end());
    ++finished_;
    if (!ok) ++failed_;
    if (ok) rows_done_ += rows;
}

RunMonitor::Snapshot RunMonitor::snapshot() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    Snapshot snap;
    snap.partitions = partitions_;
    snap.finished = finished_;
    snap.failed = failed_;
    snap.rows = rows_done_;
    snap.seconds = std::chrono::duration<double>(now - started_).count();
    for (const Slot& s : slots_) {
        Active a = s.active;
        a.seconds = std::chrono::duration<double>(now - s.started).count();
        snap.rows += a.rows;
        snap.active.push_back(std::move(a));
    }
    return snap;
}

std::optional<double> RunMonitor::Snapshot::eta_seconds() const {
    if (partitions == 0) return std::nullopt;
    double done = static_cast<double>(finished);
    for (const Active& a : active) {
        if (a.estimated_rows && *a.estimated_rows > 0) {
            done += std::min(1.0, static_cast<double>(a.rows) / static_cast<double>(*a.estimated_rows));
        }
    }
    if (done <= 0 || seconds <= 0) return std::nullopt;
    return seconds * (static_cast<double>(partitions) - done) / done;
}

std::chrono::milliseconds RetryPolicy::delay_before(int attempt) const {
    if (attempt <= 1) return std::chrono::milliseconds(0);
    const int shift = std::min(attempt - 2, 20);
    const auto full = std::min<std::chrono::milliseconds::rep>(
        base_delay.count() * (std::chrono::milliseconds::rep{1} << shift), max_delay.count());
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    return std::chrono::milliseconds(
        static_cast<std::chrono::milliseconds::rep>(static_cast<double>(full) * jitter(rng())));
}

std::string make_run_id() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &utc);
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "-%08x", static_cast<unsigned>(rng()() & 0xffffffffu));
    return std::string(buf) + suffix;
}

Orchestrator::Orchestrator(SourceFactory& source, Target& target, RunOptions options,
                           std::shared_ptr<const Partitioner> partitioner)
    : source_(source),
      target_(target),
      options_(std::move(options)),
      partitioner_(std::move(partitioner)) {
    if (options_.max_workers < 1) {
        throw Error(ErrorKind::config, "max-workers must be at least 1, got " +
                                           std::to_string(options_.max_workers));
    }
    if (options_.retry.max_attempts < 1) {
        throw Error(ErrorKind::config, "retry attempts must be at least 1, got " +
                                           std::to_string(options_.retry.max_attempts));
    }
}

namespace {

/// A worker's connections: one source and one sink, kept from one partition to the next.
/// Opened when first needed; dropped after a failed attempt (the connection may be broken).
struct WorkerSession {
    std::unique_ptr<Source> source;
    std::unique_ptr<Sink> sink;
    std::unique_ptr<Source> check;  ///< reads the target back (--verify)
};

/// Idle worker sessions. At most max_workers exist, since that many tasks run at once.
class SessionPool {
public:
    WorkerSession take() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (idle_.empty()) return {};
        WorkerSession s = std::move(idle_.back());
        idle_.pop_back();
        return s;
    }
    void give_back(WorkerSession s) {
        std::lock_guard<std::mutex> lock(mutex_);
        idle_.push_back(std::move(s));
    }
    /// Closes every idle connection.
    void close() {
        std::vector<WorkerSession> idle;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            idle.swap(idle_);
        }
    }

private:
    std::mutex mutex_;
    std::vector<WorkerSession> idle_;
};

struct TaskContext {
    SourceFactory& source;
    Target& target;
    const RunOptions& options;
    const std::string& run_id;
    SessionPool& sessions;
};

/// What verifying a table needs: the target's columns and the row hashers of both sides.
struct TableVerify {
    Schema target_schema;
    detail::RowHasher source;
    detail::RowHasher target;
};

/// \p p as read back from the target: the same range of the target table.
Partition on_target(const Partition& p) {
    Partition t = p;
    t.table.source = t.table.target;
    return t;
}

/// The text of a constant string attribute in \p attrs, or "".
std::string attribute_text(const boost::log::attribute_set& attrs, const char* name) {
    const auto it = attrs.find(name);
    if (it == attrs.end()) return {};
    const auto value = it->second.get_value().extract<std::string>();
    return value ? *value : std::string();
}

/// Reads a partition on its own thread while the caller writes: the reader fills the next
/// batch while the sink sends the previous one. Two batches, so memory stays bounded.
class ReadAhead {
public:
    /// \p observe, if set, sees each batch on the reading thread before it is handed over
    /// (the source side of a verification is hashed there, off the writer's path).
    ReadAhead(BatchReader& reader, const Schema& schema, const std::atomic<bool>* cancel,
              std::function<void(const Batch&)> observe = {})
        : reader_(reader), cancel_(cancel), observe_(std::move(observe)) {
        // The reading thread logs with the partition of the thread that made it.
        const auto attrs = boost::log::core::get()->get_thread_attributes();
        table_ = attribute_text(attrs, "Table");
        range_ = attribute_text(attrs, "Range");
        for (int i = 0; i < 2; ++i) free_.emplace_back(schema);
        thread_ = std::thread([this] { run(); });
    }
    ~ReadAhead() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    ReadAhead(const ReadAhead&) = delete;
    ReadAhead& operator=(const ReadAhead&) = delete;

    /// The next filled batch, or nullptr at the end of the stream; rethrows the reader's error.
    Batch* next() {
        std::unique_lock<std::mutex> lock(mutex_);
        if (current_) {
            free_.push_back(std::move(*current_));
            current_.reset();
            cv_.notify_all();
        }
        cv_.wait(lock, [&] { return !full_.empty() || done_; });
        if (!full_.empty()) {
            current_ = std::move(full_.front());
            full_.pop_front();
            return &*current_;
        }
        if (error_) std::rethrow_exception(error_);
        return nullptr;
    }

private:
    void run() noexcept {
        const detail::LogScope scope(table_, range_);
        try {
            for (;;) {
                Batch batch;
                {
                    std::unique_lock<std::mutex> lock(mutex_);
                    cv_.wait(lock, [&] { return !free_.empty() || stop_; });
                    if (stop_) break;
                    batch = std::move(free_.back());
                    free_.pop_back();
                }
                if (is_cancelled(cancel_)) throw Error(ErrorKind::cancelled, "interrupted");
                const bool more = reader_.next(batch);
                if (more && observe_) observe_(batch);
                std::lock_guard<std::mutex> lock(mutex_);
                if (!more) break;
                full_.push_back(std::move(batch));
                cv_.notify_all();
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            error_ = std::current_exception();
        }
        std::lock_guard<std::mutex> lock(mutex_);
        done_ = true;
        cv_.notify_all();
    }

    std::string table_;
    std::string range_;
    BatchReader& reader_;
    const std::atomic<bool>* cancel_;
    std::function<void(const Batch&)> observe_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Batch> free_;
    std::deque<Batch> full_;
    std::optional<Batch> current_;
    bool stop_ = false;
    bool done_ = false;
    std::exception_ptr error_;
    std::thread thread_;
};

/// True if the ledger shows that this run committed \p partition (used when a commit's outcome
/// is unknown: the connection broke while committing).
bool committed_by_this_run(Target& target, const Partition& partition, const std::string& run_id) {
    try {
        for (const LedgerEntry& e : target.ledger().entries(partition.table.target)) {
            if (e.matches(partition) && e.run_id == run_id) return true;
        }
    } catch (const std::exception& e) {
        REPLICATE_LOG(warning) << "could not read the ledger to check an unknown commit: "
                               << e.what();
    }
    return false;
}

/// Inside a catch block: the exception in flight as \p result's error kind and message.
/// Records the exception being handled in \p result; returns true if it asks for the
/// partition to be read again at once (is_read_again).
bool capture_error(PartitionResult& result) noexcept {
    try {
        throw;
    } catch (const Error& e) {
        result.error_kind = e.kind();
        result.error = e.what();
        return is_read_again(e);
    } catch (const std::exception& e) {
        result.error_kind = ErrorKind::internal;
        result.error = e.what();
    } catch (...) {
        result.error_kind = ErrorKind::internal;
        result.error = "unknown exception";
    }
    return false;
}

/// Reads again that a partition may ask for at most (each learns a wider buffer or reading
/// row by row, so a few suffice).
constexpr int max_rereads = 4;

/// The checksum of \p partition's rows as \p source reads them (reading and hashing overlap).
detail::Checksum checksum_of(Source& source, const Partition& partition, const Schema& schema,
                             detail::RowHasher hasher, const RunOptions& options) {
    detail::Checksum sum;
    const std::unique_ptr<BatchReader> reader = source.read(partition, schema, options.read);
    ReadAhead ahead(*reader, schema, options.cancel);
    while (const Batch* batch = ahead.next()) {
        check_cancel(options.cancel);
        hasher.add(*batch, sum);
    }
    return sum;
}

/// Builds \p result's verification, records it in the ledger and says whether it matched.
/// \p copied: the partition was just copied, so a mismatch is an error of this run (logged as
/// such); --verify-only lists mismatches in its table instead.
bool settle_verification(const TaskContext& ctx, const Partition& partition,
                         const TableVerify& verify, const detail::Checksum& source,
                         const detail::Checksum& target, bool copied, PartitionResult& result) {
    Verification v = detail::make_verification(source, target);
    v.skipped_columns = verify.source.skipped();
    try {
        ctx.target.record_verification(partition, v);
    } catch (const std::exception& e) {
        REPLICATE_LOG(warning) << partition << ": could not record the verification in the "
                               << "ledger: " << e.what();
    }
    result.verification = v;
    if (v.match()) {
        REPLICATE_LOG(debug) << partition << ": verified, " << v.source_rows << " rows, "
                             << v.source_checksum;
        return true;
    }
    result.error_kind = ErrorKind::data;
    result.error = "verification failed: the source has " + std::to_string(v.source_rows) +
                   " rows (" + v.source_checksum + "), the target " +
                   std::to_string(v.target_rows) + " rows (" + v.target_checksum + ")";
    if (copied) {
        REPLICATE_LOG(error) << partition << ": " << result.error;
    } else {
        REPLICATE_LOG(info) << partition << ": " << result.error;
    }
    return false;
}

PartitionResult run_partition(const TaskContext& ctx, const Partition& partition,
                              const Schema& schema, const TableVerify* verify,
                              std::uint64_t monitor_id) {
    RunMonitor* const monitor = ctx.options.monitor;
    PartitionResult result;
    result.partition = partition;
    const auto started = std::chrono::steady_clock::now();
    auto finish = [&](PartitionStatus status) {
        result.status = status;
        result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return result;
    };
    int rereads = 0;
    for (int attempt = 1;; ++attempt) {
        result.attempts = attempt;
        result.rows = 0;
        result.bytes = 0;
        bool committing = false;
        bool read_again = false;
        WorkerSession session = ctx.sessions.take();
        try {
            check_cancel(ctx.options.cancel);
            if (!session.source) session.source = ctx.source.connect();
            if (!session.sink) session.sink = ctx.target.open_sink(ctx.run_id);
            if (monitor != nullptr) {
                monitor->progress(monitor_id, 0, attempt);
                if (ctx.options.count_rows_first && attempt == 1) {
                    if (const auto n = session.source->count_rows(partition)) {
                        monitor->estimate(monitor_id, *n);
                    }
                }
            }
            session.sink->begin(partition, schema);
            detail::Checksum source_sum;
            {
                std::unique_ptr<BatchReader> reader =
                    session.source->read(partition, schema, ctx.options.read);
                std::function<void(const Batch&)> observe;
                if (verify != nullptr) {
                    observe = [hasher = verify->source, &source_sum](const Batch& b) mutable {
                        hasher.add(b, source_sum);
                    };
                }
                ReadAhead ahead(*reader, schema, ctx.options.cancel, std::move(observe));
                while (const Batch* batch = ahead.next()) {
                    check_cancel(ctx.options.cancel);
                    session.sink->write(*batch);
                    result.rows += static_cast<std::int64_t>(batch->rows());
                    result.bytes += static_cast<std::int64_t>(batch->byte_size());
                    if (monitor != nullptr) monitor->progress(monitor_id, result.rows, attempt);
                }
            }
            check_cancel(ctx.options.cancel);
            committing = true;
            session.sink->commit(LedgerEntry::for_partition(partition, result.rows, ctx.run_id));
            committing = false;
            result.error_kind.reset();
            result.error.clear();
            if (verify != nullptr) {
                if (!session.check) session.check = ctx.target.open_reader();
                const detail::Checksum target_sum =
                    checksum_of(*session.check, on_target(partition), verify->target_schema,
                                verify->target, ctx.options);
                ctx.sessions.give_back(std::move(session));
                const bool match =
                    settle_verification(ctx, partition, *verify, source_sum, target_sum, true, result);
                return finish(match ? PartitionStatus::done : PartitionStatus::failed);
            }
            ctx.sessions.give_back(std::move(session));
            return finish(PartitionStatus::done);
        } catch (...) {
            read_again = capture_error(result);
        }
        if (*result.error_kind == ErrorKind::cancelled || is_cancelled(ctx.options.cancel)) {
            result.error_kind = ErrorKind::cancelled;
            return finish(PartitionStatus::cancelled);
        }
        // A reader that learned a wider buffer: at once, and not a failed attempt.
        if (read_again && !committing && rereads < max_rereads) {
            ++rereads;
            --attempt;
            REPLICATE_LOG(info) << partition << ": " << result.error;
            continue;
        }
        // Whatever a failed commit reported, it may have committed (a lost connection answers
        // with any error): the ledger, written in the same transaction, settles it.
        if (committing && committed_by_this_run(ctx.target, partition, ctx.run_id)) {
            REPLICATE_LOG(info) << partition << ": commit outcome was unknown; the ledger shows "
                                << "it committed";
            result.error_kind.reset();
            result.error.clear();
            return finish(PartitionStatus::done);
        }
        if (!retryable(*result.error_kind) || attempt >= ctx.options.retry.max_attempts) {
            REPLICATE_LOG(error) << partition << " failed after " << attempt
                                 << " attempt(s): " << result.error;
            return finish(PartitionStatus::failed);
        }
        const auto delay = ctx.options.retry.delay_before(attempt + 1);
        REPLICATE_LOG(warning) << partition << " attempt " << attempt << " failed ("
                               << to_string(*result.error_kind) << "): " << result.error
                               << "; retrying in " << delay.count() << " ms";
        interruptible_sleep(delay, ctx.options.cancel);
    }
}

/// --verify-only: reads \p partition on the source and on the target at once and compares.
PartitionResult verify_partition(const TaskContext& ctx, const Partition& partition,
                                 const Schema& schema, const TableVerify& verify) {
    PartitionResult result;
    result.partition = partition;
    const auto started = std::chrono::steady_clock::now();
    int rereads = 0;
    for (int attempt = 1;; ++attempt) {
        result.attempts = attempt;
        bool read_again = false;
        WorkerSession session = ctx.sessions.take();
        try {
            check_cancel(ctx.options.cancel);
            if (!session.source) session.source = ctx.source.connect();
            if (!session.check) session.check = ctx.target.open_reader();
            std::future<detail::Checksum> source_side =
                std::async(std::launch::async, [&] {
                    return checksum_of(*session.source, partition, schema, verify.source,
                                       ctx.options);
                });
            detail::Checksum target_sum;
            try {
                target_sum = checksum_of(*session.check, on_target(partition),
                                         verify.target_schema, verify.target, ctx.options);
            } catch (...) {
                source_side.wait();
                throw;
            }
            const detail::Checksum source_sum = source_side.get();
            ctx.sessions.give_back(std::move(session));
            result.error_kind.reset();
            result.error.clear();
            const bool match =
                settle_verification(ctx, partition, verify, source_sum, target_sum, false, result);
            result.rows = source_sum.rows;
            result.status = match ? PartitionStatus::done : PartitionStatus::failed;
            break;
        } catch (...) {
            read_again = capture_error(result);
        }
        if (*result.error_kind == ErrorKind::cancelled || is_cancelled(ctx.options.cancel)) {
            result.error_kind = ErrorKind::cancelled;
            result.status = PartitionStatus::cancelled;
            break;
        }
        if (read_again && rereads < max_rereads) {  // a reader learned a wider buffer
            ++rereads;
            --attempt;
            REPLICATE_LOG(info) << partition << ": " << result.error;
            continue;
        }
        if (!retryable(*result.error_kind) || attempt >= ctx.options.retry.max_attempts) {
            REPLICATE_LOG(error) << partition << ": could not verify: " << result.error;
            result.status = PartitionStatus::failed;
            break;
        }
        interruptible_sleep(ctx.options.retry.delay_before(attempt + 1), ctx.options.cancel);
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace

namespace {

/// Watches the cancel flag for the length of a run: once it is set, interrupts what the
/// source and target are executing (a statement waiting on a lock would otherwise hold the
/// run, in checks as in partitions).
class CancelWatch {
public:
    CancelWatch(const std::atomic<bool>* flag, SourceFactory& source, Target& target) {
        if (flag == nullptr) return;
        thread_ = std::thread([this, flag, &source, &target] {
            std::unique_lock<std::mutex> lock(mutex_);
            while (!stop_) {
                if (flag->load(std::memory_order_relaxed)) {
                    REPLICATE_LOG(warning) << "interrupted: cancelling the statements in flight";
                    lock.unlock();
                    source.cancel();
                    target.cancel();
                    return;
                }
                cv_.wait_for(lock, std::chrono::milliseconds(100));
            }
        });
    }
    ~CancelWatch() {
        if (!thread_.joinable()) return;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    CancelWatch(const CancelWatch&) = delete;
    CancelWatch& operator=(const CancelWatch&) = delete;

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace

RunReport Orchestrator::run(const Plan& plan) {
    const CancelWatch watch(options_.cancel, source_, target_);
    try {
        return run_plan(plan);
    } catch (const Error& e) {
        // A check interrupted by the cancel flag fails with the driver's error: it is the
        // interruption that ended it.
        if (is_cancelled(options_.cancel) && e.kind() != ErrorKind::cancelled) {
            throw Error(ErrorKind::cancelled, "interrupted");
        }
        throw;
    }
}

/// One table of a run: its checked schema and its partitions.
struct Orchestrator::TableWork {
    const TableSpec* spec = nullptr;
    Schema schema;
    std::int64_t null_rows = 0;
    std::vector<Partition> parts;
    std::vector<PartitionResult> results;
    std::vector<bool> to_run;
    std::shared_ptr<const TableVerify> verify;
    std::vector<std::string> added_columns;
    std::chrono::steady_clock::time_point first_start = std::chrono::steady_clock::time_point::max();
    std::chrono::steady_clock::time_point last_end = std::chrono::steady_clock::time_point::min();
};

RunReport Orchestrator::run_plan(const Plan& plan) {
    RunReport report;
    report.run_id = options_.run_id.empty() ? make_run_id() : options_.run_id;
    report.started_at = utc_now();
    const auto run_started = std::chrono::steady_clock::now();
    std::vector<TableWork> work = check_tables(plan);
    report.source_reads = source_reads_;

    RunRecord record;
    record.run_id = report.run_id;
    record.command = options_.command;
    record.started_at = utc_now();
    record.status = "running";
    try {
        target_.begin_run(record);
    } catch (const std::exception& e) {
        REPLICATE_LOG(warning) << "could not record the start of run " << report.run_id << ": "
                               << e.what();
    }

    for (TableWork& t : work) plan_table(t, plan);
    if (options_.verify) plan_verification(work);
    schedule(work, report.run_id, Mode::copy);
    summarise(work, report);
    if (is_cancelled(options_.cancel)) report.cancelled = true;
    for (const PartitionResult& r : report.partitions) {
        if (r.status == PartitionStatus::done) {
            ++record.partitions_ok;
            record.rows += r.rows;
        } else if (r.status != PartitionStatus::skipped) {
            ++record.partitions_failed;
        }
    }
    record.status = report.cancelled ? "cancelled" : report.ok() ? "ok" : "failed";
    record.finished_at = utc_now();
    report.finished_at = record.finished_at;
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - run_started).count();
    try {
        target_.end_run(record);
    } catch (const std::exception& e) {
        REPLICATE_LOG(warning) << "could not record the end of run " << report.run_id << ": "
                               << e.what();
    }
    return report;
}

void Orchestrator::summarise(std::vector<TableWork>& work, RunReport& report) const {
    for (TableWork& t : work) {
        TableSummary summary;
        summary.table = t.spec->source.display();
        summary.null_partition_rows = t.null_rows;
        summary.added_columns = t.added_columns;
        summary.null_rows_copied = options_.include_null_dates && t.spec->mode == TableMode::partitioned;
        for (const PartitionResult& r : t.results) {
            switch (r.status) {
            case PartitionStatus::done: ++summary.partitions_ok; break;
            case PartitionStatus::skipped: ++summary.partitions_skipped; break;
            case PartitionStatus::failed:
            case PartitionStatus::cancelled: ++summary.partitions_failed; break;
            }
            if (r.status == PartitionStatus::done) {
                summary.rows += r.rows;
                summary.bytes += r.bytes;
            }
            if (r.status == PartitionStatus::cancelled) report.cancelled = true;
            if (r.verification) {
                ++(r.verification->match() ? summary.partitions_verified
                                           : summary.partitions_mismatched);
            }
            report.partitions.push_back(r);
        }
        if (t.first_start <= t.last_end) {
            summary.seconds = std::chrono::duration<double>(t.last_end - t.first_start).count();
        }
        report.tables.push_back(summary);
    }
}

void Orchestrator::plan_verification(std::vector<TableWork>& work) {
    std::unique_ptr<Source> reader = target_.open_reader();
    if (!reader) {
        throw Error(ErrorKind::config, "this target cannot be read back, so it cannot be verified");
    }
    for (TableWork& t : work) {
        const TableSpec& spec = *t.spec;
        if (std::none_of(t.to_run.begin(), t.to_run.end(), [](bool b) { return b; })) continue;
        Schema target_schema;
        try {
            target_schema = reader->describe(spec.target);
        } catch (const Error& e) {
            throw Error(ErrorKind::config, "cannot verify " + spec.source.display() + ": " +
                                               "the target table " + spec.target.display() +
                                               " cannot be read: " + e.what());
        }
        const std::vector<std::string> own = target_.self_filled_columns(spec);
        auto v = std::make_shared<TableVerify>(
            TableVerify{target_schema, detail::RowHasher::for_source(t.schema, target_schema, own),
                        detail::RowHasher::for_target(t.schema, target_schema, own)});
        if (!v->source.skipped().empty()) {
            std::string names;
            for (const std::string& n : v->source.skipped()) names += (names.empty() ? "" : ", ") + n;
            REPLICATE_LOG(warning) << spec.source << ": not verified column(s) " << names
                                   << ": the target keeps them as another kind of value, or fills "
                                      "them itself";
        }
        t.verify = std::move(v);
    }
}

RunReport Orchestrator::verify(const Plan& plan) {
    const CancelWatch watch(options_.cancel, source_, target_);
    RunReport report;
    report.run_id = options_.run_id.empty() ? make_run_id() : options_.run_id;
    report.started_at = utc_now();
    const auto started = std::chrono::steady_clock::now();
    try {
        std::vector<TableWork> work = check_tables(plan);
        for (TableWork& t : work) {
            t.parts = partitions_of(*t.spec, plan);
            t.results.assign(t.parts.size(), PartitionResult{});
            t.to_run.assign(t.parts.size(), true);
        }
        plan_verification(work);
        schedule(work, report.run_id, Mode::verify_only);
        summarise(work, report);
    } catch (const Error& e) {
        if (is_cancelled(options_.cancel) && e.kind() != ErrorKind::cancelled) {
            throw Error(ErrorKind::cancelled, "interrupted");
        }
        throw;
    }
    if (is_cancelled(options_.cancel)) report.cancelled = true;
    report.finished_at = utc_now();
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

std::vector<Partition> Orchestrator::partitions_of(const TableSpec& spec, const Plan& plan) const {
    std::vector<Partition> parts = partitioner_->split(spec, plan.range.value_or(DateRange{}));
    if (options_.include_null_dates && spec.mode == TableMode::partitioned) {
        parts.push_back(Partition::of_null_dates(spec));
    }
    if (!plan.only.empty()) {
        parts.erase(std::remove_if(parts.begin(), parts.end(),
                                   [&](const Partition& p) {
                                       return std::find(plan.only.begin(), plan.only.end(), p) ==
                                              plan.only.end();
                                   }),
                    parts.end());
    }
    return parts;
}

std::vector<PlannedPartition> Orchestrator::dry_run(const Plan& plan) {
    const CancelWatch watch(options_.cancel, source_, target_);
    const std::vector<TableWork> work = check_tables(plan);
    std::unique_ptr<Source> source = source_.connect();
    std::vector<PlannedPartition> out;
    for (const TableWork& t : work) {
        const TableSpec& spec = *t.spec;
        const std::vector<Partition> parts = partitions_of(spec, plan);
        std::vector<LedgerEntry> done;
        if (options_.resume) done = target_.ledger().entries(spec.target);
        for (const Partition& p : parts) {
            check_cancel(options_.cancel);
            PlannedPartition planned;
            planned.partition = p;
            planned.rows = source->count_rows(p);
            planned.skipped = done_in(done, p);
            planned.source_query = source->query_text(p, t.schema);
            planned.target_statements = target_.planned_statements(p, t.schema);
            out.push_back(std::move(planned));
        }
    }
    return out;
}

std::vector<Orchestrator::TableWork> Orchestrator::check_tables(const Plan& plan) {
    // Every table is checked before anything is written. A transient failure (a lock held
    // past the source's lock timeout, a deadlock, a lost connection) is retried like a
    // partition's, on a new connection; anything else stops the run.
    std::vector<TableWork> work(plan.tables.size());
    std::unique_ptr<Source> source = source_.connect();
    source_reads_ = source->read_consistency();
    if (source_reads_.locking) {
        REPLICATE_LOG(warning) << "source reads are " << source_reads_.isolation << ": "
                               << source_reads_.advice;
    }
    for (std::size_t i = 0; i < plan.tables.size(); ++i) {
        const TableSpec& spec = plan.tables[i];
        TableWork& t = work[i];
        t.spec = &spec;
        if (spec.mode == TableMode::partitioned && !plan.range) {
            throw Error(ErrorKind::config,
                        spec.source.display() + " is partitioned but the plan has no range");
        }
        for (int attempt = 1;; ++attempt) {
            try {
                if (!source) source = source_.connect();
                t.schema = source->describe(spec.source);
                if (spec.mode == TableMode::partitioned) {
                    check_date_column(spec, t.schema);
                    t.null_rows = source->count_null_partition_rows(spec);
                }
                target_.validate(spec, t.schema);
                break;
            } catch (const Error& e) {
                if (e.kind() != ErrorKind::transient || attempt >= options_.retry.max_attempts ||
                    is_cancelled(options_.cancel)) {
                    throw;
                }
                const auto delay = options_.retry.delay_before(attempt + 1);
                REPLICATE_LOG(warning) << "checking " << spec.source << ", attempt " << attempt
                                       << " failed (transient): " << e.what() << "; retrying in "
                                       << delay.count() << " ms";
                source.reset();
                interruptible_sleep(delay, options_.cancel);
            }
        }
    }
    return work;
}

void Orchestrator::plan_table(TableWork& t, const Plan& plan) {
    const TableSpec& spec = *t.spec;
    if (t.null_rows > 0 && !options_.include_null_dates) {
        REPLICATE_LOG(warning) << spec.source << ": " << t.null_rows << " row(s) have a NULL "
                               << spec.partition_column << " and belong to no partition";
    }
    t.parts = partitions_of(spec, plan);
    t.results.assign(t.parts.size(), PartitionResult{});
    t.to_run.assign(t.parts.size(), true);
    try {
        if (is_cancelled(options_.cancel)) throw Error(ErrorKind::cancelled, "interrupted");
        target_.prepare(spec, t.schema);
        t.added_columns = target_.added_columns(spec);
        if (!options_.resume) return;
        const std::vector<LedgerEntry> done = target_.ledger().entries(spec.target);
        for (std::size_t p = 0; p < t.parts.size(); ++p) {
            if (!done_in(done, t.parts[p])) continue;
            t.to_run[p] = false;
            t.results[p].partition = t.parts[p];
            t.results[p].status = PartitionStatus::skipped;
            for (const LedgerEntry& e : done) {
                if (e.matches(t.parts[p])) t.results[p].rows = e.rows;
            }
        }
    } catch (const Error& e) {
        for (std::size_t p = 0; p < t.parts.size(); ++p) {
            t.results[p].partition = t.parts[p];
            t.results[p].status = e.kind() == ErrorKind::cancelled ? PartitionStatus::cancelled
                                                                   : PartitionStatus::failed;
            t.results[p].error_kind = e.kind();
            t.results[p].error = e.what();
            t.to_run[p] = false;
        }
        REPLICATE_LOG(error) << spec.source << ": " << e.what();
    }
}

void Orchestrator::schedule(std::vector<TableWork>& work, const std::string& run_id, Mode mode) {
    // One budget of workers (= source connections) for every partition of every table: a
    // nightly run of ten one-day tables runs them side by side, not one after another.
    SessionPool sessions;
    const TaskContext ctx{source_, target_, options_, run_id, sessions};
    std::mutex results_mutex;
    std::size_t n_run = 0;
    for (const TableWork& t : work) {
        n_run += static_cast<std::size_t>(std::count(t.to_run.begin(), t.to_run.end(), true));
    }
    Countdown countdown(n_run);
    if (options_.monitor != nullptr) options_.monitor->begin(n_run);
    // A target that takes table locks allows one writer per table at a time: the rest of the
    // table's partitions wait in its queue, not in a pool thread, so other tables keep the
    // workers busy.
    const int per_table = mode == Mode::copy ? target_.max_writers_per_table() : 0;
    std::mutex queue_mutex;
    std::vector<std::deque<std::size_t>> queued(work.size());
    {
        boost::asio::thread_pool pool(static_cast<std::size_t>(options_.max_workers));
        std::function<void(std::size_t, std::size_t)> launch;
        launch = [&](std::size_t table, std::size_t p) {
            TableWork* tw = &work[table];
            boost::asio::post(pool, [&, p, table, tw]() noexcept {
                const auto started = std::chrono::steady_clock::now();
                PartitionResult r;
                const detail::LogScope scope(tw->parts[p].table.source.display(),
                                             tw->parts[p].label());
                const std::uint64_t monitor_id =
                    options_.monitor != nullptr ? options_.monitor->start(tw->parts[p]) : 0;
                try {
                    r = mode == Mode::copy
                            ? run_partition(ctx, tw->parts[p], tw->schema, tw->verify.get(),
                                            monitor_id)
                            : verify_partition(ctx, tw->parts[p], tw->schema, *tw->verify);
                } catch (...) {
                    // run_partition catches everything; this is the last line of defence
                    // so a pool thread never sees an exception (Boost 1.74 would terminate).
                    r.partition = tw->parts[p];
                    r.status = PartitionStatus::failed;
                    r.error_kind = ErrorKind::internal;
                    r.error = "unexpected exception in task";
                }
                if (options_.monitor != nullptr) {
                    options_.monitor->finish(monitor_id, r.status == PartitionStatus::done,
                                             r.rows);
                }
                {
                    std::lock_guard<std::mutex> lock(results_mutex);
                    tw->first_start = std::min(tw->first_start, started);
                    tw->last_end = std::max(tw->last_end, std::chrono::steady_clock::now());
                    tw->results[p] = r;
                    if (progress_) {
                        try {
                            progress_(r);
                        } catch (...) {
                        }
                    }
                }
                std::optional<std::size_t> next;
                {
                    std::lock_guard<std::mutex> lock(queue_mutex);
                    if (!queued[table].empty()) {
                        next = queued[table].front();
                        queued[table].pop_front();
                    }
                }
                if (next) launch(table, *next);
                countdown.done();
            });
        };
        // Every table's partitions are queued before any starts, so a task that ends at once
        // still finds the rest of its table's queue.
        for (std::size_t table = 0; table < work.size(); ++table) {
            for (std::size_t p = 0; p < work[table].parts.size(); ++p) {
                if (work[table].to_run[p]) queued[table].push_back(p);
            }
        }
        for (std::size_t table = 0; table < work.size(); ++table) {
            std::vector<std::size_t> first;
            {
                std::lock_guard<std::mutex> lock(queue_mutex);
                while (!queued[table].empty() &&
                       (per_table <= 0 || first.size() < static_cast<std::size_t>(per_table))) {
                    first.push_back(queued[table].front());
                    queued[table].pop_front();
                }
            }
            for (std::size_t p : first) launch(table, p);
        }
        if (n_run > 0) countdown.wait();
        pool.join();
    }
    sessions.close();
}

}  // namespace replicate
