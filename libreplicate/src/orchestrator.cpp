#include <replicate/orchestrator.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <ostream>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_map>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

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

struct TaskContext {
    SourceFactory& source;
    Target& target;
    const RunOptions& options;
    const std::string& run_id;
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

PartitionResult run_partition(const TaskContext& ctx, const Partition& partition,
                              const Schema& schema) {
    PartitionResult result;
    result.partition = partition;
    const auto started = std::chrono::steady_clock::now();
    auto finish = [&](PartitionStatus status) {
        result.status = status;
        result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return result;
    };
    for (int attempt = 1;; ++attempt) {
        result.attempts = attempt;
        result.rows = 0;
        result.bytes = 0;
        bool committing = false;
        try {
            check_cancel(ctx.options.cancel);
            std::unique_ptr<Source> source = ctx.source.connect();
            std::unique_ptr<Sink> sink = ctx.target.open_sink(ctx.run_id);
            sink->begin(partition, schema);
            std::unique_ptr<BatchReader> reader =
                source->read(partition, schema, ctx.options.read);
            Batch batch(schema);
            while (reader->next(batch)) {
                check_cancel(ctx.options.cancel);
                sink->write(batch);
                result.rows += static_cast<std::int64_t>(batch.rows());
                result.bytes += static_cast<std::int64_t>(batch.byte_size());
            }
            check_cancel(ctx.options.cancel);
            committing = true;
            sink->commit();
            result.error_kind.reset();
            result.error.clear();
            return finish(PartitionStatus::done);
        } catch (const Error& e) {
            result.error_kind = e.kind();
            result.error = e.what();
        } catch (const std::exception& e) {
            result.error_kind = ErrorKind::internal;
            result.error = e.what();
        } catch (...) {
            result.error_kind = ErrorKind::internal;
            result.error = "unknown exception";
        }
        if (*result.error_kind == ErrorKind::cancelled || is_cancelled(ctx.options.cancel)) {
            result.error_kind = ErrorKind::cancelled;
            return finish(PartitionStatus::cancelled);
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

RunReport Orchestrator::run_plan(const Plan& plan) {
    RunReport report;
    report.run_id = options_.run_id.empty() ? make_run_id() : options_.run_id;

    // Phase 1: check every table before writing anything.
    std::vector<Schema> schemas;
    std::vector<std::int64_t> null_rows(plan.tables.size(), 0);
    {
        std::unique_ptr<Source> source = source_.connect();
        for (std::size_t i = 0; i < plan.tables.size(); ++i) {
            const TableSpec& spec = plan.tables[i];
            if (spec.mode == TableMode::partitioned && !plan.range) {
                throw Error(ErrorKind::config,
                            spec.source.display() + " is partitioned but the plan has no range");
            }
            Schema schema = source->describe(spec.source);
            if (spec.mode == TableMode::partitioned) {
                auto it = std::find_if(schema.begin(), schema.end(), [&](const Column& c) {
                    return c.name == spec.partition_column;
                });
                if (it == schema.end()) {
                    throw Error(ErrorKind::config, "date column '" + spec.partition_column +
                                                       "' does not exist in " +
                                                       spec.source.display() +
                                                       ": fix date_column in the job file");
                }
                if (it->type.type != Type::date && it->type.type != Type::timestamp) {
                    std::ostringstream os;
                    os << "date column '" << spec.partition_column << "' of "
                       << spec.source.display() << " is " << it->type
                       << ", not a date or timestamp: name a date/datetime column";
                    throw Error(ErrorKind::config, os.str());
                }
                null_rows[i] = source->count_null_partition_rows(spec);
            }
            target_.validate(spec, schema);
            schemas.push_back(std::move(schema));
        }
    }

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

    boost::asio::thread_pool pool(static_cast<std::size_t>(options_.max_workers));
    std::mutex results_mutex;
    const TaskContext ctx{source_, target_, options_, report.run_id};
    const DateRange no_range{};

    for (std::size_t i = 0; i < plan.tables.size(); ++i) {
        const TableSpec& spec = plan.tables[i];
        const Schema& schema = schemas[i];
        TableSummary summary;
        summary.table = spec.source.display();
        summary.null_partition_rows = null_rows[i];
        if (null_rows[i] > 0 && !options_.include_null_dates) {
            REPLICATE_LOG(warning) << spec.source << ": " << null_rows[i] << " row(s) have a NULL "
                                   << spec.partition_column << " and belong to no partition";
        }
        const auto table_started = std::chrono::steady_clock::now();
        std::vector<Partition> parts = partitioner_->split(spec, plan.range.value_or(no_range));
        if (options_.include_null_dates && spec.mode == TableMode::partitioned) {
            parts.push_back(Partition{spec, std::nullopt, true});
            summary.null_rows_copied = true;
        }

        std::vector<PartitionResult> table_results(parts.size());
        std::vector<bool> to_run(parts.size(), true);
        try {
            if (is_cancelled(options_.cancel)) throw Error(ErrorKind::cancelled, "interrupted");
            target_.prepare(spec, schema);
            if (options_.resume) {
                const std::vector<LedgerEntry> done = target_.ledger().entries(spec.target);
                for (std::size_t p = 0; p < parts.size(); ++p) {
                    for (const LedgerEntry& e : done) {
                        if (e.matches(parts[p])) {
                            to_run[p] = false;
                            table_results[p].partition = parts[p];
                            table_results[p].status = PartitionStatus::skipped;
                            table_results[p].rows = e.rows;
                            break;
                        }
                    }
                }
            }
        } catch (const Error& e) {
            for (std::size_t p = 0; p < parts.size(); ++p) {
                table_results[p].partition = parts[p];
                table_results[p].status = e.kind() == ErrorKind::cancelled
                                              ? PartitionStatus::cancelled
                                              : PartitionStatus::failed;
                table_results[p].error_kind = e.kind();
                table_results[p].error = e.what();
                to_run[p] = false;
            }
            REPLICATE_LOG(error) << spec.source << ": " << e.what();
        }

        const std::size_t n_run =
            static_cast<std::size_t>(std::count(to_run.begin(), to_run.end(), true));
        Countdown countdown(n_run);
        for (std::size_t p = 0; p < parts.size(); ++p) {
            if (!to_run[p]) continue;
            boost::asio::post(pool, [&, p]() noexcept {
                PartitionResult r;
                try {
                    r = run_partition(ctx, parts[p], schema);
                } catch (...) {
                    // run_partition catches everything; this is the last line of defence so a
                    // pool thread never sees an exception (Boost 1.74 would terminate).
                    r.partition = parts[p];
                    r.status = PartitionStatus::failed;
                    r.error_kind = ErrorKind::internal;
                    r.error = "unexpected exception in task";
                }
                {
                    std::lock_guard<std::mutex> lock(results_mutex);
                    table_results[p] = r;
                    if (progress_) {
                        try {
                            progress_(r);
                        } catch (...) {
                        }
                    }
                }
                countdown.done();
            });
        }
        if (n_run > 0) countdown.wait();

        for (const PartitionResult& r : table_results) {
            switch (r.status) {
            case PartitionStatus::done: ++summary.partitions_ok; break;
            case PartitionStatus::skipped: ++summary.partitions_skipped; break;
            case PartitionStatus::failed:
            case PartitionStatus::cancelled: ++summary.partitions_failed; break;
            }
            if (r.status == PartitionStatus::done) summary.rows += r.rows;
            if (r.status == PartitionStatus::cancelled) report.cancelled = true;
            report.partitions.push_back(r);
        }
        summary.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - table_started).count();
        report.tables.push_back(summary);
    }
    pool.join();
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
    try {
        target_.end_run(record);
    } catch (const std::exception& e) {
        REPLICATE_LOG(warning) << "could not record the end of run " << report.run_id << ": "
                               << e.what();
    }
    return report;
}

}  // namespace replicate
