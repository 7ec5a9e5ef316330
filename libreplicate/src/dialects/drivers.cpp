#include "drivers.hpp"

#include <algorithm>
#include <replicate/error.hpp>

#include "../text.hpp"

namespace replicate::detail {

namespace {

std::string sqliteodbc_options(std::string c, bool source, int busy_timeout) {
    c = with_default_attribute(std::move(c), "StepAPI", "1");  // stream, do not buffer
    // A writer waits this long for another's write lock (another run's partition).
    c = with_default_attribute(std::move(c), "Timeout",
                               std::to_string(std::max(1, busy_timeout) * 1000LL));
    if (source) c = with_default_attribute(std::move(c), "NoCreat", "1");
    return c;
}

std::string psqlodbc_options(std::string c, bool, int) {
    // Without UseDeclareFetch psqlODBC reads the whole result into memory.
    c = with_default_attribute(std::move(c), "UseDeclareFetch", "1");
    // psqlODBC reports boolean as varchar ('1'/'0') unless told otherwise.
    c = with_default_attribute(std::move(c), "BoolsAsChar", "0");
    // Rows per fetch: psqlODBC keeps them as strings with per-field overhead, about 9 KiB a
    // row of a 197-column table, so 10,000 held 90 MiB per connection (measured: 576 MiB
    // peak with 2 workers through ODBC); 2,000 costs no measurable speed.
    return with_default_attribute(std::move(c), "Fetch", "2000");
}

DriverQuirks sqliteodbc() {
    DriverQuirks q;
    q.name = "sqliteodbc";
    q.streams_only_without_parameters = true;
    q.binary_arrays_need_equal_lengths = true;
    q.counts_array_rows = true;
    q.complete = sqliteodbc_options;
    return q;
}

DriverQuirks psqlodbc() {
    DriverQuirks q;
    q.name = "psqlODBC";
    q.complete = psqlodbc_options;
    return q;
}

DriverQuirks mariadb_connector() {
    DriverQuirks q;
    q.name = "MariaDB Connector/ODBC";
    q.buffers_results = true;
    q.counts_array_rows = true;
    return q;
}

// FreeTDS without ClientCharset converts text through the C locale's charset (ISO-8859-1
// under the POSIX locale a service runs in): characters outside it would be lost.
std::string freetds_options(std::string c, bool, int) {
    // Before TDS 7.2 there is no nvarchar(max): FreeTDS sends long text as ntext, which _SC
    // and _UTF8 collations refuse, and reads (max) columns as text/ntext.
    if (const auto version = connection_attribute(c, "tds_version")) {
        const std::string v = *version;
        if (v == "4.2" || v == "5.0" || v == "7.0" || v == "7.1") {
            throw Error(ErrorKind::config,
                        "TDS_Version=" + v +
                            " in the connection string: the SQL Server path needs TDS 7.2 "
                            "or later for nvarchar(max) and varbinary(max); use TDS_Version=7.4 "
                            "(or leave it out)");
        }
    }
    return with_default_attribute(std::move(c), "ClientCharset", "UTF-8");
}

DriverQuirks sql_server_driver(const char* name, bool freetds) {
    DriverQuirks q;
    q.name = name;
    q.wide_text = true;
    q.opens_directly = true;
    q.honours_query_timeout = true;
    q.time_sql_type = sql_ss_time2;
    q.long_parameters = freetds ? DriverQuirks::LongParameters::max_by_long_types
                                : DriverQuirks::LongParameters::size_unlimited;
    if (freetds) {
        q.complete = freetds_options;
        q.counts_array_rows = true;
        q.struct_dates_exact_from = 16000301;
    }
    return q;
}

bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

}  // namespace

const DriverQuirks& driver_quirks(std::string_view driver) {
    static const DriverQuirks generic;
    static const DriverQuirks sqlite = sqliteodbc();
    static const DriverQuirks postgres = psqlodbc();
    static const DriverQuirks maria = mariadb_connector();
    static const DriverQuirks msodbcsql =
        sql_server_driver("Microsoft ODBC Driver for SQL Server", false);
    static const DriverQuirks freetds = sql_server_driver("FreeTDS", true);
    const std::string d = lower(driver);
    if (has(d, "sqlite")) return sqlite;
    if (has(d, "psqlodbc") || has(d, "postgres")) return postgres;
    if (has(d, "maodbc") || has(d, "maria") || has(d, "myodbc") || has(d, "mysql")) return maria;
    if (has(d, "msodbcsql") || has(d, "sql server")) return msodbcsql;
    if (has(d, "tds")) return freetds;
    return generic;
}

}  // namespace replicate::detail
