#include "connection.hpp"

#include <odbcinst.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <replicate/calendar.hpp>
#include <thread>

#include "../columns.hpp"
#include "../dialects/drivers.hpp"
#include "../log.hpp"
#include "../text.hpp"
#include "data_plane.hpp"
#include "open_path.hpp"

namespace replicate::odbc::detail {

// ---- Params ------------------------------------------------------------------------------

void Params::add_text(std::string value) {
    Item& it = items_.emplace_back();
    it.text = std::move(value);
    it.size = std::max<SQLULEN>(1, it.text.size());
    it.indicator = static_cast<SQLLEN>(it.text.size());
}

void Params::add_int(long long value) {
    Item& it = items_.emplace_back();
    it.c_type = SQL_C_SBIGINT;
    it.sql_type = SQL_BIGINT;
    it.integer = value;
    it.indicator = 0;
}

void Params::add_bound(const Timestamp& bound, RangeBinding binding, const ColumnType& column) {
    const Date& day = bound.date;
    switch (binding) {
    case RangeBinding::iso_text: add_text(bound_text(bound)); return;
    case RangeBinding::date: {
        Item& it = items_.emplace_back();
        it.c_type = SQL_C_TYPE_DATE;
        it.sql_type = SQL_TYPE_DATE;
        it.size = 10;
        it.date = SQL_DATE_STRUCT{static_cast<SQLSMALLINT>(day.year),
                                  static_cast<SQLUSMALLINT>(day.month),
                                  static_cast<SQLUSMALLINT>(day.day)};
        return;
    }
    case RangeBinding::timestamp: {
        Item& it = items_.emplace_back();
        it.c_type = SQL_C_TYPE_TIMESTAMP;
        it.sql_type = SQL_TYPE_TIMESTAMP;
        // Typed like the column (datetime: 3 digits, datetime2(7): 7) so the server compares
        // without converting the column.
        it.digits = static_cast<SQLSMALLINT>(column.precision);
        it.size = static_cast<SQLULEN>(column.precision > 0 ? 20 + column.precision : 19);
        it.timestamp.year = static_cast<SQLSMALLINT>(day.year);
        it.timestamp.month = static_cast<SQLUSMALLINT>(day.month);
        it.timestamp.day = static_cast<SQLUSMALLINT>(day.day);
        it.timestamp.hour = static_cast<SQLUSMALLINT>(bound.hour);
        it.timestamp.minute = static_cast<SQLUSMALLINT>(bound.minute);
        it.timestamp.second = static_cast<SQLUSMALLINT>(bound.second);
        return;
    }
    }
}

void Params::bind(SQLHSTMT stmt, const Connection& conn) {
    SQLUSMALLINT n = 0;
    const int exact_from = conn.driver().struct_dates_exact_from;
    for (Item& it : items_) {
        ++n;
        // A date the driver would encode wrongly from its struct goes as ISO text, which the
        // server converts (DriverQuirks::struct_dates_exact_from; range bounds before 1600).
        if (exact_from != 0 &&
            (it.c_type == SQL_C_TYPE_DATE || it.c_type == SQL_C_TYPE_TIMESTAMP)) {
            const bool date = it.c_type == SQL_C_TYPE_DATE;
            const int y = date ? it.date.year : it.timestamp.year;
            const int m = date ? it.date.month : it.timestamp.month;
            const int d = date ? it.date.day : it.timestamp.day;
            if (y * 10000 + m * 100 + d < exact_from) {
                char text[40];
                if (date) {
                    std::snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
                } else {
                    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d,
                                  it.timestamp.hour, it.timestamp.minute, it.timestamp.second);
                }
                it.text = text;
                it.c_type = SQL_C_CHAR;
                it.sql_type = SQL_VARCHAR;
                it.digits = 0;
                it.size = it.text.size();
                it.indicator = static_cast<SQLLEN>(it.text.size());
            }
        }
        void* data = nullptr;
        SQLLEN buffer_length = 0;
        if (it.c_type == SQL_C_CHAR && conn.driver().wide_text) {
            // As UTF-16, so the server converts into the column's collation, not the driver
            // through the client's code page.
            it.wide = utf8_to_utf16(it.text);
            it.c_type = SQL_C_WCHAR;
            const auto declared = declared_parameter(conn.driver(), SQL_WVARCHAR, it.wide.size());
            it.sql_type = declared.first;
            it.size = declared.second;
            it.indicator = static_cast<SQLLEN>(it.wide.size() * sizeof(char16_t));
        }
        switch (it.c_type) {
        case SQL_C_CHAR:
            data = it.text.data();
            buffer_length = static_cast<SQLLEN>(it.text.size());
            break;
        case SQL_C_WCHAR:
            data = it.wide.data();
            buffer_length = it.indicator;
            break;
        case SQL_C_SBIGINT: data = &it.integer; break;
        case SQL_C_TYPE_DATE: data = &it.date; break;
        default: data = &it.timestamp; break;
        }
        conn.check(SQLBindParameter(stmt, n, SQL_PARAM_INPUT, it.c_type, it.sql_type, it.size,
                                    it.digits, data, buffer_length, &it.indicator),
                   SQL_HANDLE_STMT, stmt, "cannot bind parameter " + std::to_string(n));
    }
}

// ---- column types ------------------------------------------------------------------------

ColumnType column_type_from_odbc(SQLSMALLINT sql_type, SQLULEN size, SQLSMALLINT digits,
                                 bool is_unsigned, const std::string& type_name, bool nullable) {
    ColumnType t;
    t.native_name = type_name;
    t.nullable = nullable;
    // ODBC reports SQL_TRUE for every non-numeric column; only integers keep the flag.
    t.is_unsigned = is_unsigned && (sql_type == SQL_TINYINT || sql_type == SQL_SMALLINT ||
                                    sql_type == SQL_INTEGER || sql_type == SQL_BIGINT);
    const std::string lname = replicate::detail::lower(type_name);
    // Long columns (varchar(max), text, blob) are unbounded; drivers report 0, 2^31-1 or
    // similar, so anything past 8000 bytes is treated as unbounded.
    const auto bounded = [&](SQLULEN n) -> std::int64_t {
        return n == 0 || n > 8000 ? 0 : static_cast<std::int64_t>(n);
    };
    switch (sql_type) {
    case SQL_BIT: t.type = Type::boolean; break;
    case SQL_TINYINT: t.type = Type::int8; break;
    case SQL_SMALLINT: t.type = Type::int16; break;
    case SQL_INTEGER: t.type = Type::int32; break;
    case SQL_BIGINT: t.type = Type::int64; break;
    case SQL_DECIMAL:
    case SQL_NUMERIC:
        t.type = Type::decimal;
        t.precision = static_cast<int>(size);
        t.scale = digits;
        break;
    case SQL_REAL: t.type = Type::float32; break;
    case SQL_FLOAT:
    case SQL_DOUBLE: t.type = Type::float64; break;
    case SQL_TYPE_DATE:
    case SQL_DATE: t.type = Type::date; break;
    case SQL_TYPE_TIME:
    case SQL_TIME:
    case -154:  // SQL_SS_TIME2
        t.type = Type::time;
        t.precision = digits;
        break;
    case SQL_TYPE_TIMESTAMP:
    case SQL_TIMESTAMP:
        t.type = Type::timestamp;
        t.precision = digits;
        break;
    case SQL_CHAR:
    case SQL_VARCHAR:
    case SQL_LONGVARCHAR:
        t.type = Type::text;
        t.length = sql_type == SQL_LONGVARCHAR ? 0 : bounded(size);
        t.fixed_length = sql_type == SQL_CHAR;
        break;
    case SQL_WCHAR:
    case SQL_WVARCHAR:
    case SQL_WLONGVARCHAR:
        t.type = Type::text;
        t.national = true;
        t.length = sql_type == SQL_WLONGVARCHAR ? 0 : bounded(size);
        t.fixed_length = sql_type == SQL_WCHAR;
        break;
    case SQL_BINARY:
    case SQL_VARBINARY:
    case SQL_LONGVARBINARY:
        t.type = Type::binary;
        t.length = sql_type == SQL_LONGVARBINARY ? 0 : bounded(size);
        t.fixed_length = sql_type == SQL_BINARY;
        // SQL Server reports rowversion as binary(8) named "timestamp".
        t.row_version = (lname == "timestamp" || lname == "rowversion") && size == 8;
        break;
    case SQL_GUID:
        // 16 bytes, carried as their canonical text (created as uniqueidentifier / uuid where
        // the target has such a type, char(36) elsewhere).
        t.type = Type::text;
        t.length = 36;
        t.fixed_length = true;
        t.text_kind = ColumnType::TextKind::uuid;
        break;
    case -155:  // SQL_SS_TIMESTAMPOFFSET: an instant and its offset, kept together as text
        t.type = Type::text;
        t.precision = digits;
        t.length = 34;  // "YYYY-MM-DD hh:mm:ss.nnnnnnn +hh:mm"
        t.text_kind = ColumnType::TextKind::datetimeoffset;
        break;
    case -152:  // SQL_SS_XML: the document as the server serialises it
        t.type = Type::text;
        t.length = 0;
        t.national = true;
        t.text_kind = ColumnType::TextKind::xml;
        break;
    case -150:  // SQL_SS_VARIANT
        throw Error(ErrorKind::config,
                    "sql_variant values carry a type each, which no column of one type keeps: "
                    "select the column through a view that CASTs it to one type");
    case -151:  // SQL_SS_UDT: hierarchyid, geometry, geography and other CLR types
        throw Error(
            ErrorKind::config,
            "'" + type_name +
                "' is a CLR type, whose values no other DBMS holds: select the "
                "column through a view that converts it (hierarchyid: .ToString(); geometry and "
                "geography: .STAsBinary() or .STAsText())");
    default:
        throw Error(ErrorKind::config, "unsupported column type '" + type_name + "' (ODBC type " +
                                           std::to_string(sql_type) + ")");
    }
    return t;
}

// ---- Connection --------------------------------------------------------------------------

namespace {

std::vector<std::string> secrets_of(const std::string& connection) {
    std::vector<std::string> out;
    for (const auto& a : replicate::detail::connection_attributes(connection)) {
        if (replicate::detail::is_secret_attribute(a.key) && !a.value.empty()) out.push_back(a.value);
    }
    return out;
}

std::string get_info(SQLHDBC dbc, SQLUSMALLINT what) {
    char buf[512] = {};
    SQLSMALLINT len = 0;
    if (!SQL_SUCCEEDED(SQLGetInfo(dbc, what, buf, sizeof buf, &len))) return {};
    return buf;
}

}  // namespace

Connection::Connection(const EndpointConfig& endpoint, bool source, ConnectionRegistry* registry)
    : endpoint_(endpoint), secrets_(secrets_of(endpoint.connection)), source_(source) {
    const int busy = source ? 30 : std::max(1, endpoint.wait_for_other_run_seconds);
    std::string connection = endpoint.connection;
    std::optional<std::string> driver = replicate::detail::connection_attribute(connection, "driver");
    if (!driver) {
        // A DSN names its driver in odbc.ini: look it up before connecting (a first connect
        // without NoCreat=1 would already create a missing SQLite file).
        if (const auto dsn = replicate::detail::connection_attribute(connection, "dsn")) {
            char path[512] = {};
            SQLGetPrivateProfileString(dsn->c_str(), "Driver", "", path, sizeof path, "odbc.ini");
            if (path[0] != '\0') driver = std::string(path);
        }
    }
    const replicate::detail::DriverQuirks* expected =
        driver ? &replicate::detail::driver_quirks(*driver) : nullptr;
    const bool known = expected != nullptr && expected != &replicate::detail::driver_quirks("");
    if (known) connection = expected->completed(connection, source, busy);
    const bool direct = all_connections_open_directly() || (known && expected->opens_directly);
    const bool wide = all_text_wide() || (known && expected->wide_text);
    open(connection, source, direct, wide);
    if (!known) {
        // A DSN alone may name no driver: the options this library relies on (streaming,
        // booleans as numbers, busy waits) are added now that the driver is known, and the
        // connection is opened again with them (and by this library where the driver needs it).
        const std::string completed = driver_->completed(connection, source, busy);
        if (completed != connection || (driver_->opens_directly && !direct)) {
            REPLICATE_LOG(debug) << "reconnecting with the driver options " << info_.dbms_name
                                 << " needs";
            link_.reset();
            open(completed, source, direct || driver_->opens_directly, wide || driver_->wide_text);
        }
    }
    // Last, so that a constructor that throws leaves nothing registered.
    if (registry != nullptr) {
        registry->add(this);
        registry_ = registry;
    }
}

Error Connection::link_failure(const LinkError& e, const std::string& what) const {
    ErrorKind kind = dialect_ ? dialect_->classify(e.sqlstate, e.native) : classify_sqlstate(e.sqlstate);
    if (kind == ErrorKind::internal && dialect_ && is_dead()) kind = ErrorKind::transient;
    return Error(kind, what + ": " + (e.sqlstate.empty() ? "" : "[" + e.sqlstate + "] ") +
                           scrub(e.message, secrets_),
                 e.sqlstate, e.native);
}

void Connection::open(const std::string& connection, bool source, bool direct, bool wide) {
    const std::string side = source ? "source" : "target";
    // SOCI opens the connection in one call, before a login timeout could be set on the
    // handle, and not every driver honours SQL_ATTR_LOGIN_TIMEOUT, so the deadline is kept
    // here: the open runs on its own thread.
    struct Opening {
        std::mutex mutex;
        std::condition_variable cv;
        bool done = false;
        std::optional<LinkError> error;
        std::shared_ptr<Link> link;
    };
    auto opening = std::make_shared<Opening>();
    const int timeout_seconds = std::max(1, endpoint_.connect_timeout_seconds);
    std::vector<ConnectAttribute> before;
    for (const auto& [attribute, value] : endpoint_.before_connect) {
        before.push_back({static_cast<SQLINTEGER>(attribute), static_cast<SQLULEN>(value)});
    }
    std::thread([opening, connection, direct, wide, before, timeout_seconds]() {
        std::shared_ptr<Link> link;
        std::optional<LinkError> error;
        try {
            link = direct ? std::shared_ptr<Link>(
                                open_direct_link(connection, before, timeout_seconds, wide))
                          : std::shared_ptr<Link>(open_soci_link(connection));
        } catch (const LinkError& e) {
            error = e;
        } catch (const std::exception& e) {
            error = LinkError{"", 0, e.what()};
        }
        std::lock_guard<std::mutex> lock(opening->mutex);
        opening->link = std::move(link);
        opening->error = std::move(error);
        opening->done = true;
        opening->cv.notify_all();
    }).detach();
    {
        std::unique_lock<std::mutex> lock(opening->mutex);
        const auto timeout = std::chrono::seconds(timeout_seconds);
        if (!opening->cv.wait_for(lock, timeout, [&] { return opening->done; })) {
            throw Error(ErrorKind::connection,
                        "cannot connect to the " + side + " database: no answer within " +
                            std::to_string(timeout.count()) +
                            " s (connect_timeout; check host, port and firewall)");
        }
        if (opening->error) {
            const LinkError& e = *opening->error;
            const ErrorKind kind = e.sqlstate == "IM002" ? ErrorKind::config : ErrorKind::connection;
            const std::string hint = kind == ErrorKind::config
                                         ? " (check Driver= against /etc/odbcinst.ini)"
                                         : " (check the connection string, host, credentials)";
            throw Error(kind,
                        "cannot connect to the " + side + " database: " +
                            (e.sqlstate.empty() ? "" : "[" + e.sqlstate + "] ") +
                            scrub(e.message, secrets_) + hint,
                        e.sqlstate, e.native);
        }
        link_ = opening->link;
    }
    const SQLHDBC h = dbc();
    info_.dbms_name = get_info(h, SQL_DBMS_NAME);
    info_.dbms_version = get_info(h, SQL_DBMS_VER);
    info_.driver_name = get_info(h, SQL_DRIVER_NAME);
    info_.driver_version = get_info(h, SQL_DRIVER_VER);
    info_.database = get_info(h, SQL_DATABASE_NAME);
    dialect_ = dialect_for_dbms_name(info_.dbms_name);
    driver_ = &replicate::detail::driver_quirks(info_.driver_name);
    if (all_text_wide() && !driver_->wide_text) {
        wide_driver_ = *driver_;
        wide_driver_.wide_text = true;
        driver_ = &wide_driver_;
    }
    info_.dialect = std::string(dialect_->key());
    dialect_->set_decimals_as_text(endpoint_.decimals_as_text);
    if (source) plan_source_reads();
    const std::vector<std::string> setup =
        source ? dialect_->source_session_setup(reads_.isolation, endpoint_.lock_timeout_seconds)
               : dialect_->target_session_setup(endpoint_.lock_timeout_seconds);
    for (const std::string& sql : setup) execute(sql);
    REPLICATE_LOG(debug) << "connected to " << side << " (" << link_->kind() << "): "
                         << info_.dbms_name << ' ' << info_.dbms_version << " via "
                         << info_.driver_name << ' ' << info_.driver_version;
}

void Connection::plan_source_reads() {
    std::optional<ReadVersioning> versioning;
    const std::string sql = dialect_->read_versioning_query();
    if (!sql.empty()) {
        try {
            const std::vector<Row> rows = query(sql);
            if (!rows.empty() && rows[0].size() >= 2) {
                versioning =
                    ReadVersioning{rows[0][0].value_or("0") == "1", rows[0][1].value_or("0") == "1",
                                   rows[0].size() >= 3 && rows[0][2].value_or("0") == "1"};
            }
        } catch (const Error& e) {
            REPLICATE_LOG(warning) << "cannot tell whether the source database allows snapshot "
                                      "isolation: "
                                   << e.what();
        }
    }
    reads_ = plan_reads(endpoint_.isolation, *dialect_, versioning, info_.database);
    info_.reads = reads_.consistency;
}

namespace {
std::u16string wide_sql(const std::string& sql) { return utf8_to_utf16(sql); }
}  // namespace

SQLRETURN Connection::exec_direct(SQLHSTMT stmt, const std::string& sql) const {
    if (driver_ != nullptr && driver_->wide_text) {
        std::u16string w = wide_sql(sql);
        return SQLExecDirectW(stmt, reinterpret_cast<SQLWCHAR*>(w.data()),
                              static_cast<SQLINTEGER>(w.size()));
    }
    return SQLExecDirect(stmt, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
}

SQLRETURN Connection::prepare(SQLHSTMT stmt, const std::string& sql) const {
    if (driver_ != nullptr && driver_->wide_text) {
        std::u16string w = wide_sql(sql);
        return SQLPrepareW(stmt, reinterpret_cast<SQLWCHAR*>(w.data()), static_cast<SQLINTEGER>(w.size()));
    }
    return SQLPrepare(stmt, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
}

int Connection::query_timeout() const {
    return driver_ != nullptr && driver_->honours_query_timeout ? endpoint_.query_timeout_seconds : 0;
}

Connection::~Connection() {
    if (registry_ != nullptr) registry_->remove(this);
    rollback();
}

SQLHDBC Connection::dbc() const { return link_->dbc(); }

Statement Connection::statement() const {
    return Statement(dbc(), query_timeout(), driver_ != nullptr && driver_->wide_text);
}

void Connection::begin() {
    const std::string explicit_begin = dialect_->begin_statement();
    if (!explicit_begin.empty()) {
        execute(explicit_begin);
        in_transaction_ = true;
        explicit_transaction_ = true;
        return;
    }
    try {
        link_->begin();
        in_transaction_ = true;
    } catch (const LinkError& e) {
        throw link_failure(e, "cannot begin a transaction");
    }
}

void Connection::commit() {
    if (explicit_transaction_) {
        in_transaction_ = false;
        explicit_transaction_ = false;
        execute("COMMIT");
        return;
    }
    try {
        in_transaction_ = false;
        link_->commit();
    } catch (const LinkError& e) {
        throw link_failure(e, "commit failed");
    }
}

void Connection::rollback() noexcept {
    if (!in_transaction_) return;
    in_transaction_ = false;
    try {
        if (explicit_transaction_) {
            explicit_transaction_ = false;
            execute("ROLLBACK");
            return;
        }
        link_->rollback();
    } catch (const LinkError& e) {
        REPLICATE_LOG(debug) << "rollback failed (the connection may be gone): "
                             << scrub(e.message, secrets_);
    } catch (const std::exception& e) {
        REPLICATE_LOG(debug) << "rollback failed (the connection may be gone): "
                             << scrub(e.what(), secrets_);
    }
}

bool Connection::is_dead() const {
    SQLUINTEGER dead = SQL_CD_FALSE;
    if (!SQL_SUCCEEDED(SQLGetConnectAttr(dbc(), SQL_ATTR_CONNECTION_DEAD, &dead, 0, nullptr))) {
        return false;
    }
    return dead == SQL_CD_TRUE;
}

Error Connection::error(SQLSMALLINT handle_type, SQLHANDLE handle, const std::string& what,
                        SQLRETURN rc) const {
    const bool wide = driver_ != nullptr && driver_->wide_text;
    const SQLHDBC conn = handle_type == SQL_HANDLE_STMT && link_ ? dbc() : SQL_NULL_HDBC;
    Error e =
        make_error(FailedCall{handle_type, handle, rc, conn, wide}, what, dialect_.get(), secrets_);
    if (dialect_ && dialect_->is_lock_timeout(e.sqlstate(), e.native_code()) &&
        endpoint_.lock_timeout_seconds > 0) {
        return Error(e.kind(),
                     std::string(e.what()) + " (another session held a lock longer than [" +
                         (source_ ? "source" : "target") + "] lock_timeout = " +
                         std::to_string(endpoint_.lock_timeout_seconds) + " s)",
                     e.sqlstate(), e.native_code());
    }
    if ((e.kind() == ErrorKind::internal || e.kind() == ErrorKind::data) && is_dead()) {
        return Error(ErrorKind::transient, std::string(e.what()) + " (connection lost)",
                     e.sqlstate(), e.native_code());
    }
    return e;
}

void Connection::set_running(SQLHSTMT stmt) noexcept {
    std::lock_guard<std::mutex> lock(running_mutex_);
    running_ = stmt;
}

void Connection::cancel() noexcept {
    std::lock_guard<std::mutex> lock(running_mutex_);
    if (running_ != SQL_NULL_HSTMT) SQLCancel(running_);
}

void Connection::execute(const std::string& sql, Params* params) {
    Statement st = statement();
    if (params) params->bind(st.get(), *this);
    const Running running(*this, st.get());
    const SQLRETURN rc = exec_direct(st.get(), sql);
    // SQL_NO_DATA: a searched DELETE/UPDATE that touched no row.
    if (rc == SQL_NO_DATA) return;
    check(rc, SQL_HANDLE_STMT, st.get(), "statement failed: " + sql);
}

std::vector<Row> Connection::query(const Query& q) {
    Params p;
    for (const std::string& v : q.params) p.add_text(v);
    return query(q.sql, &p);
}

// One column of the current row, piece by piece through a fixed buffer: \p Char is char
// (SQL_C_CHAR) or char16_t (SQL_C_WCHAR); the indicator counts bytes either way.
template <class Char>
std::optional<std::basic_string<Char>> Connection::get_data(SQLHSTMT stmt, SQLUSMALLINT c,
                                                            const std::string& sql) const {
    constexpr SQLSMALLINT c_type = sizeof(Char) == 1 ? SQL_C_CHAR : SQL_C_WCHAR;
    std::basic_string<Char> value;
    Char buf[1024 / sizeof(Char)];
    const std::size_t room = sizeof buf / sizeof(Char) - 1;  // one terminator
    for (;;) {
        SQLLEN ind = 0;
        const SQLRETURN g = SQLGetData(stmt, c, c_type, buf, sizeof buf, &ind);
        if (g == SQL_NO_DATA) break;
        check(g, SQL_HANDLE_STMT, stmt, "reading a result failed: " + sql);
        if (ind == SQL_NULL_DATA) return std::nullopt;
        const bool more = g == SQL_SUCCESS_WITH_INFO &&
                          (ind == SQL_NO_TOTAL || ind >= static_cast<SQLLEN>(sizeof buf));
        value.append(buf, more ? room : std::min(room, static_cast<std::size_t>(ind) / sizeof(Char)));
        if (!more) break;
    }
    return value;
}

std::vector<Row> Connection::query(const std::string& sql, Params* params) {
    Statement st = statement();
    if (params) params->bind(st.get(), *this);
    const Running running(*this, st.get());
    {
        const SQLRETURN rc = exec_direct(st.get(), sql);
        if (rc != SQL_NO_DATA) check(rc, SQL_HANDLE_STMT, st.get(), "query failed: " + sql);
    }
    SQLSMALLINT ncols = 0;
    std::vector<Row> rows;
    // A batch may give row counts or nothing before its result set (a procedure's EXEC, or a
    // statement with no result at all): the first result with columns is read, and SQLFetch is
    // never called on none (24000 on FreeTDS and msodbcsql).
    for (;;) {
        check(SQLNumResultCols(st.get(), &ncols), SQL_HANDLE_STMT, st.get(),
              "query failed: " + sql);
        if (ncols > 0) break;
        const SQLRETURN more = SQLMoreResults(st.get());
        if (more == SQL_NO_DATA) return rows;
        check(more, SQL_HANDLE_STMT, st.get(), "query failed: " + sql);
    }
    for (;;) {
        const SQLRETURN rc = SQLFetch(st.get());
        if (rc == SQL_NO_DATA) break;
        check(rc, SQL_HANDLE_STMT, st.get(), "fetch failed: " + sql);
        Row row;
        for (SQLUSMALLINT c = 1; c <= static_cast<SQLUSMALLINT>(ncols); ++c) {
            if (driver_->wide_text) {
                // Converted once whole: a surrogate pair may straddle two pieces.
                const auto units = get_data<char16_t>(st.get(), c, sql);
                row.push_back(units ? std::optional<std::string>(utf16_to_utf8(units->data(), units->size()))
                                    : std::nullopt);
            } else {
                row.push_back(get_data<char>(st.get(), c, sql));
            }
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

bool Connection::table_exists(const QualifiedName& table) {
    return !query(dialect_->table_exists_query(table)).empty();
}

bool Connection::schema_exists(const std::string& schema) {
    return !query(dialect_->schema_exists_query(schema)).empty();
}

std::vector<std::string> Connection::primary_key(const QualifiedName& table) {
    std::vector<std::string> out;
    for (const Row& r : query(dialect_->primary_key_query(table))) {
        if (!r.empty() && r[0]) out.push_back(*r[0]);
    }
    return out;
}

std::vector<Connection::OwnColumn> Connection::defaulted_columns(const QualifiedName& table) {
    std::vector<OwnColumn> out;
    for (const Row& r : query(dialect_->defaulted_columns_query(table))) {
        if (r.empty() || !r[0]) continue;
        const std::string kind = r.size() > 1 ? r[1].value_or("") : "";
        out.push_back({*r[0], kind == "generated"  ? OwnColumn::Kind::generated
                              : kind == "identity" ? OwnColumn::Kind::identity
                                                   : OwnColumn::Kind::default_value});
    }
    return out;
}

std::map<std::string, std::string> Connection::declared_types(const QualifiedName& table) {
    std::map<std::string, std::string> out;
    const Query q = dialect_->declared_types_query(table);
    if (q.sql.empty()) return out;
    for (const Row& r : query(q)) {
        if (r.size() >= 2 && r[0]) out[*r[0]] = r[1].value_or("");
    }
    return out;
}

Schema Connection::describe_result(SQLHSTMT stmt, const std::string& what,
                                   const std::map<std::string, std::string>* declared) {
    SQLSMALLINT ncols = 0;
    check(SQLNumResultCols(stmt, &ncols), SQL_HANDLE_STMT, stmt, what);
    Schema schema;
    for (SQLUSMALLINT i = 1; i <= static_cast<SQLUSMALLINT>(ncols); ++i) {
        SQLSMALLINT name_len = 0;
        SQLSMALLINT data_type = 0;
        SQLULEN size = 0;
        SQLSMALLINT digits = 0;
        SQLSMALLINT nullable = SQL_NULLABLE_UNKNOWN;
        Column col;
        std::string native;
        if (driver_->wide_text) {
            // Names through the wide API: the narrow one converts them through the client's
            // code page (Windows), which may not hold them.
            SQLWCHAR name[512] = {};
            check(SQLDescribeColW(stmt, i, name,
                                  static_cast<SQLSMALLINT>(sizeof name / sizeof name[0]), &name_len,
                                  &data_type, &size, &digits, &nullable),
                  SQL_HANDLE_STMT, stmt, what);
            const auto n =
                std::min<std::size_t>(static_cast<std::size_t>(std::max<SQLSMALLINT>(0, name_len)),
                                      sizeof name / sizeof name[0] - 1);
            col.name = utf16_to_utf8(reinterpret_cast<const char16_t*>(name), n);
            SQLWCHAR type_name[256] = {};
            SQLSMALLINT tn_bytes = 0;
            SQLColAttributeW(stmt, i, SQL_DESC_TYPE_NAME, type_name, sizeof type_name, &tn_bytes,
                             nullptr);
            std::size_t units = 0;
            while (units < sizeof type_name / sizeof type_name[0] - 1 && type_name[units] != 0)
                ++units;
            native = utf16_to_utf8(reinterpret_cast<const char16_t*>(type_name), units);
        } else {
            SQLCHAR name[512] = {};
            check(SQLDescribeCol(stmt, i, name, sizeof name, &name_len, &data_type, &size, &digits,
                                 &nullable),
                  SQL_HANDLE_STMT, stmt, what);
            col.name = reinterpret_cast<const char*>(name);
            char type_name[256] = {};
            SQLSMALLINT tn_len = 0;
            SQLColAttribute(stmt, i, SQL_DESC_TYPE_NAME, type_name, sizeof type_name, &tn_len,
                            nullptr);
            native = type_name;
        }
        SQLLEN is_unsigned = SQL_FALSE;
        SQLColAttribute(stmt, i, SQL_DESC_UNSIGNED, nullptr, 0, nullptr, &is_unsigned);
        if (declared != nullptr) {
            auto it = declared->find(col.name);
            if (it != declared->end()) native = it->second;
        }
        try {
            col.type = dialect_->refine(column_type_from_odbc(
                data_type, size, digits, is_unsigned == SQL_TRUE, native,
                nullable != SQL_NO_NULLS));
        } catch (const Error& e) {
            throw e.with_context(what + ", column '" + col.name + "'");
        }
        schema.push_back(std::move(col));
    }
    return schema;
}

Schema Connection::describe(const QualifiedName& table) {
    if (!table_exists(table)) {
        throw Error(ErrorKind::config, "table " + table.display() + " does not exist in the " +
                                           info_.database + " database (" + info_.dbms_name +
                                           "): check the table name and schema");
    }
    Statement st = statement();
    const std::string sql = dialect_->describe(table);
    const Running running(*this, st.get());
    check(exec_direct(st.get(), sql), SQL_HANDLE_STMT, st.get(), "cannot describe " + table.display());
    // sqliteodbc describes results without lengths or decimal scales; the catalog keeps the
    // declared type ("decimal(16,4)", "varchar(30)").
    const std::map<std::string, std::string> declared = declared_types(table);
    Schema schema = describe_result(st.get(), "describing " + table.display(),
                                    declared.empty() ? nullptr : &declared);
    // SQL Server: the collation and code page of each non-Unicode text column.
    const Query collations = dialect_->text_collations_query(table);
    if (!collations.sql.empty()) {
        for (const Row& r : query(collations)) {
            if (r.size() < 3 || !r[0] || !r[1] || !r[2]) continue;
            // By the one column-matching rule: a catalog may spell the name otherwise than
            // the result's description (Babelfish's sys.columns lowercases it).
            const Column* match =
                replicate::detail::find_column(schema, *r[0], dialect_->case_sensitive_names());
            if (match == nullptr || match->type.type != Type::text) continue;
            Column& c = schema[static_cast<std::size_t>(match - schema.data())];
            c.type.collation = *r[1];
            c.type.code_page = std::atoi(r[2]->c_str());
        }
    }
    return schema;
}

}  // namespace replicate::odbc::detail
