// Runs only in contract.sqlserver (REPLICATE_TEST_MSSQL): measures each entry of the TDS
// server's quirk record (tests/support/tds_server.hpp) on the server itself, through raw ODBC
// and FreeTDS's tsql, never through the library's data path. On SQL Server every entry is the
// documented behaviour; on another TDS server (Babelfish) a difference the record does not
// name, or one it names that is gone, fails here.
#include <sql.h>
#include <sqlext.h>

#include <string>
#include <vector>

#include "../support/backends.hpp"
#include "../support/reference.hpp"

namespace {

/// One raw ODBC connection for probing the server (autocommit on unless begun).
class Raw {
public:
    explicit Raw(const std::string& connection) {
        SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env_);
        SQLSetEnvAttr(env_, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
        SQLAllocHandle(SQL_HANDLE_DBC, env_, &dbc_);
        const SQLRETURN rc = SQLDriverConnect(
            dbc_, nullptr, reinterpret_cast<SQLCHAR*>(const_cast<char*>(connection.c_str())),
            SQL_NTS, nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT);
        REQUIRE(SQL_SUCCEEDED(rc));
    }
    ~Raw() {
        SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_ROLLBACK);
        SQLDisconnect(dbc_);
        SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
        SQLFreeHandle(SQL_HANDLE_ENV, env_);
    }
    Raw(const Raw&) = delete;
    Raw& operator=(const Raw&) = delete;
    SQLHDBC dbc() const { return dbc_; }

    /// Runs \p sql; returns the first column of the first row of the first result with
    /// columns (empty if none), or throws naming the first diagnostic and its native code.
    struct Failure {
        std::string sqlstate;
        long native = 0;
        std::string message;
    };
    std::string run(const std::string& sql) {
        SQLHSTMT st = SQL_NULL_HSTMT;
        SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &st);
        SQLRETURN rc =
            SQLExecDirect(st, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
        std::string out;
        if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {
            const Failure f = failure(SQL_HANDLE_STMT, st);
            SQLFreeHandle(SQL_HANDLE_STMT, st);
            throw f;
        }
        for (;;) {
            SQLSMALLINT cols = 0;
            SQLNumResultCols(st, &cols);
            if (cols > 0) {
                if (SQLFetch(st) == SQL_SUCCESS) {
                    char buf[512] = {};
                    SQLLEN ind = 0;
                    SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof buf, &ind);
                    out = ind == SQL_NULL_DATA ? "NULL" : buf;
                }
                break;
            }
            rc = SQLMoreResults(st);
            if (rc == SQL_NO_DATA) break;
            if (!SQL_SUCCEEDED(rc)) {
                const Failure f = failure(SQL_HANDLE_STMT, st);
                SQLFreeHandle(SQL_HANDLE_STMT, st);
                throw f;
            }
        }
        SQLFreeHandle(SQL_HANDLE_STMT, st);
        return out;
    }
    void begin() {
        SQLSetConnectAttr(dbc_, SQL_ATTR_AUTOCOMMIT,
                          reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_OFF), 0);
    }
    void rollback() {
        SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_ROLLBACK);
        SQLSetConnectAttr(dbc_, SQL_ATTR_AUTOCOMMIT,
                          reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_ON), 0);
    }

    static Failure failure(SQLSMALLINT type, SQLHANDLE h) {
        Failure f;
        SQLCHAR state[6] = {};
        SQLINTEGER native = 0;
        SQLCHAR message[1024] = {};
        SQLSMALLINT len = 0;
        if (SQL_SUCCEEDED(
                SQLGetDiagRec(type, h, 1, state, &native, message, sizeof message, &len))) {
            f.sqlstate = reinterpret_cast<const char*>(state);
            f.native = native;
            f.message = reinterpret_cast<const char*>(message);
        }
        return f;
    }

private:
    SQLHENV env_ = SQL_NULL_HENV;
    SQLHDBC dbc_ = SQL_NULL_HDBC;
};

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

TEST_CASE("SQL Server live: the server's recorded differences hold") {
    backends::Backend& b = backends::source();
    REQUIRE(b.name == "sqlserver");
    const tds_server::Quirks& q = b.tds;
    MESSAGE("the TDS server is " << q.name << " (tests/support/tds_server.hpp)");
    const std::string t = backends::unique("tds_quirks");
    Raw a(b.connection);
    a.run("IF OBJECT_ID(N'" + t + "', N'U') IS NOT NULL DROP TABLE [" + t + "]");
    a.run("CREATE TABLE [" + t + "] ([MixedCase] int, [TS7] datetime2(7))");
    a.run("INSERT INTO [" + t + "] VALUES (1, '2025-01-02 03:04:05.1234567')");

    SUBCASE("datetime2(7) keeps 7 fraction digits") {
        // As tsql prints the server's own rendering (style 121).
        const std::string text = trimmed(reference::run_sql(
            "sqlserver", "SELECT CONVERT(varchar(30), [TS7], 121) FROM [" + t + "]"));
        const std::size_t dot = text.find('.');
        REQUIRE(dot != std::string::npos);
        CHECK(static_cast<int>(text.size() - dot - 1) == q.datetime2_digits);
    }
    SUBCASE("CREATE CLUSTERED INDEX builds a clustered index") {
        a.run("CREATE CLUSTERED INDEX [ix_" + t + "] ON [" + t + "] ([TS7])");
        const std::string type = a.run(
            "SELECT CAST(MIN(type) AS varchar(5)) FROM sys.indexes WHERE object_id = "
            "OBJECT_ID(N'" +
            t + "') AND index_id > 0");
        CHECK((type == "1") == q.builds_clustered_indexes);
    }
    SUBCASE("a BINARY(8) parameter is received") {
        SQLHSTMT st = SQL_NULL_HSTMT;
        SQLAllocHandle(SQL_HANDLE_STMT, a.dbc(), &st);
        char bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        SQLLEN len = 8;
        REQUIRE(SQL_SUCCEEDED(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_BINARY, 8,
                                               0, bytes, 8, &len)));
        const SQLRETURN rc = SQLExecDirect(
            st, reinterpret_cast<SQLCHAR*>(const_cast<char*>("SELECT DATALENGTH(?)")), SQL_NTS);
        INFO(Raw::failure(SQL_HANDLE_STMT, st).message);
        CHECK(SQL_SUCCEEDED(rc) == q.receives_binary8_parameters);
        SQLFreeHandle(SQL_HANDLE_STMT, st);
    }
    SUBCASE("sp_getapplock with @LockTimeout = 0 on a held lock") {
        const std::string lock =
            "DECLARE @r int; EXEC @r = sp_getapplock @Resource = N'" + t +
            "', @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0; "
            "SELECT @r";
        CHECK(a.run(lock) == "0");
        Raw other(b.connection);
        CHECK(other.run(lock) == std::to_string(q.applock_busy_result));
        CHECK(a.run("DECLARE @r int; EXEC @r = sp_releaseapplock @Resource = N'" + t +
                    "', @LockOwner = 'Session'; SELECT @r") == "0");
        CHECK(other.run(lock) == "0");
    }
    SUBCASE("a lock wait past SET LOCK_TIMEOUT is error 1222") {
        a.begin();
        a.run("UPDATE [" + t + "] SET [MixedCase] = 2");
        Raw other(b.connection);
        other.run("SET LOCK_TIMEOUT 500");
        long native = 0;
        try {
            other.run("UPDATE [" + t + "] SET [MixedCase] = 3");
        } catch (const Raw::Failure& f) {
            native = f.native;
            MESSAGE("lock timeout: [" << f.sqlstate << "/" << f.native << "] " << f.message);
        }
        CHECK(native == q.lock_timeout_native);
        a.rollback();
    }
    SUBCASE("sys.columns keeps a column name's case") {
        const std::string name =
            a.run("SELECT name FROM sys.columns WHERE object_id = OBJECT_ID(N'" + t +
                  "') AND column_id = 1");
        CHECK((name == "MixedCase") == q.catalog_keeps_name_case);
        CHECK(a.run("SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = N'" + t +
                    "' AND ORDINAL_POSITION = 1") == "MixedCase");
    }
    SUBCASE("time(7) keeps 23:59:59.9999999") {
        const std::string text = trimmed(reference::run_sql(
            "sqlserver", "SELECT CAST(CAST('23:59:59.9999999' AS time(7)) AS varchar(30))"));
        CHECK((text == "23:59:59.9999999") == q.keeps_last_time_of_day);
    }
    SUBCASE("SET TEXTSIZE cuts a (max) value a SELECT returns") {
        const std::string value =
            a.run("SET TEXTSIZE 10; SELECT REPLICATE(CAST('x' AS varchar(max)), 100)");
        CHECK((value.size() == 10) == q.applies_textsize);
        a.run("SET TEXTSIZE 2147483647");
    }
    SUBCASE("CONVERT style 2 renders binary as hex") {
        CHECK((a.run("SELECT CONVERT(varchar(10), 0x4142, 2)") == "4142") ==
              q.convert_style_2_is_hex);
    }
    a.run("IF OBJECT_ID(N'" + t + "', N'U') IS NOT NULL DROP TABLE [" + t + "]");
}
