#pragma once
/// \file source.hpp
/// Where rows come from.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <replicate/partition.hpp>
#include <replicate/types.hpp>

namespace replicate {

/// How much one Batch may hold. A batch ends at whichever limit it reaches first, so a
/// 197-column table with long text cannot blow up memory. A worker of the orchestrator holds
/// two batches (one read ahead while the other is written).
struct ReadOptions {
    std::size_t batch_rows = 10000;
    std::size_t batch_bytes = std::size_t{16} << 20;
    friend bool operator==(const ReadOptions& a, const ReadOptions& b) {
        return a.batch_rows == b.batch_rows && a.batch_bytes == b.batch_bytes;
    }
};

/// A stream of batches for one partition. Not thread-safe.
class BatchReader {
public:
    virtual ~BatchReader() = default;
    /// Clears \p batch and fills it with the next rows. Returns false, with \p batch empty,
    /// when the stream is exhausted. Throws Error.
    virtual bool next(Batch& batch) = 0;
};

/// How a source's reads treat the source's own writers.
struct ReadConsistency {
    /// The isolation the reads use, for people: "snapshot", "read committed (row versions)",
    /// "read committed (locking)", "read uncommitted"; empty when the source does not say.
    std::string isolation;
    /// True if a read can hold shared locks that block the source's writers while the target
    /// is written (SQL Server at READ COMMITTED without READ_COMMITTED_SNAPSHOT).
    bool locking = false;
    /// One line for people: what to change when \c locking, else empty.
    std::string advice;
    friend bool operator==(const ReadConsistency& a, const ReadConsistency& b) {
        return a.isolation == b.isolation && a.locking == b.locking && a.advice == b.advice;
    }
};

/// One connection's worth of reading. Not thread-safe: each task owns its own Source.
class Source {
public:
    virtual ~Source() = default;
    /// The columns of \p table in table order. Throws Error(kind config) if it does not exist.
    virtual Schema describe(const QualifiedName& table) = 0;
    /// Opens the rows of \p partition (all columns of \p schema, in that order).
    virtual std::unique_ptr<BatchReader> read(const Partition& partition, const Schema& schema,
                                              const ReadOptions& options) = 0;
    /// Rows of a partitioned table whose partition column is NULL: no month holds them.
    virtual std::int64_t count_null_partition_rows(const TableSpec& table) = 0;
    /// The rows of \p partition, counted now at the source (for --dry-run plans); nullopt when
    /// this source cannot tell. Reads, never writes. Default: nullopt.
    virtual std::optional<std::int64_t> count_rows(const Partition& partition) {
        (void)partition;
        return std::nullopt;
    }
    /// The query read() runs for \p partition, for plans; empty when not known. Default: empty.
    virtual std::string query_text(const Partition& partition, const Schema& schema) {
        (void)partition;
        (void)schema;
        return {};
    }
    /// How this source's reads treat its writers (for the summary and test_connection).
    /// Default: not known (empty isolation).
    virtual ReadConsistency read_consistency() { return {}; }
};

/// Makes Sources. Thread-safe: the orchestrator calls it from its pool threads.
class SourceFactory {
public:
    virtual ~SourceFactory() = default;
    /// A new Source on its own connection. Throws Error(kind connection) if unreachable.
    virtual std::unique_ptr<Source> connect() = 0;
    /// Called once, from another thread, when the run is cancelled: interrupt what the
    /// sources are executing so their tasks end soon. Thread-safe. Default: nothing.
    virtual void cancel() {}
};

}  // namespace replicate
