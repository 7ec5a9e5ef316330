#pragma once
/// \file memory.hpp
/// In-memory Source and Target with the same contracts as the database ones, for tests and
/// for embedders that want the rows in their own process.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <replicate/sink.hpp>
#include <replicate/source.hpp>

namespace replicate {

/// A table held in memory: a schema and rows of Values.
struct MemoryTable {
    Schema schema;
    std::vector<std::vector<Value>> rows;
};

/// A set of tables keyed by QualifiedName::display(), plus a ledger. Thread-safe.
class MemoryDatabase {
public:
    void put(const QualifiedName& name, MemoryTable table);
    /// A copy of a table; throws Error(kind config) if missing.
    MemoryTable get(const QualifiedName& name) const;
    bool contains(const QualifiedName& name) const;
    std::vector<LedgerEntry> ledger() const;

private:
    friend class MemorySource;
    friend class MemorySink;
    friend class MemoryTarget;
    mutable std::mutex mutex_;
    std::map<std::string, MemoryTable> tables_;
    std::vector<LedgerEntry> ledger_;
};

/// Reads from a MemoryDatabase. Partition columns hold Timestamps (dates as midnight).
class MemorySourceFactory : public SourceFactory {
public:
    explicit MemorySourceFactory(std::shared_ptr<MemoryDatabase> db) : db_(std::move(db)) {}
    std::unique_ptr<Source> connect() override;

private:
    std::shared_ptr<MemoryDatabase> db_;
};

/// Writes to a MemoryDatabase with the same atomicity as a database target: a partition's rows
/// and ledger entry appear together at commit().
class MemoryTarget : public Target, public Ledger {
public:
    explicit MemoryTarget(std::shared_ptr<MemoryDatabase> db) : db_(std::move(db)) {}
    void validate(const TableSpec& table, const Schema& source_schema) override;
    void prepare(const TableSpec& table, const Schema& source_schema) override;
    std::unique_ptr<Sink> open_sink(const std::string& run_id) override;
    Ledger& ledger() override { return *this; }
    /// Reads the tables written so far.
    std::unique_ptr<Source> open_reader() override;
    /// Marks the partition's ledger entry "match" or "mismatch".
    void record_verification(const Partition& partition, const Verification& v) override;
    std::vector<LedgerEntry> entries(const QualifiedName& target_table) override;

private:
    std::shared_ptr<MemoryDatabase> db_;
};

}  // namespace replicate
