#pragma once
// Internal: embedders reach DBMSs through odbc::OdbcSourceFactory / OdbcTarget; a new DBMS
// is a file in src/dialects/ (registry.hpp).
/// Everything that differs by DBMS, as SQL text and decisions. Pure functions of their inputs:
/// thread-safe, testable without a database.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <replicate/error.hpp>
#include <replicate/options.hpp>
#include <replicate/source.hpp>
#include <replicate/table_spec.hpp>
#include <replicate/types.hpp>

namespace replicate {

/// Which rows of a partition column a statement touches.
enum class RowFilter {
    range,    ///< column >= ? AND column < ?
    is_null,  ///< column IS NULL (no parameters)
};

/// How decimals and floats are sent to a target column.
enum class NumberStorage {
    native,  ///< decimals as SQL_DECIMAL text, floats as SQL_C_DOUBLE
    text,    ///< both as exact text (a column that stores text: SQLite TEXT affinity)
    binary_double,  ///< both as SQL_C_DOUBLE; decimals must fit a double exactly (15 digits)
};

/// How the bounds of a range are bound for a partition column.
enum class RangeBinding {
    date,       ///< SQL_TYPE_DATE parameter
    timestamp,  ///< SQL_TYPE_TIMESTAMP parameter at midnight
    iso_text,   ///< "YYYY-MM-DD" text (SQLite stores dates as text; ISO order is text order)
};

/// A statement with text parameters, in order.
struct Query {
    std::string sql;
    std::vector<std::string> params;
};

class Dialect {
public:
    virtual ~Dialect() = default;
    /// The dialect's key: "sqlite", "postgresql", "mariadb", "sqlserver" (also the folder of
    /// its scripts under migrations/).
    virtual std::string_view key() const = 0;
    /// Its name for people: "SQLite", "PostgreSQL", "MariaDB", "SQL Server".
    virtual std::string_view display_name() const = 0;

    /// Quotes one identifier, doubling the closing quote character inside it. Throws
    /// Error(kind config) for an empty name or one holding a NUL or control character.
    virtual std::string quote(std::string_view identifier) const;
    /// Quoted "schema"."table" (or "table" when the schema is empty).
    std::string qualified(const QualifiedName& name) const;
    /// True where quoted names differ by case (PostgreSQL): column names then match exactly,
    /// elsewhere ignoring case (detail::find_column).
    virtual bool case_sensitive_names() const { return false; }
    /// "a", "b", ... : the columns' names quoted, comma-separated.
    std::string column_list(const Schema& schema) const;

    /// The column type to declare for a column of type \p t on this DBMS, exact where the DBMS
    /// can hold the values exactly.
    virtual std::string column_type(const ColumnType& t) const = 0;
    /// Corrects what a driver reports for a result column using the declared type name where
    /// the driver's SQL type is not to be trusted (sqliteodbc reports decimal as varchar).
    virtual ColumnType refine(ColumnType described) const { return described; }

    std::string create_table(const QualifiedName& table, const Schema& schema) const;
    /// The index on the partition column: range deletes seek instead of
    /// scanning (SQL Server: clustered, so a month is a contiguous range of pages).
    virtual std::string create_index(const QualifiedName& table, const std::string& column) const;
    /// DROP of \p table if it exists (SQL Server: an OBJECT_ID test, which every supported
    /// version has; DROP TABLE IF EXISTS needs 2016).
    virtual std::string drop_table_if_exists(const QualifiedName& table) const;
    /// Adds a nullable column to an existing table.
    virtual std::string add_column(const QualifiedName& table, const Column& column) const;
    /// SELECT of \p schema's columns; with a partition column, filtered by two range parameters,
    /// or, given \p literal_bounds, by the range written as 'YYYY-MM-DD' literals (rendered
    /// from the Date values, digits and dashes only) for a driver that buffers the whole result
    /// of a statement with parameters (streams_only_without_parameters()).
    /// \p tail goes after the WHERE clause and before the statement hint (a keyset condition,
    /// ORDER BY ... LIMIT).
    std::string select(const QualifiedName& table, const Schema& schema,
                       const std::string& partition_column, RowFilter filter = RowFilter::range,
                       const std::pair<Timestamp, Timestamp>* literal_bounds = nullptr,
                       const std::string& tail = {}) const;
    /// The aggregate that counts rows: COUNT(*), or where COUNT(*) is a 32-bit integer that a
    /// table past 2^31 rows overflows (SQL Server), COUNT_BIG(*).
    virtual std::string count_all() const { return "COUNT(*)"; }
    /// Rows whose partition column is NULL.
    std::string count_null(const QualifiedName& table, const std::string& column) const;
    /// COUNT(*) of the rows select() would return with the same arguments; \p column_type, the
    /// partition column's type, where the range parameters depend on it (range_parameter()).
    std::string count(const QualifiedName& table, const std::string& partition_column,
                      RowFilter filter = RowFilter::range,
                      const std::pair<Timestamp, Timestamp>* literal_bounds = nullptr,
                      const ColumnType* column_type = nullptr) const;
    /// DELETE of a range (two parameters), or of every row when \p partition_column is empty.
    std::string delete_rows(const QualifiedName& table, const std::string& partition_column,
                            RowFilter filter = RowFilter::range,
                            const ColumnType* column_type = nullptr) const;
    /// The parameter marker of a range bound compared with a column of type \p column: "?",
    /// or an expression of it where the driver's parameter type would make the server
    /// convert the column instead (SQL Server: a legacy datetime column is compared with
    /// CAST(? AS datetime), not with the datetime2 both drivers send).
    virtual std::string range_parameter(const ColumnType* column) const {
        (void)column;
        return "?";
    }
    /// Appended to statements that touch one range of a partition column (the month SELECT,
    /// COUNT and DELETE), whose best plan depends on how many rows the range holds (SQL Server:
    /// OPTION (RECOMPILE), so a plan cached for a small month is not reused for a backfill's
    /// large one). Empty: none.
    virtual std::string range_statement_hint() const { return {}; }
    /// INSERT of one row of \p schema's columns with '?' parameters (or \p markers, one per
    /// column); \p table_lock asks for the DBMS's bulk-load table lock where it has one (SQL
    /// Server: WITH (TABLOCK)).
    std::string insert(const QualifiedName& table, const Schema& schema, bool table_lock = false,
                       const std::vector<std::string>* markers = nullptr) const;
    /// The marker of a value written into a column of type \p target (nullptr: not known): "?",
    /// or an expression of it where the value travels as text the server must convert (SQL
    /// Server: CAST(? AS datetimeoffset(n))).
    virtual std::string value_parameter(const ColumnType* target) const {
        (void)target;
        return "?";
    }
    /// INSERT ... SELECT of \p columns from \p from into \p into (the full-refresh swap);
    /// \p table_lock as for insert() (SQL Server: minimally logged into a heap).
    std::string insert_select(const QualifiedName& into, const QualifiedName& from,
                              const Schema& columns, bool table_lock = false) const;
    /// SELECT that returns no row but describes \p table's columns.
    std::string describe(const QualifiedName& table) const;
    /// SELECT of at most one row of \p table (a readability probe).
    virtual std::string select_one(const QualifiedName& table) const;

    /// How range bounds are bound for a column of type \p t.
    virtual RangeBinding range_binding(const ColumnType& t) const;
    /// Statements run on a fresh source session: isolation \p level (automatic resolved by
    /// plan_reads()), and reads wait at most \p lock_timeout_seconds for a lock (0: the DBMS's
    /// default).
    virtual std::vector<std::string> source_session_setup(Isolation level,
                                                          int lock_timeout_seconds = 0) const;
    /// A query returning one row for the connection's database: (1 if snapshot isolation is
    /// allowed, 1 if READ COMMITTED reads row versions), where plain reads can take shared
    /// locks that block writers (SQL Server); empty where they never do.
    virtual std::string read_versioning_query() const { return {}; }
    /// (column, collation, code page) of each non-Unicode text column of \p table (SQL
    /// Server: varchar, char, text); empty sql where all text is Unicode.
    virtual Query text_collations_query(const QualifiedName& table) const {
        (void)table;
        return {};
    }
    /// Statements run on a fresh target session: strict conversions, and statements wait at
    /// most \p lock_timeout_seconds for a lock (0: the DBMS's default).
    virtual std::vector<std::string> target_session_setup(int lock_timeout_seconds) const {
        (void)lock_timeout_seconds;
        return {};
    }

    // ---- catalog: every look-up stays inside the connection's database (and the given
    // schema, else the session's default schema), never another database on the server ----

    /// Returns a row if \p table exists.
    virtual Query table_exists_query(const QualifiedName& table) const = 0;
    /// Returns a row if \p schema exists.
    virtual Query schema_exists_query(const std::string& schema) const = 0;
    /// The primary key's column names of \p table, one per row, in key order.
    virtual Query primary_key_query(const QualifiedName& table) const = 0;
    /// \p table's columns that fill themselves, one row each: (name, kind), kind "default" (a
    /// DEFAULT), "identity" (an identity / auto-increment column, which may be given values:
    /// identity_insert()) or "generated" (computed, rowversion / timestamp, GENERATED ALWAYS AS:
    /// it takes no values at all). A target's own columns, which the source need not have.
    virtual Query defaulted_columns_query(const QualifiedName& table) const = 0;
    /// The statement that lets (\p on) or stops letting a session give \p table's identity
    /// column its values; empty where an identity column takes given values anyway (SQL
    /// Server: SET IDENTITY_INSERT, which one table per session may have on at a time).
    virtual std::string identity_insert(const QualifiedName& table, bool on) const {
        (void)table;
        (void)on;
        return {};
    }
    /// One row, one column: 1 if the session may run identity_insert() for \p table (SQL
    /// Server: ALTER on it); empty sql where nothing is needed.
    virtual Query identity_insert_allowed_query(const QualifiedName& table) const {
        (void)table;
        return {};
    }
    /// The statement that empties \p table inside the full refresh's swap transaction; by
    /// default DELETE of every row (SQL Server: TRUNCATE TABLE where the login may and the
    /// table allows it, which deallocates the pages; else DELETE ... WITH (TABLOCK), which on a
    /// heap frees the emptied pages too).
    virtual std::string empty_table(const QualifiedName& table) const {
        return delete_rows(table, "");
    }
    /// Declared type name of each column (name, type), where the driver's description is not
    /// to be trusted (SQLite); empty sql elsewhere.
    virtual Query declared_types_query(const QualifiedName& table) const {
        (void)table;
        return {};
    }

    // ---- exclusion between runs: a named lock held by one session at a time ----

    /// Tries to take the lock \p name (at most 64 characters) / \p key (the same lock as a
    /// number) without waiting; returns one row whose first column is 1 if it was taken. An
    /// empty sql means the DBMS excludes writers by itself (SQLite's writer lock).
    virtual Query try_lock_query(const std::string& name, std::int64_t key) const {
        (void)name;
        (void)key;
        return {};
    }
    /// Releases a lock taken by try_lock_query() on the same session; returns one row whose
    /// first column is 1 if it was released (0: the session did not hold it).
    virtual Query unlock_query(const std::string& name, std::int64_t key) const {
        (void)name;
        (void)key;
        return {};
    }
    /// " LIMIT n" or the DBMS's equivalent, after ORDER BY.
    virtual std::string limit_clause(std::size_t rows) const { return "LIMIT " + std::to_string(rows); }
    /// Statements that start and end a read-only transaction whose queries all see one
    /// snapshot of the database.
    virtual std::vector<std::string> snapshot_begin() const { return {}; }
    virtual std::vector<std::string> snapshot_end() const { return {}; }
    /// The statement that starts a write transaction when the driver's own (autocommit off)
    /// will not do; empty for the driver's. SQLite: BEGIN IMMEDIATE takes the writer lock at
    /// once, so two writers wait for each other instead of deadlocking (a deferred
    /// transaction holds a read lock while it waits to write).
    virtual std::string begin_statement() const { return {}; }
    /// The whole refresh (staging DDL included) runs in one transaction: DDL is transactional
    /// and the writer lock is the only exclusion (SQLite).
    virtual bool refresh_in_one_transaction() const { return false; }
    /// CREATE TABLE \p staging with \p columns of \p target, of the target's types (so
    /// conversions into staging are those into the target): the columns a refresh writes, as
    /// \p target describes them. No identity, default or computed column of the target is
    /// carried (staging receives every column it has).
    virtual std::string create_table_like(const QualifiedName& staging, const QualifiedName& target,
                                          const Schema& columns) const;
    /// CREATE TABLE with \p primary_key (column names, key order) as its primary key;
    /// \p partition_index_follows: create_index() on the partition column comes next (SQL
    /// Server: that index is the clustered one, so the key is declared NONCLUSTERED).
    std::string create_table(const QualifiedName& table, const Schema& schema,
                             const std::vector<std::string>& primary_key,
                             bool partition_index_follows = false) const;
    /// Kind of a driver error, from SQLSTATE and native code only.
    virtual ErrorKind classify(std::string_view sqlstate, long native_code) const;
    /// True if the error is a lock wait that ran out of the session's lock timeout (SQL Server
    /// 1222, PostgreSQL 55P03, MariaDB 1205): its message then names the setting.
    virtual bool is_lock_timeout(std::string_view sqlstate, long native_code) const {
        (void)sqlstate;
        (void)native_code;
        return false;
    }
    /// Target writes to one database must be serialised (SQLite has one writer at a time).
    virtual bool serialize_writes() const { return false; }
    /// Timestamps are bound as exact text instead of SQL_TIMESTAMP_STRUCT (sqliteodbc binds
    /// struct parameters at millisecond precision).
    virtual bool timestamps_as_text() const { return false; }
    /// How decimal and float values are written into a target column of type \p target.
    virtual NumberStorage number_storage(const ColumnType& target) const {
        (void)target;
        return NumberStorage::native;
    }
    /// False where a float column turns NaN into NULL (SQLite): such a value is refused.
    virtual bool holds_nan() const { return true; }
    /// False where a time of day ends before 24:00:00 (SQL Server's time: 00:00:00 through
    /// 23:59:59.9999999), which PostgreSQL's time holds: such a value is refused.
    virtual bool holds_end_of_day() const { return true; }
    /// Floats (and decimals a DBMS stores as floats) are read as the text select_expression()
    /// renders: "r<m>p<e>" is the exact double m * 2^e (sqliteodbc converts doubles with 15
    /// significant digits, and SQLite's printf stops at 16).
    virtual bool floats_as_text() const { return false; }
    /// Decimals are created as exact text rather than as numbers (SQLite: NUMERIC affinity
    /// holds 15 significant digits). Set from [target] decimal_storage.
    void set_decimals_as_text(bool on) { decimals_as_text_ = on; }
    bool decimals_as_text() const { return decimals_as_text_; }
    /// UTF-16 units a declared text length of 1 may take: 1 where lengths count UTF-16 units
    /// or bytes (SQL Server: nvarchar(n) units, varchar(n) bytes), 2 where they count
    /// characters (a character outside the BMP is two units).
    virtual int utf16_units_per_declared_character() const { return 2; }
    /// False where declared lengths are not enforced (SQLite: varchar(10) may hold 50
    /// characters): text and binary are then read without a length-sized buffer.
    virtual bool enforces_lengths() const { return true; }
    /// The expression that reads \p quoted_column of type \p t in a SELECT list.
    virtual std::string select_expression(const std::string& quoted_column, const ColumnType& t) const;
    /// A query returning one row, one column: 1 if the database is read-only; empty if the
    /// DBMS cannot tell.
    virtual std::string read_only_query() const { return {}; }
    /// Longest identifier the DBMS accepts.
    virtual std::size_t max_identifier_length() const { return 63; }

protected:
    /// The PRIMARY KEY clause's keyword(s) after PRIMARY KEY; \p partition_index_follows as
    /// for create_table().
    virtual std::string primary_key_kind(bool partition_index_follows) const {
        (void)partition_index_follows;
        return {};
    }
    /// "ix_<table>_<column>", cut to max_identifier_length() with a hash.
    std::string index_name(const QualifiedName& table, const std::string& column) const;
    bool decimals_as_text_ = false;
    virtual char open_quote() const { return '"'; }
    /// Text put after the table name of an INSERT for a table lock; empty if none.
    virtual std::string table_lock_hint() const { return {}; }
    virtual char close_quote() const { return '"'; }
};

/// What the source database says about row versions (Dialect::read_versioning_query()).
struct ReadVersioning {
    bool snapshot_allowed = false;         ///< SQL Server ALLOW_SNAPSHOT_ISOLATION ON
    bool read_committed_snapshot = false;  ///< SQL Server READ_COMMITTED_SNAPSHOT ON
    /// The database cannot be written here: a readable secondary of an availability group
    /// (ApplicationIntent=ReadOnly), whose reads all use row versions whatever the isolation,
    /// or a READ_ONLY database, which no writer changes: reads block nobody.
    bool read_only = false;
};

/// The isolation a source session uses, and what that means for the source's writers.
struct ReadPlan {
    Isolation isolation = Isolation::read_committed;
    ReadConsistency consistency;
};

/// Resolves \p requested for a source of dialect \p d in database \p database: automatic is
/// snapshot where \p versioning allows it, else read committed. \p versioning is nullopt
/// when the dialect has no read_versioning_query() (reads never block writers) or when the
/// query failed (not known: treated as not allowed). Throws Error(kind config) when snapshot is
/// requested and the database does not allow it.
ReadPlan plan_reads(Isolation requested, const Dialect& d,
                    const std::optional<ReadVersioning>& versioning, const std::string& database);

/// The error kind of a SQLSTATE by its class alone (08/28 connection, 40/HYT00 transient, 22/23
/// data, 42 config): the one fallback, used by Dialect::classify() and before a dialect is
/// known.
ErrorKind classify_sqlstate(std::string_view state);

/// The dialect registered under \p key (src/dialects/registry.cpp). Throws Error(kind internal)
/// for an unknown key.
std::unique_ptr<Dialect> make_dialect(std::string_view key);
/// The dialect of the DBMS that ODBC's SQL_DBMS_NAME names ("SQLite", "PostgreSQL", "MySQL",
/// "MariaDB", "Microsoft SQL Server"). Throws Error(kind config) naming the supported ones.
std::unique_ptr<Dialect> dialect_for_dbms_name(std::string_view dbms_name);
/// The key of the dialect whose ODBC drivers a connection string's Driver= names (before
/// connecting); empty if none does.
std::string dialect_key_for_connection(std::string_view connection);

}  // namespace replicate
