#pragma once
// What a partition's writer needs from a target session, whatever carries it: ODBC (parameter
// arrays) or a DBMS's native protocol (PostgreSQL COPY through libpq; SQL Server's BCP API
// would be a third). The sink's logic (locks between runs, range replacement, staging and swap,
// the ledger row in the same transaction) is written once against this.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dialect.hpp"
#include <replicate/partition.hpp>
#include <replicate/types.hpp>

namespace replicate::detail {

/// A statement parameter: text, or an integer.
using SqlArg = std::variant<std::string, long long>;
/// A result row, every column as text (NULL as nullopt).
using TextRow = std::vector<std::optional<std::string>>;

/// Streams batches into one table inside the session's transaction.
class RowWriter {
public:
    virtual ~RowWriter() = default;
    virtual void insert(const Batch& batch) = 0;
    /// Ends the stream: afterwards every row is in the table (still uncommitted). Throws Error.
    virtual void finish() {}
    virtual std::int64_t rows() const = 0;
};

/// One target connection as the sink uses it. Not thread-safe.
class SinkSession {
public:
    virtual ~SinkSession() = default;
    virtual const Dialect& dialect() const = 0;
    /// The database the session is in (names the locks between runs).
    virtual const std::string& database() const = 0;
    virtual void begin() = 0;
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;
    virtual bool in_transaction() const = 0;
    /// Runs \p sql with '?' parameters.
    virtual void execute(const std::string& sql, const std::vector<SqlArg>& args = {}) = 0;
    virtual std::vector<TextRow> query(const std::string& sql,
                                       const std::vector<SqlArg>& args = {}) = 0;
    /// Deletes the rows of \p table whose \p column (of type \p type) lies in [lo, hi)
    /// (column_bounds() of the partition).
    virtual void delete_range(const QualifiedName& table, const std::string& column,
                              const std::pair<Timestamp, Timestamp>& bounds,
                              const ColumnType& type) = 0;
    virtual bool table_exists(const QualifiedName& table) = 0;
    /// A writer into \p table of batches with \p schema's columns; \p target_schema is the
    /// table's own (for checks and messages).
    virtual std::unique_ptr<RowWriter> writer(const QualifiedName& table, const Schema& schema,
                                              const std::string& label,
                                              const Schema& target_schema, bool table_lock) = 0;
};

}  // namespace replicate::detail
