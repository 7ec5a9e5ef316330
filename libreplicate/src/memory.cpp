#include <replicate/memory.hpp>

#include <algorithm>

#include <replicate/error.hpp>

#include "columns.hpp"

namespace replicate {

void MemoryDatabase::put(const QualifiedName& name, MemoryTable table) {
    std::lock_guard<std::mutex> lock(mutex_);
    tables_[name.display()] = std::move(table);
}

MemoryTable MemoryDatabase::get(const QualifiedName& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = tables_.find(name.display());
    if (it == tables_.end()) {
        throw Error(ErrorKind::config, "table " + name.display() + " does not exist");
    }
    return it->second;
}

bool MemoryDatabase::contains(const QualifiedName& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return tables_.count(name.display()) != 0;
}

std::vector<LedgerEntry> MemoryDatabase::ledger() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return ledger_;
}

namespace {

std::size_t column_index(const Schema& schema, const std::string& name) {
    for (std::size_t i = 0; i < schema.size(); ++i) {
        if (schema[i].name == name) return i;
    }
    throw Error(ErrorKind::config, "column '" + name + "' does not exist");
}

bool in_range(const Value& v, const DateRange& r) {
    const Timestamp* t = std::get_if<Timestamp>(&v.data);
    return t != nullptr && r.lo <= t->date && t->date < r.hi;
}

class MemoryReader final : public BatchReader {
public:
    MemoryReader(std::vector<std::vector<Value>> rows, ReadOptions options)
        : rows_(std::move(rows)), options_(options) {}

    bool next(Batch& batch) override {
        batch.clear();
        while (pos_ < rows_.size() && batch.rows() < std::max<std::size_t>(1, options_.batch_rows) &&
               batch.byte_size() < options_.batch_bytes) {
            batch.append_row(rows_[pos_++]);
        }
        return batch.rows() > 0;
    }

private:
    std::vector<std::vector<Value>> rows_;
    ReadOptions options_;
    std::size_t pos_ = 0;
};

}  // namespace

class MemorySource final : public Source {
public:
    explicit MemorySource(std::shared_ptr<MemoryDatabase> db) : db_(std::move(db)) {}

    Schema describe(const QualifiedName& table) override { return db_->get(table).schema; }

    std::unique_ptr<BatchReader> read(const Partition& partition, const Schema& schema,
                                      const ReadOptions& options) override {
        const MemoryTable table = db_->get(partition.table.source);
        std::vector<std::size_t> cols;
        for (const Column& c : schema) cols.push_back(column_index(table.schema, c.name));
        std::size_t key = 0;
        if (!partition.whole_table()) key = column_index(table.schema, partition.table.partition_column);
        std::vector<std::vector<Value>> rows;
        for (const auto& row : table.rows) {
            if (partition.range() && !in_range(row[key], *partition.range())) continue;
            if (partition.null_dates() && !row[key].is_null()) continue;
            std::vector<Value> out;
            out.reserve(cols.size());
            for (std::size_t c : cols) out.push_back(row[c]);
            rows.push_back(std::move(out));
        }
        return std::make_unique<MemoryReader>(std::move(rows), options);
    }

    std::optional<std::int64_t> count_rows(const Partition& partition) override {
        const MemoryTable t = db_->get(partition.table.source);
        if (partition.whole_table()) return static_cast<std::int64_t>(t.rows.size());
        const std::size_t key = column_index(t.schema, partition.table.partition_column);
        return std::count_if(t.rows.begin(), t.rows.end(), [&](const std::vector<Value>& r) {
            return partition.range() ? in_range(r[key], *partition.range()) : r[key].is_null();
        });
    }

    std::int64_t count_null_partition_rows(const TableSpec& table) override {
        const MemoryTable t = db_->get(table.source);
        const std::size_t key = column_index(t.schema, table.partition_column);
        return std::count_if(t.rows.begin(), t.rows.end(),
                             [&](const std::vector<Value>& r) { return r[key].is_null(); });
    }

private:
    std::shared_ptr<MemoryDatabase> db_;
};

std::unique_ptr<Source> MemorySourceFactory::connect() {
    return std::make_unique<MemorySource>(db_);
}

class MemorySink final : public Sink {
public:
    explicit MemorySink(std::shared_ptr<MemoryDatabase> db) : db_(std::move(db)) {}

    void begin(const Partition& partition, const Schema& schema) override {
        partition_ = partition;
        schema_ = schema;
        rows_.clear();
        active_ = true;
    }

    void write(const Batch& batch) override {
        if (!active_) throw Error(ErrorKind::internal, "Sink::write() before begin()");
        for (std::size_t r = 0; r < batch.rows(); ++r) {
            std::vector<Value> row;
            for (std::size_t c = 0; c < batch.column_count(); ++c) row.push_back(batch.value(r, c));
            rows_.push_back(std::move(row));
        }
    }

    void commit(const LedgerEntry& entry) override {
        if (!active_) throw Error(ErrorKind::internal, "Sink::commit() before begin()");
        if (!entry.matches(partition_) || entry.rows != static_cast<std::int64_t>(rows_.size())) {
            throw Error(ErrorKind::internal,
                        "the ledger entry handed to commit() is not this partition with its rows");
        }
        std::lock_guard<std::mutex> lock(db_->mutex_);
        MemoryTable& table = db_->tables_[partition_.table.target.display()];
        if (table.schema.empty()) table.schema = schema_;
        if (!partition_.whole_table()) {
            const std::size_t key = column_index(table.schema, partition_.table.partition_column);
            auto& rows = table.rows;
            rows.erase(std::remove_if(rows.begin(), rows.end(),
                                      [&](const std::vector<Value>& r) {
                                          return partition_.null_dates()
                                                     ? r[key].is_null()
                                                     : in_range(r[key], *partition_.range());
                                      }),
                       rows.end());
        } else {
            table.rows.clear();
        }
        table.rows.insert(table.rows.end(), rows_.begin(), rows_.end());
        auto& ledger = db_->ledger_;
        ledger.erase(std::remove_if(ledger.begin(), ledger.end(),
                                    [&](const LedgerEntry& e) { return e.matches(partition_); }),
                     ledger.end());
        ledger.push_back(entry);
        rows_.clear();
        active_ = false;
    }

private:
    std::shared_ptr<MemoryDatabase> db_;
    Partition partition_;
    Schema schema_;
    std::vector<std::vector<Value>> rows_;
    bool active_ = false;
};

void MemoryTarget::validate(const TableSpec& table, const Schema& source_schema) {
    if (!db_->contains(table.target)) return;
    const MemoryTable t = db_->get(table.target);
    for (const Column& c : source_schema) {
        const Column* found = detail::find_column(t.schema, c.name, true);
        if (found == nullptr) {
            throw Error(ErrorKind::config, "target table " + table.target.display() +
                                               " has no column '" + c.name + "'");
        }
        if (!can_receive(found->type, c.type)) {
            throw Error(ErrorKind::config, "target column " + table.target.display() + "." +
                                               c.name + " cannot hold the source column's values");
        }
    }
}

void MemoryTarget::prepare(const TableSpec& table, const Schema& source_schema) {
    if (!db_->contains(table.target)) db_->put(table.target, MemoryTable{source_schema, {}});
}

std::unique_ptr<Sink> MemoryTarget::open_sink(const std::string& run_id) {
    (void)run_id;  // the ledger entry handed to commit() carries it
    return std::make_unique<MemorySink>(db_);
}

std::unique_ptr<Source> MemoryTarget::open_reader() {
    return std::make_unique<MemorySource>(db_);
}

void MemoryTarget::record_verification(const Partition& partition, const Verification& v) {
    std::lock_guard<std::mutex> lock(db_->mutex_);
    for (LedgerEntry& e : db_->ledger_) {
        if (e.matches(partition)) e.verified = v.match() ? "match" : "mismatch";
    }
}

std::vector<LedgerEntry> MemoryTarget::entries(const QualifiedName& target_table) {
    std::vector<LedgerEntry> out;
    for (const LedgerEntry& e : db_->ledger()) {
        if (e.target_table == target_table.display()) out.push_back(e);
    }
    return out;
}

}  // namespace replicate
