#pragma once
/// \file dialect.hpp
/// Everything that differs by DBMS, as SQL text and decisions. Pure functions of their inputs:
/// thread-safe, testable without a database.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <replicate/error.hpp>
#include <replicate/table_spec.hpp>
#include <replicate/types.hpp>

namespace replicate {

enum class Dbms { sqlite, postgresql, mariadb, sqlserver };

/// Which rows of a partition column a statement touches.
enum class RowFilter {
    range,    ///< column >= ? AND column < ?
    is_null,  ///< column IS NULL (no parameters)
};
std::string_view to_string(Dbms d);

/// Read isolation of the source session.
enum class Isolation { read_committed, read_uncommitted, snapshot };

/// How the bounds of a range are bound for a partition column.
enum class RangeBinding {
    date,       ///< SQL_TYPE_DATE parameter
    timestamp,  ///< SQL_TYPE_TIMESTAMP parameter at midnight
    iso_text,   ///< "YYYY-MM-DD" text (SQLite stores dates as text; ISO order is text order)
};

class Dialect {
public:
    virtual ~Dialect() = default;
    virtual Dbms dbms() const = 0;

    /// Quotes one identifier, doubling the closing quote character inside it. Throws
    /// Error(kind config) for an empty name or one holding a NUL or control character.
    virtual std::string quote(std::string_view identifier) const;
    /// Quoted "schema"."table" (or "table" when the schema is empty).
    std::string qualified(const QualifiedName& name) const;

    /// The column type to declare for a column of type \p t on this DBMS, exact where the DBMS
    /// can hold the values exactly.
    virtual std::string column_type(const ColumnType& t) const = 0;
    /// Corrects what a driver reports for a result column using the declared type name where
    /// the driver's SQL type is not to be trusted (sqliteodbc reports decimal as varchar).
    virtual ColumnType refine(ColumnType described) const { return described; }

    std::string create_table(const QualifiedName& table, const Schema& schema) const;
    std::string create_index(const QualifiedName& table, const std::string& column) const;
    virtual std::string drop_table_if_exists(const QualifiedName& table) const;
    /// SELECT of \p schema's columns; with a partition column, filtered by two range parameters.
    std::string select(const QualifiedName& table, const Schema& schema,
                       const std::string& partition_column,
                       RowFilter filter = RowFilter::range) const;
    /// Rows whose partition column is NULL.
    std::string count_null(const QualifiedName& table, const std::string& column) const;
    /// DELETE of a range (two parameters), or of every row when \p partition_column is empty.
    virtual std::string delete_rows(const QualifiedName& table, const std::string& partition_column,
                                    RowFilter filter = RowFilter::range) const;
    /// INSERT of one row of \p schema's columns with '?' parameters; \p table_lock asks for the
    /// DBMS's bulk-load table lock where it has one (SQL Server: WITH (TABLOCK)).
    std::string insert(const QualifiedName& table, const Schema& schema,
                       bool table_lock = false) const;
    /// INSERT ... SELECT of \p columns from \p from into \p into (the full-refresh swap).
    std::string insert_select(const QualifiedName& into, const QualifiedName& from,
                              const Schema& columns) const;
    /// SELECT that returns no row but describes \p table's columns.
    std::string describe(const QualifiedName& table) const;
    /// SELECT of at most one row of \p table (a readability probe).
    std::string select_one(const QualifiedName& table) const;

    /// How range bounds are bound for a column of type \p t.
    virtual RangeBinding range_binding(const ColumnType& t) const;
    /// Statements run on a fresh source session (isolation, read-only hints).
    virtual std::vector<std::string> source_session_setup(Isolation level) const;
    /// Statements run on a fresh target session.
    virtual std::vector<std::string> target_session_setup() const { return {}; }
    /// Driver options this library depends on, added when the string lacks them (e.g.
    /// sqliteodbc StepAPI=1 so results stream; psqlODBC UseDeclareFetch=1).
    virtual std::string complete_connection_string(std::string connection, bool source) const;
    /// Kind of a driver error, from SQLSTATE and native code only.
    virtual ErrorKind classify(std::string_view sqlstate, long native_code) const;
    /// Target writes to one database must be serialised (SQLite has one writer at a time).
    virtual bool serialize_writes() const { return false; }
    /// Timestamps are bound as exact text instead of SQL_TIMESTAMP_STRUCT (sqliteodbc binds
    /// struct parameters at millisecond precision).
    virtual bool timestamps_as_text() const { return false; }
    /// Decimals are bound as plain text (SQL_VARCHAR), not SQL_DECIMAL, which some drivers
    /// convert through double.
    virtual bool decimals_as_text() const { return false; }
    /// Floats travel as shortest round-trip text both ways (sqliteodbc converts doubles with
    /// 15 significant digits).
    virtual bool floats_as_text() const { return false; }
    /// Parameter arrays may not mix lengths in a binary column (sqliteodbc reuses the first
    /// row's length): such chunks are executed one row at a time.
    virtual bool binary_arrays_need_equal_lengths() const { return false; }
    /// National (nchar/nvarchar) columns travel as UTF-16 (SQL_C_WCHAR): SQL Server's driver
    /// converts SQL_C_CHAR through the client's locale, which may not be UTF-8.
    virtual bool wide_national() const { return false; }
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
    virtual char open_quote() const { return '"'; }
    /// Text put after the table name of an INSERT for a table lock; empty if none.
    virtual std::string table_lock_hint() const { return {}; }
    virtual char close_quote() const { return '"'; }
};

/// The dialect for \p dbms.
std::unique_ptr<Dialect> make_dialect(Dbms dbms);
/// Recognises the DBMS from ODBC's SQL_DBMS_NAME ("SQLite", "PostgreSQL", "MySQL", "MariaDB",
/// "Microsoft SQL Server"). Throws Error(kind config) for anything else.
Dbms dbms_from_name(std::string_view dbms_name);
/// Guesses the DBMS from a connection string's Driver= (before connecting); false if unknown.
bool guess_dbms(std::string_view connection, Dbms& out);

}  // namespace replicate
