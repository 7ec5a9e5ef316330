#pragma once
/// \file sink.hpp
/// Where rows go, published atomically per partition.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <replicate/ledger.hpp>
#include <replicate/partition.hpp>
#include <replicate/source.hpp>
#include <replicate/types.hpp>

namespace replicate {

/// Receives the stream of one partition and publishes it atomically, together with its ledger
/// entry.
///
/// Call begin(), write() any number of times, then commit(entry). A Sink destroyed without a
/// successful commit() rolls back: the target is as before begin(). The destructor never
/// throws. Not thread-safe; one partition at a time; reusable after commit().
class Sink {
public:
    virtual ~Sink() = default;
    /// Starts a partition: for a range, the rows already in it will be replaced; for a whole
    /// table, the table will be replaced. Throws Error.
    virtual void begin(const Partition& partition, const Schema& schema) = 0;
    /// Adds rows. The batch's columns are those of the schema given to begin(). Throws Error.
    virtual void write(const Batch& batch) = 0;
    /// Publishes the partition and records \p entry (made by the orchestrator: table, range,
    /// rows, run id) in the target's ledger, atomically: once it returns, Target::ledger()
    /// lists \p entry, which --resume and the check of an unknown commit outcome rely on;
    /// after a throw, neither is published. The contract suite checks this for every sink.
    virtual void commit(const LedgerEntry& entry) = 0;
};

/// The target side: prepares tables, makes Sinks, reads the ledger.
class Target {
public:
    virtual ~Target() = default;
    /// Checks, without writing anything, that \p table can receive \p source_schema: an
    /// existing target table must have every source column. Throws Error(kind config).
    virtual void validate(const TableSpec& table, const Schema& source_schema) = 0;
    /// Creates the target table when missing (with an index on the partition column) and the
    /// ledger table. Called once per table before its partitions, from one thread.
    virtual void prepare(const TableSpec& table, const Schema& source_schema) = 0;
    /// A new Sink on its own connection. Thread-safe.
    virtual std::unique_ptr<Sink> open_sink(const std::string& run_id) = 0;
    /// Called once, from another thread, when the run is cancelled: interrupt statements and
    /// waits of the sinks so their tasks end soon. Thread-safe. Default: nothing.
    virtual void cancel() {}
    /// The ledger of this target; thread-safe, valid as long as the Target.
    virtual Ledger& ledger() = 0;
    /// The statements a Sink would run to publish \p partition (table creation when the table
    /// is missing, range delete, the insert or bulk load, the ledger row), for --dry-run plans.
    /// Writes nothing. Default: none known.
    virtual std::vector<std::string> planned_statements(const Partition& partition,
                                                        const Schema& source_schema) {
        (void)partition;
        (void)source_schema;
        return {};
    }
    /// The columns prepare() added to the existing target table of \p table because the
    /// source has them and the target did not (TargetOptions::add_new_columns), for the
    /// summary. Default: none.
    virtual std::vector<std::string> added_columns(const TableSpec& table) {
        (void)table;
        return {};
    }
    /// The columns of \p table's existing target table that fill themselves although the
    /// source has columns of their names (SQL Server computed and rowversion columns): they
    /// are not written, and verification leaves them out. Known after validate() or
    /// prepare(). Default: none.
    virtual std::vector<std::string> self_filled_columns(const TableSpec& table) {
        (void)table;
        return {};
    }
    /// A Source that reads this target's tables back, for --verify (on its own connection;
    /// Target::cancel() interrupts it). Thread-safe. Default: nullptr, the target cannot be
    /// verified.
    virtual std::unique_ptr<Source> open_reader() { return nullptr; }
    /// Records a verification of \p partition with its ledger entry, if it has one. Default:
    /// nothing is recorded.
    virtual void record_verification(const Partition& partition, const Verification& v) {
        (void)partition;
        (void)v;
    }
    /// How many partitions of one table may be written at once; 0: no limit but the run's
    /// workers. The orchestrator queues the rest of a table's partitions (other tables keep
    /// the workers). OdbcTarget: 1 with TargetOptions::table_lock (SQL Server's table lock
    /// would deadlock two writers of one table). Default: 0.
    virtual int max_writers_per_table() const { return 0; }
    /// Run history: called once before the first write of a run and once at its end. The
    /// default keeps none. Failures are logged by the orchestrator, not fatal.
    virtual void begin_run(const RunRecord& run) { (void)run; }
    virtual void end_run(const RunRecord& run) { (void)run; }
};

}  // namespace replicate
