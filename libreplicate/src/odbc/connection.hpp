#pragma once
// One database connection: SOCI owns the session (connect, transactions), except where the
// driver needs attributes set before connecting (link.hpp: the SQL Server drivers), which this
// library opens itself; statements that carry user-provided identifiers or parameters run as
// raw ODBC on the handle, because SOCI 4.0.3's query parser takes ':name' inside a quoted
// identifier for a placeholder.

#include <sql.h>
#include <sqlext.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <replicate/options.hpp>

#include "../endpoint.hpp"

#include "../dialects/drivers.hpp"
#include "../dialect.hpp"
#include <replicate/odbc/database.hpp>
#include <replicate/types.hpp>

#include "../cancel.hpp"
#include "handles.hpp"
#include "link.hpp"

namespace replicate::odbc::detail {

class Connection;

/// Parameters of a control-plane statement; owns their storage until bound and executed.
class Params {
public:
    void add_text(std::string value);
    void add_int(long long value);
    bool empty() const { return items_.empty(); }
    /// A range bound as the dialect wants it for a column of type \p column.
    void add_bound(const Timestamp& bound, RangeBinding binding, const ColumnType& column);
    /// Binds all parameters to \p stmt; they must stay alive until it executes. Text goes as
    /// UTF-16 where the connection's driver wants all text wide (DriverQuirks::wide_text).
    void bind(SQLHSTMT stmt, const Connection& conn);

private:
    struct Item {
        SQLSMALLINT c_type = SQL_C_CHAR;
        SQLSMALLINT sql_type = SQL_VARCHAR;
        SQLULEN size = 0;
        SQLSMALLINT digits = 0;
        std::string text;
        std::u16string wide;  // the text as UTF-16, when bound wide
        long long integer = 0;
        SQL_DATE_STRUCT date{};
        SQL_TIMESTAMP_STRUCT timestamp{};
        SQLLEN indicator = 0;
    };
    std::deque<Item> items_;  // deque: stable addresses while binding
};

using Row = std::vector<std::optional<std::string>>;

class ConnectionRegistry;

class Connection final : public replicate::detail::Cancellable {
public:
    /// Connects; with \p registry, the connection is registered there for its lifetime, so
    /// that a cancelled run can interrupt its running statement.
    Connection(const EndpointConfig& endpoint, bool source, ConnectionRegistry* registry = nullptr);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    SQLHDBC dbc() const;
    const Dialect& dialect() const { return *dialect_; }
    /// What the connected driver (SQL_DRIVER_NAME) does differently.
    const replicate::detail::DriverQuirks& driver() const { return *driver_; }
    const ServerInfo& info() const { return info_; }
    /// A source connection's isolation as used and what it means for the source's writers.
    const ReadPlan& reads() const { return reads_; }
    /// "SOCI" or "direct": who opened the connection (link.hpp).
    const char* opened_by() const { return link_->kind(); }
    /// SQLExecDirect / SQLPrepare of \p sql on \p stmt: through the wide (UTF-16) API where the
    /// driver wants all text wide, so identifiers and literals never pass through the client's
    /// code page (msodbcsql under a POSIX locale); the narrow API elsewhere.
    SQLRETURN exec_direct(SQLHSTMT stmt, const std::string& sql) const;
    SQLRETURN prepare(SQLHSTMT stmt, const std::string& sql) const;
    /// Seconds for SQL_ATTR_QUERY_TIMEOUT on this connection's statements: a source's
    /// SourceOptions::query_timeout_seconds where the driver honours it, else 0 (none).
    int query_timeout() const;
    const EndpointConfig& endpoint() const { return endpoint_; }
    /// The registry the connection is in (nullptr: none).
    ConnectionRegistry* registry() const { return registry_; }
    const std::vector<std::string>& secrets() const { return secrets_; }

    void begin();
    void commit();
    /// Never throws.
    void rollback() noexcept;
    bool in_transaction() const { return in_transaction_; }

    void execute(const std::string& sql, Params* params = nullptr);
    /// Every row of a query, every column as text (NULL as nullopt).
    std::vector<Row> query(const std::string& sql, Params* params = nullptr);

    /// Runs a dialect Query; every row, every column as text.
    std::vector<Row> query(const Query& q);
    bool table_exists(const QualifiedName& table);
    bool schema_exists(const std::string& schema);
    /// Primary-key column names of \p table in key order; empty if it has none.
    std::vector<std::string> primary_key(const QualifiedName& table);
    /// A column that fills itself (Dialect::defaulted_columns_query).
    struct OwnColumn {
        std::string name;
        enum class Kind { default_value, identity, generated } kind = Kind::default_value;
    };
    /// Columns of \p table that fill themselves.
    std::vector<OwnColumn> defaulted_columns(const QualifiedName& table);
    /// Interrupts the statement running on this connection, if any. Thread-safe; the
    /// interrupted call fails with the driver's error.
    void cancel() noexcept override;
    /// Marks \p stmt as the statement running on this connection while alive, so cancel()
    /// can reach it.
    class Running {
    public:
        Running(Connection& conn, SQLHSTMT stmt) : conn_(conn) { conn_.set_running(stmt); }
        ~Running() { conn_.set_running(SQL_NULL_HSTMT); }
        Running(const Running&) = delete;
        Running& operator=(const Running&) = delete;

    private:
        Connection& conn_;
    };
    /// Columns of \p table; Error(kind config) naming the table if it does not exist.
    Schema describe(const QualifiedName& table);
    /// Columns of the result of an executed statement; \p declared, when given, maps column
    /// names to declared type names that replace what the driver reports.
    Schema describe_result(SQLHSTMT stmt, const std::string& what,
                           const std::map<std::string, std::string>* declared = nullptr);
    /// Declared type name of each column of \p table, from the catalog (the dialect's
    /// declared_types_query: SQLite pragma_table_info, PostgreSQL format_type); empty elsewhere.
    std::map<std::string, std::string> declared_types(const QualifiedName& table);

    /// Throws the Error for a failed call on \p handle, unless \p rc succeeded.
    void check(SQLRETURN rc, SQLSMALLINT handle_type, SQLHANDLE handle,
               const std::string& what) const {
        if (!SQL_SUCCEEDED(rc)) throw error(handle_type, handle, what, rc);
    }
    /// The Error for a call on \p handle that returned \p rc: its diagnostics (through the
    /// wide API where the driver wants all text wide), else the connection's, else \p rc.
    Error error(SQLSMALLINT handle_type, SQLHANDLE handle, const std::string& what,
                SQLRETURN rc = SQL_ERROR) const;
    /// A statement handle on this connection (diagnostics as error() reads them).
    Statement statement() const;
    /// True if the driver says the connection is gone (psqlODBC reports a killed session as
    /// HY000, so SQLSTATE alone cannot tell).
    bool is_dead() const;

private:
    void set_running(SQLHSTMT stmt) noexcept;
    void open(const std::string& connection, bool source, bool direct, bool wide);
    void plan_source_reads();
    template <class Char>
    std::optional<std::basic_string<Char>> get_data(SQLHSTMT stmt, SQLUSMALLINT column,
                                                    const std::string& sql) const;
    Error link_failure(const LinkError& e, const std::string& what) const;

    std::mutex running_mutex_;
    SQLHSTMT running_ = SQL_NULL_HSTMT;
    EndpointConfig endpoint_;
    std::vector<std::string> secrets_;
    bool source_ = false;
    // Shared with the thread that opens it: a connect that outlives the timeout is abandoned
    // and finishes (and is closed) in the background.
    std::shared_ptr<Link> link_;
    ReadPlan reads_;
    std::unique_ptr<Dialect> dialect_;
    const replicate::detail::DriverQuirks* driver_ = nullptr;
    replicate::detail::DriverQuirks wide_driver_;  // driver_ with all text wide (tests)
    ServerInfo info_;
    bool in_transaction_ = false;
    bool explicit_transaction_ = false;  // begun with the dialect's begin_statement()
    ConnectionRegistry* registry_ = nullptr;  // registered there once connected
};

/// How wide a long column's (varchar(max), text, blob) buffer in a fetched rowset is, per
/// table and column, as reads that met a longer value learned it; 0: such values are read one
/// row at a time (SQLGetData). Thread-safe; shared by the sources of one side.
class LongValueWidths {
public:
    /// The width learned for \p key, if any.
    std::optional<SQLLEN> get(const std::string& key) const {
        const std::lock_guard<std::mutex> lock(mutex_);
        const auto it = widths_.find(key);
        return it == widths_.end() ? std::nullopt : std::optional<SQLLEN>(it->second);
    }
    void set(const std::string& key, SQLLEN width) {
        const std::lock_guard<std::mutex> lock(mutex_);
        widths_[key] = width;
    }

private:
    mutable std::mutex mutex_;
    std::map<std::string, SQLLEN> widths_;
};

/// Connections of one side of a run, so a cancelled run can interrupt what they execute, and
/// what that side's reads learned about its long columns.
class ConnectionRegistry : public replicate::detail::CancelRegistry {
public:
    LongValueWidths long_widths;
};

/// Maps an ODBC column description to a ColumnType (before the dialect refines it).
ColumnType column_type_from_odbc(SQLSMALLINT sql_type, SQLULEN size, SQLSMALLINT digits,
                                 bool is_unsigned, const std::string& type_name, bool nullable);

}  // namespace replicate::odbc::detail
