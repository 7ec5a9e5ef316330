#pragma once
// What an ODBC driver does differently from the ODBC specification or from what this library
// needs, one record per driver, found from SQL_DRIVER_NAME (or, before connecting, from the
// connection string's Driver=). A DBMS's SQL and types are its Dialect's; how a driver moves
// them is here.

#include <string>
#include <string_view>

namespace replicate::detail {

struct DriverQuirks {
    const char* name = "generic ODBC driver";
    /// A result is read row by row only when the statement has no parameters; with parameters
    /// the whole result is held in memory (sqliteodbc uses its step API only without them).
    bool streams_only_without_parameters = false;
    /// Every result is held whole in memory (MariaDB Connector/ODBC 3.1.15 has no streaming):
    /// a partition is then read in primary-key order, in chunks, in one snapshot.
    bool buffers_results = false;
    /// Parameter arrays may not mix lengths in a binary column (sqliteodbc reuses the first
    /// row's length): such chunks are executed one row at a time.
    bool binary_arrays_need_equal_lengths = false;
    /// SQLRowCount after a parameter array is the rows of the whole array (MariaDB
    /// Connector/ODBC, sqliteodbc, FreeTDS; psqlODBC gives the last row's, msodbcsql's is not
    /// documented as the total): an INSERT that reports fewer rows than it sent failed. MariaDB
    /// Connector/ODBC 3.1 answers a parameter array the server refused in bulk (a '1,5' into a
    /// decimal column, a value outside an ENUM) with SQL_SUCCESS, no diagnostic and 0 rows.
    bool counts_array_rows = false;
    /// All text travels as UTF-16 (SQL_C_WCHAR, parameters SQL_WVARCHAR): the SQL Server
    /// drivers convert SQL_C_CHAR through the client's code page, which may not be UTF-8, and
    /// on insert turn what that code page lacks into '?' silently. As UTF-16, the server
    /// converts into the target column's own collation (checked by OdbcTarget::validate).
    bool wide_text = false;
    /// The connection is opened by this library (link.hpp), not by SOCI: attributes that
    /// must be set before connecting can be (SQL Server: SQL_COPT_SS_BCP for a bulk-copy
    /// sink).
    bool opens_directly = false;
    /// SQL_ATTR_QUERY_TIMEOUT bounds the wait for the server without ending a streamed read
    /// (the SQL Server drivers); elsewhere it is not set (psqlODBC ignores it, sqliteodbc
    /// takes it as its busy timeout).
    bool honours_query_timeout = false;
    /// The SQL type of a time parameter: SQL_TYPE_TIME (92), or SQL_SS_TIME2 (-154) for the
    /// SQL Server drivers, which refuse fractional seconds as SQL_TYPE_TIME (22008).
    short time_sql_type = 92;
    /// How a text or binary parameter longer than SQL Server's bounded types allow (nvarchar
    /// 4000 UTF-16 units, varchar and varbinary 8000 bytes), or of an unbounded column, is
    /// declared. Never as SQL_WLONGVARCHAR / SQL_LONGVARBINARY on msodbcsql: it sends those as
    /// ntext / image, which _SC and _UTF8 collations refuse (4189).
    enum class LongParameters {
        long_types,  ///< no limits (other DBMSs' drivers): SQL_(W)LONGVARCHAR, SQL_LONGVARBINARY
        size_unlimited,     ///< msodbcsql: SQL_WVARCHAR / SQL_VARBINARY with ColumnSize 0
                            ///< (SQL_SS_LENGTH_UNLIMITED), that is nvarchar(max) / varbinary(max)
        max_by_long_types,  ///< FreeTDS: bounded types up to the limits, the long types above
                            ///< them, which it sends as nvarchar(max) / varbinary(max) from TDS
                            ///< 7.2 on (a ColumnSize of 0 would declare nvarchar(1))
    };
    LongParameters long_parameters = LongParameters::long_types;
    /// The first date (YYYYMMDD) the driver encodes right from SQL_DATE_STRUCT /
    /// SQL_TIMESTAMP_STRUCT; 0: every date. FreeTDS 1.3 computes earlier days with C's
    /// truncating division of negative numbers (sql2tds.c, convert_datetime2server): 1600-01-01
    /// is sent as 1600-01-02, 0001-01-01 as 0000-12-31. A batch holding an earlier date sends that
    /// column as ISO 8601 text, which the server converts exactly.
    int struct_dates_exact_from = 0;
    /// Adds the driver options this library depends on when the string lacks them (sqliteodbc
    /// StepAPI=1; psqlODBC UseDeclareFetch=1; FreeTDS ClientCharset=UTF-8); \p busy_timeout_seconds: how long a write waits
    /// for the database's writer lock where the driver takes it from the connection string.
    std::string (*complete)(std::string connection, bool source, int busy_timeout_seconds) = nullptr;

    std::string completed(std::string connection, bool source, int busy_timeout_seconds = 30) const {
        return complete != nullptr ? complete(std::move(connection), source, busy_timeout_seconds)
                                   : connection;
    }
};

/// SQL Server's time(n) parameter type (msodbcsql.h, FreeTDS odbcss.h).
constexpr short sql_ss_time2 = -154;
/// SQL Server's datetimeoffset(n) parameter and column type (msodbcsql.h, FreeTDS odbcss.h).
constexpr short sql_ss_timestampoffset = -155;

/// The record of the driver \p driver names: SQL_DRIVER_NAME ("libsqlite3odbc.so",
/// "psqlodbcw.so", "libmaodbc.so", "libmsodbcsql-18.so", "libtdsodbc.so") or a Driver= value
/// ("SQLite3", "PostgreSQL Unicode", "MariaDB Unicode", "ODBC Driver 18 for SQL Server",
/// "FreeTDS"). The generic record, without quirks, for any other.
const DriverQuirks& driver_quirks(std::string_view driver);

}  // namespace replicate::detail
