#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <replicate/memory.hpp>
#include <replicate/orchestrator.hpp>

#include "helpers.hpp"

using namespace replicate;
using test::d;

namespace {

Schema sales_schema() {
    return {{"ID", {Type::int64}}, {"SALE_DATE", {Type::timestamp}}, {"AMOUNT", {Type::decimal, 0, 16, 4}}};
}

/// Three tables with rows spread over Jan..Jun 2025 (10 per month), plus one NULL-dated row.
std::shared_ptr<MemoryDatabase> source_db() {
    auto db = std::make_shared<MemoryDatabase>();
    for (const char* name : {"A", "B", "C"}) {
        MemoryTable t{sales_schema(), {}};
        for (int m = 1; m <= 6; ++m) {
            for (int i = 0; i < 10; ++i) {
                t.rows.push_back({Value{std::int64_t{m * 100 + i}},
                                  Value{Timestamp{Date{2025, m, 1 + i}, i, 0, 0, 0}},
                                  Value{std::string(std::to_string(m) + "." + std::to_string(i) + "000")}});
            }
        }
        t.rows.push_back({Value{std::int64_t{999}}, Value{}, Value{std::string("1.0000")}});
        db->put({"", name}, t);
    }
    return db;
}

TableSpec spec(const std::string& name) {
    TableSpec t;
    t.source = {"", name};
    t.target = {"", "t_" + name};
    t.partition_column = "SALE_DATE";
    return t;
}

Plan plan(std::vector<std::string> names, const char* from = "2025-01-01", const char* to = "2025-06-30") {
    Plan p;
    for (const auto& n : names) p.tables.push_back(spec(n));
    p.range = DateRange::inclusive(d(from), d(to));
    return p;
}

/// Watches reads: how many run at once, and in which table order they start and end.
struct Watch {
    std::atomic<int> active{0};
    std::atomic<int> peak{0};
    std::mutex mutex;
    std::vector<std::pair<std::string, char>> events;  // table, 's'tart / 'e'nd
    std::map<std::string, int> active_by_table;
    std::map<std::string, int> peak_by_table;
    void event(const std::string& table, char what) {
        std::lock_guard<std::mutex> lock(mutex);
        events.emplace_back(table, what);
        int& n = active_by_table[table];
        n += what == 's' ? 1 : -1;
        peak_by_table[table] = std::max(peak_by_table[table], n);
    }
};

class WatchedReader : public BatchReader {
public:
    WatchedReader(std::unique_ptr<BatchReader> inner, Watch& w, std::string table)
        : inner_(std::move(inner)), w_(w), table_(std::move(table)) {
        const int now = ++w_.active;
        int peak = w_.peak.load();
        while (now > peak && !w_.peak.compare_exchange_weak(peak, now)) {
        }
        w_.event(table_, 's');
    }
    ~WatchedReader() override {
        w_.event(table_, 'e');
        --w_.active;
    }
    bool next(Batch& b) override {
        std::this_thread::sleep_for(std::chrono::milliseconds(15));
        return inner_->next(b);
    }

private:
    std::unique_ptr<BatchReader> inner_;
    Watch& w_;
    std::string table_;
};

class WatchedSource : public Source {
public:
    WatchedSource(std::unique_ptr<Source> inner, Watch& w) : inner_(std::move(inner)), w_(w) {}
    Schema describe(const QualifiedName& t) override { return inner_->describe(t); }
    std::unique_ptr<BatchReader> read(const Partition& p, const Schema& s, const ReadOptions& o) override {
        return std::make_unique<WatchedReader>(inner_->read(p, s, o), w_, p.table.source.table);
    }
    std::int64_t count_null_partition_rows(const TableSpec& t) override {
        return inner_->count_null_partition_rows(t);
    }

private:
    std::unique_ptr<Source> inner_;
    Watch& w_;
};

class WatchedSourceFactory : public SourceFactory {
public:
    WatchedSourceFactory(std::shared_ptr<MemoryDatabase> db, Watch& w) : inner_(std::move(db)), w_(w) {}
    std::unique_ptr<Source> connect() override {
        ++connects;
        return std::make_unique<WatchedSource>(inner_.connect(), w_);
    }
    std::atomic<int> connects{0};

private:
    MemorySourceFactory inner_;
    Watch& w_;
};

/// A target whose sinks fail on chosen partitions, a chosen number of times, in a chosen way.
struct Fault {
    std::string table;
    std::string label;
    enum { on_begin, before_commit, after_commit } when = on_begin;
    int times = 1;  // how many attempts fail
    std::function<void()> raise;
};

class FaultyTarget : public Target {
public:
    FaultyTarget(std::shared_ptr<MemoryDatabase> db, std::vector<Fault> faults)
        : inner_(std::move(db)), faults_(std::move(faults)) {}
    void validate(const TableSpec& t, const Schema& s) override { inner_.validate(t, s); }
    void prepare(const TableSpec& t, const Schema& s) override { inner_.prepare(t, s); }
    Ledger& ledger() override { return inner_.ledger(); }
    std::unique_ptr<Sink> open_sink(const std::string& run_id) override;

    Fault* match(const Partition& p, int when) {
        std::lock_guard<std::mutex> lock(mutex_);
        for (Fault& f : faults_) {
            if (f.table == p.table.source.table && f.label == p.label() && f.when == when && f.times > 0) {
                --f.times;
                return &f;
            }
        }
        return nullptr;
    }
    MemoryTarget inner_;

private:
    std::mutex mutex_;
    std::vector<Fault> faults_;
};

class FaultySink : public Sink {
public:
    FaultySink(std::unique_ptr<Sink> inner, FaultyTarget& t) : inner_(std::move(inner)), t_(t) {}
    void begin(const Partition& p, const Schema& s) override {
        p_ = p;
        if (Fault* f = t_.match(p, Fault::on_begin)) f->raise();
        inner_->begin(p, s);
    }
    void write(const Batch& b) override { inner_->write(b); }
    void commit(const LedgerEntry& entry) override {
        if (Fault* f = t_.match(p_, Fault::before_commit)) f->raise();
        inner_->commit(entry);
        if (Fault* f = t_.match(p_, Fault::after_commit)) f->raise();
    }

private:
    std::unique_ptr<Sink> inner_;
    FaultyTarget& t_;
    Partition p_;
};

std::unique_ptr<Sink> FaultyTarget::open_sink(const std::string& run_id) {
    return std::make_unique<FaultySink>(inner_.open_sink(run_id), *this);
}

RunOptions fast(int workers) {
    RunOptions o;
    o.max_workers = workers;
    o.read.batch_rows = 3;
    o.retry.base_delay = std::chrono::milliseconds(1);
    return o;
}

const PartitionResult& result_for(const RunReport& r, const std::string& table, const std::string& label) {
    for (const PartitionResult& p : r.partitions) {
        if (p.partition.table.source.table == table && p.partition.label() == label) return p;
    }
    FAIL("no result for " << table << " " << label);
    return r.partitions.front();
}

}  // namespace

TEST_CASE("never more than max-workers partitions at once; each worker keeps its source connection") {
    for (int workers : {1, 2, 4}) {
        CAPTURE(workers);
        auto src = source_db();
        auto dst = std::make_shared<MemoryDatabase>();
        Watch watch;
        WatchedSourceFactory source(src, watch);
        MemoryTarget target(dst);
        Orchestrator o(source, target, fast(workers));
        const RunReport report = o.run(plan({"A", "B", "C"}));
        CHECK(report.ok());
        CHECK(report.partitions.size() == 18);
        CHECK(watch.peak.load() <= workers);
        CHECK(watch.peak.load() == workers);  // 18 partitions: the budget is used
        // One connection for the checks, then one per worker for all 18 partitions.
        CHECK(source.connects.load() <= workers + 1);
        // Results come in plan order: table by table, month by month.
        for (std::size_t i = 0; i < report.partitions.size(); ++i) {
            CHECK(report.partitions[i].partition.table.source.table == std::string(1, static_cast<char>('A' + i / 6)));
            CHECK(report.partitions[i].partition.range()->lo == Date{2025, static_cast<int>(i % 6) + 1, 1});
        }
        for (const char* name : {"A", "B", "C"}) {
            const MemoryTable copied = dst->get({"", std::string("t_") + name});
            CHECK(copied.rows.size() == 60);  // the NULL-dated row belongs to no month
        }
        REQUIRE(report.tables.size() == 3);
        CHECK(report.tables[0].null_partition_rows == 1);
        CHECK(report.tables[0].rows == 60);
    }
}

TEST_CASE("a target that takes table locks gets one writer per table; other tables keep the workers") {
    // SQL Server's WITH (TABLOCK): two writers of one table would deadlock (each month's
    // DELETE holds an intent lock the other's table lock waits for).
    class TableLockTarget : public Target {
    public:
        explicit TableLockTarget(std::shared_ptr<MemoryDatabase> db) : inner_(std::move(db)) {}
        void validate(const TableSpec& t, const Schema& s) override { inner_.validate(t, s); }
        void prepare(const TableSpec& t, const Schema& s) override { inner_.prepare(t, s); }
        Ledger& ledger() override { return inner_.ledger(); }
        std::unique_ptr<Sink> open_sink(const std::string& run_id) override {
            return inner_.open_sink(run_id);
        }
        int max_writers_per_table() const override { return 1; }

    private:
        MemoryTarget inner_;
    };
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    Watch watch;
    WatchedSourceFactory source(src, watch);
    TableLockTarget target(dst);
    Orchestrator o(source, target, fast(4));
    const RunReport report = o.run(plan({"A", "B", "C"}));
    CHECK(report.ok());
    CHECK(report.partitions.size() == 18);
    for (const char* name : {"A", "B", "C"}) {
        CAPTURE(name);
        CHECK(watch.peak_by_table[name] == 1);
        CHECK(dst->get({"", std::string("t_") + name}).rows.size() == 60);
    }
    CHECK(watch.peak.load() == 3);  // the three tables side by side
    // Without the limit, the same run writes months of one table at once.
    Watch free_watch;
    WatchedSourceFactory free_source(src, free_watch);
    MemoryTarget free_target(std::make_shared<MemoryDatabase>());
    CHECK(Orchestrator(free_source, free_target, fast(4)).run(plan({"A"})).ok());
    CHECK(free_watch.peak_by_table["A"] > 1);
}

TEST_CASE("a nightly run of several one-partition tables runs them side by side") {
    // Before, tables ran one after another: one worker busy, the others idle.
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    Watch watch;
    WatchedSourceFactory source(src, watch);
    MemoryTarget target(dst);
    Orchestrator o(source, target, fast(3));
    const RunReport report = o.run(plan({"A", "B", "C"}, "2025-03-01", "2025-03-10"));
    CHECK(report.ok());
    REQUIRE(report.partitions.size() == 3);
    CHECK(watch.peak.load() == 3);
    for (const char* name : {"A", "B", "C"}) {
        CHECK(dst->get({"", std::string("t_") + name}).rows.size() == 10);
    }
}

TEST_CASE("one failing partition leaves the others done and the run failed; data errors are not retried") {
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    MemorySourceFactory source(src);
    FaultyTarget target(dst, {Fault{"B", "2025-03-01..2025-04-01", Fault::on_begin, 5,
                                    [] { throw Error(ErrorKind::data, "value too long for column X"); }}});
    Orchestrator o(source, target, fast(2));
    const RunReport report = o.run(plan({"A", "B", "C"}));
    CHECK_FALSE(report.ok());
    CHECK_FALSE(report.cancelled);
    const PartitionResult& bad = result_for(report, "B", "2025-03-01..2025-04-01");
    CHECK(bad.status == PartitionStatus::failed);
    CHECK(bad.error_kind == ErrorKind::data);
    CHECK(bad.attempts == 1);
    CHECK(bad.error.find("column X") != std::string::npos);
    int done = 0;
    for (const PartitionResult& r : report.partitions) done += r.status == PartitionStatus::done;
    CHECK(done == 17);
    CHECK(dst->get({"", "t_C"}).rows.size() == 60);
    CHECK(dst->get({"", "t_B"}).rows.size() == 50);
    CHECK(report.tables[1].partitions_failed == 1);
    CHECK(report.tables[1].partitions_ok == 5);
}

TEST_CASE("transient errors are retried up to the limit; exceptions of any type never escape a task") {
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    MemorySourceFactory source(src);
    FaultyTarget target(dst, {
        Fault{"A", "2025-01-01..2025-02-01", Fault::on_begin, 2, [] { throw Error(ErrorKind::transient, "deadlock victim", "40001", 1205); }},
        Fault{"A", "2025-02-01..2025-03-01", Fault::on_begin, 9, [] { throw Error(ErrorKind::transient, "deadlock victim", "40001", 1205); }},
        Fault{"A", "2025-03-01..2025-04-01", Fault::on_begin, 1, [] { throw std::runtime_error("boom"); }},
        Fault{"A", "2025-04-01..2025-05-01", Fault::on_begin, 1, [] { throw 42; }},
    });
    Orchestrator o(source, target, fast(2));
    const RunReport report = o.run(plan({"A"}));
    const PartitionResult& jan = result_for(report, "A", "2025-01-01..2025-02-01");
    CHECK(jan.status == PartitionStatus::done);
    CHECK(jan.attempts == 3);
    CHECK(jan.rows == 10);
    const PartitionResult& feb = result_for(report, "A", "2025-02-01..2025-03-01");
    CHECK(feb.status == PartitionStatus::failed);
    CHECK(feb.attempts == 3);
    CHECK(feb.error_kind == ErrorKind::transient);
    CHECK(result_for(report, "A", "2025-03-01..2025-04-01").error_kind == ErrorKind::internal);
    CHECK(result_for(report, "A", "2025-04-01..2025-05-01").error == "unknown exception");
    CHECK(result_for(report, "A", "2025-05-01..2025-06-01").status == PartitionStatus::done);
}

TEST_CASE("a commit whose outcome is unknown is checked against the ledger, not redone") {
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    MemorySourceFactory source(src);
    int raised = 0;
    FaultyTarget target(dst, {Fault{"A", "2025-01-01..2025-02-01", Fault::after_commit, 1, [&] {
                                        ++raised;
                                        throw Error(ErrorKind::transient, "connection lost during commit", "08S01");
                                    }}});
    Orchestrator o(source, target, fast(1));
    const RunReport report = o.run(plan({"A"}));
    CHECK(raised == 1);
    const PartitionResult& jan = result_for(report, "A", "2025-01-01..2025-02-01");
    CHECK(jan.status == PartitionStatus::done);
    CHECK(jan.attempts == 1);
    CHECK(dst->get({"", "t_A"}).rows.size() == 60);
}

TEST_CASE("a commit that reports any kind of error is settled from the ledger, not only a lost connection") {
    // A driver may answer a commit that did go through with a data or internal error (the
    // connection died while the answer was on its way): the ledger decides, whatever the kind.
    for (const ErrorKind kind : {ErrorKind::data, ErrorKind::internal, ErrorKind::config}) {
        INFO(to_string(kind));
        auto src = source_db();
        auto dst = std::make_shared<MemoryDatabase>();
        MemorySourceFactory source(src);
        FaultyTarget target(dst, {Fault{"A", "2025-01-01..2025-02-01", Fault::after_commit, 1, [kind] {
                                            throw Error(kind, "commit answered with an error");
                                        }}});
        const RunReport report = Orchestrator(source, target, fast(1)).run(plan({"A"}));
        const PartitionResult& jan = result_for(report, "A", "2025-01-01..2025-02-01");
        CHECK(jan.status == PartitionStatus::done);
        CHECK(jan.attempts == 1);
        CHECK(report.ok());
        CHECK(dst->get({"", "t_A"}).rows.size() == 60);
    }
    // A commit that failed before committing is not taken for done.
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    MemorySourceFactory source(src);
    FaultyTarget target(dst, {Fault{"A", "2025-01-01..2025-02-01", Fault::before_commit, 1, [] {
                                        throw Error(ErrorKind::data, "value does not fit");
                                    }}});
    const RunReport report = Orchestrator(source, target, fast(1)).run(plan({"A"}));
    CHECK(result_for(report, "A", "2025-01-01..2025-02-01").status == PartitionStatus::failed);
}

TEST_CASE("running the same range twice leaves the target as after one run; --resume skips done months") {
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    MemorySourceFactory source(src);
    MemoryTarget target(dst);
    const RunReport first = Orchestrator(source, target, fast(2)).run(plan({"A"}));
    REQUIRE(first.ok());
    REQUIRE(first.partitions.size() == 6);
    const MemoryTable once = dst->get({"", "t_A"});
    // The first run copied exactly the 60 dated rows (not the NULL-dated one), else "the
    // same as after one run" would compare two wrong tables.
    REQUIRE(once.rows.size() == 60);
    const RunReport again = Orchestrator(source, target, fast(2)).run(plan({"A"}));
    CHECK(again.ok());
    MemoryTable twice = dst->get({"", "t_A"});
    CHECK(twice.rows.size() == once.rows.size());
    auto sorted = [](std::vector<std::vector<Value>> rows) {
        std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
            return std::get<std::int64_t>(a[0].data) < std::get<std::int64_t>(b[0].data);
        });
        return rows;
    };
    CHECK(sorted(twice.rows) == sorted(once.rows));
    CHECK(dst->ledger().size() == 6);

    RunOptions resume = fast(2);
    resume.resume = true;
    const RunReport resumed = Orchestrator(source, target, resume).run(plan({"A"}, "2025-01-01", "2025-07-31"));
    int skipped = 0;
    for (const PartitionResult& r : resumed.partitions) skipped += r.status == PartitionStatus::skipped;
    CHECK(skipped == 6);
    CHECK(result_for(resumed, "A", "2025-07-01..2025-08-01").status == PartitionStatus::done);
    CHECK(resumed.tables[0].partitions_skipped == 6);
}

TEST_CASE("cancellation: nothing starts after the flag is set and the run says so") {
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    MemorySourceFactory source(src);
    MemoryTarget target(dst);
    std::atomic<bool> cancel{true};
    RunOptions o = fast(2);
    o.cancel = &cancel;
    const RunReport report = Orchestrator(source, target, o).run(plan({"A"}));
    CHECK(report.cancelled);
    CHECK_FALSE(report.ok());
    for (const PartitionResult& r : report.partitions) CHECK(r.status == PartitionStatus::cancelled);
    CHECK(dst->ledger().empty());
}

TEST_CASE("validation happens before any write: a missing table or date column throws config") {
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    MemorySourceFactory source(src);
    MemoryTarget target(dst);
    Orchestrator o(source, target, fast(2));
    CHECK(test::error_kind([&] { o.run(plan({"A", "MISSING"})); }) == ErrorKind::config);
    CHECK_FALSE(dst->contains({"", "t_A"}));
    Plan p = plan({"A"});
    p.tables[0].partition_column = "NOPE";
    std::string msg;
    CHECK(test::error_kind([&] { o.run(p); }, &msg) == ErrorKind::config);
    CHECK(msg.find("NOPE") != std::string::npos);
    p.tables[0].partition_column = "AMOUNT";
    CHECK(test::error_kind([&] { o.run(p); }, &msg) == ErrorKind::config);
    CHECK(msg.find("not a date") != std::string::npos);
    CHECK(dst->ledger().empty());
    CHECK(test::error_kind([&] { Orchestrator(source, target, fast(0)); }) == ErrorKind::config);
}

TEST_CASE("retry delays grow exponentially with jitter and a cap") {
    RetryPolicy p;
    p.base_delay = std::chrono::milliseconds(100);
    p.max_delay = std::chrono::milliseconds(1000);
    for (int i = 0; i < 50; ++i) {
        const auto d2 = p.delay_before(2).count();
        const auto d3 = p.delay_before(3).count();
        const auto d9 = p.delay_before(9).count();
        CHECK(d2 >= 50);
        CHECK(d2 <= 100);
        CHECK(d3 >= 100);
        CHECK(d3 <= 200);
        CHECK(d9 <= 1000);
        CHECK(d9 >= 500);
    }
}

TEST_CASE("rows with a NULL date: counted and left out by default, copied as their own partition on request") {
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    MemorySourceFactory source(src);
    MemoryTarget target(dst);
    const RunReport plain = Orchestrator(source, target, fast(2)).run(plan({"A"}));
    CHECK(plain.tables[0].null_partition_rows == 1);
    CHECK_FALSE(plain.tables[0].null_rows_copied);
    CHECK(dst->get({"", "t_A"}).rows.size() == 60);

    RunOptions with = fast(2);
    with.include_null_dates = true;
    for (int run = 0; run < 2; ++run) {  // twice: replaced, never doubled
        const RunReport r = Orchestrator(source, target, with).run(plan({"A"}));
        CHECK(r.ok());
        CHECK(r.partitions.size() == 7);
        CHECK(r.tables[0].null_rows_copied);
        const PartitionResult& nulls = result_for(r, "A", "NULL dates");
        CHECK(nulls.status == PartitionStatus::done);
        CHECK(nulls.rows == 1);
        CHECK(dst->get({"", "t_A"}).rows.size() == 61);
    }
    int null_entries = 0;
    for (const LedgerEntry& e : dst->ledger()) null_entries += e.range_lo == "NULL" && e.range_hi == "NULL";
    CHECK(null_entries == 1);
    with.resume = true;
    const RunReport resumed = Orchestrator(source, target, with).run(plan({"A"}));
    CHECK(result_for(resumed, "A", "NULL dates").status == PartitionStatus::skipped);
}

TEST_CASE("a dry run counts each partition's rows, marks what --resume skips, and writes nothing") {
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    MemorySourceFactory source(src);
    MemoryTarget target(dst);
    RunOptions options = fast(2);
    options.include_null_dates = true;
    Orchestrator o(source, target, options);
    const std::vector<PlannedPartition> planned = o.dry_run(plan({"A", "B"}, "2025-01-01", "2025-03-31"));
    REQUIRE(planned.size() == 8);  // 3 months and the NULL-dated rows, per table
    for (const PlannedPartition& p : planned) {
        REQUIRE(p.rows);
        CHECK(*p.rows == (p.partition.null_dates() ? 1 : 10));
        CHECK_FALSE(p.skipped);
    }
    CHECK_FALSE(dst->contains({"", "t_A"}));  // no table, no ledger row
    CHECK(target.ledger().entries({"", "t_A"}).empty());

    // After a run, a dry run with --resume marks every partition as done.
    CHECK(Orchestrator(source, target, options).run(plan({"A", "B"}, "2025-01-01", "2025-03-31")).ok());
    options.resume = true;
    for (const PlannedPartition& p : Orchestrator(source, target, options)
                                         .dry_run(plan({"A", "B"}, "2025-01-01", "2025-03-31"))) {
        CHECK(p.skipped);
    }
}

TEST_CASE("the checks before a run retry a transient failure (a lock timeout) on a new connection") {
    // describe() fails the first \p failures times with \p kind, as a source table locked past
    // [source] lock_timeout does.
    class FlakySource : public Source {
    public:
        FlakySource(std::unique_ptr<Source> inner, std::atomic<int>& failures, ErrorKind kind,
                    std::atomic<int>& calls)
            : inner_(std::move(inner)), failures_(failures), kind_(kind), calls_(calls) {}
        Schema describe(const QualifiedName& t) override {
            ++calls_;
            if (failures_-- > 0) throw Error(kind_, "canceling statement due to lock timeout", "55P03");
            return inner_->describe(t);
        }
        std::unique_ptr<BatchReader> read(const Partition& p, const Schema& s, const ReadOptions& o) override {
            return inner_->read(p, s, o);
        }
        std::int64_t count_null_partition_rows(const TableSpec& t) override {
            return inner_->count_null_partition_rows(t);
        }

    private:
        std::unique_ptr<Source> inner_;
        std::atomic<int>& failures_;
        ErrorKind kind_;
        std::atomic<int>& calls_;
    };
    class FlakyFactory : public SourceFactory {
    public:
        FlakyFactory(std::shared_ptr<MemoryDatabase> db, int failures, ErrorKind kind)
            : inner_(std::move(db)), failures_(failures), kind_(kind) {}
        std::unique_ptr<Source> connect() override {
            ++connects;
            return std::make_unique<FlakySource>(inner_.connect(), failures_, kind_, calls);
        }
        std::atomic<int> connects{0};
        std::atomic<int> calls{0};

    private:
        MemorySourceFactory inner_;
        std::atomic<int> failures_;
        ErrorKind kind_;
    };
    auto src = source_db();
    {
        FlakyFactory source(src, 2, ErrorKind::transient);
        MemoryTarget target(std::make_shared<MemoryDatabase>());
        const RunReport report = Orchestrator(source, target, fast(2)).run(plan({"A"}));
        CHECK(report.ok());
        CHECK(source.calls.load() >= 3);  // two failures, then the check that passed
        CHECK(source.connects.load() >= 3);  // each retry on a new connection
    }
    {
        FlakyFactory source(src, 5, ErrorKind::transient);  // more than the 3 attempts
        MemoryTarget target(std::make_shared<MemoryDatabase>());
        CHECK(test::error_kind([&] { Orchestrator(source, target, fast(2)).run(plan({"A"})); }) ==
              ErrorKind::transient);
        CHECK(source.calls.load() == 3);
    }
    {
        FlakyFactory source(src, 1, ErrorKind::config);  // never retried
        MemoryTarget target(std::make_shared<MemoryDatabase>());
        CHECK(test::error_kind([&] { Orchestrator(source, target, fast(2)).run(plan({"A"})); }) ==
              ErrorKind::config);
        CHECK(source.calls.load() == 1);
    }
}
