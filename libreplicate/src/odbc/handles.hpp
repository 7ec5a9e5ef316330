#pragma once
// Raw ODBC helpers: statement handles, diagnostics turned into replicate::Error.

#include <sql.h>
#include <sqlext.h>

#include <string>
#include <vector>

#include "../dialect.hpp"
#include <replicate/error.hpp>

namespace replicate::odbc::detail {

struct Diagnostic {
    std::string sqlstate;
    long native = 0;
    std::string message;
    SQLLEN row = -1;  // SQL_DIAG_ROW_NUMBER for parameter-array errors, when the driver says
};

/// All diagnostic records of a handle; \p wide reads them through SQLGetDiagRecW (UTF-16), so
/// a message outside ASCII never passes through the client's code page (the narrow API
/// converts through it on Windows).
std::vector<Diagnostic> diagnostics(SQLSMALLINT handle_type, SQLHANDLE handle, bool wide = false);

/// What a failed call was, for make_error().
struct FailedCall {
    SQLSMALLINT handle_type = SQL_HANDLE_STMT;
    SQLHANDLE handle = SQL_NULL_HANDLE;
    /// The call's return code (SQL_ERROR, SQL_NO_DATA, ...), said when no record explains it.
    SQLRETURN rc = SQL_ERROR;
    /// The statement's connection: a driver may put the server's messages there instead
    /// (FreeTDS), so they are read when the statement has none.
    SQLHDBC dbc = SQL_NULL_HDBC;
    bool wide = false;  ///< diagnostics through the wide API
};

/// Turns what went wrong on a handle into an Error: the first record decides SQLSTATE and
/// native code, the kind comes from the dialect, the message joins the records (the
/// connection's when the statement has none; else the return code). \p secrets are removed
/// from the text.
Error make_error(const FailedCall& call, const std::string& what, const Dialect* dialect,
                 const std::vector<std::string>& secrets);
/// The name of an ODBC return code: "SQL_ERROR", "SQL_NO_DATA", ...
std::string return_code_name(SQLRETURN rc);

/// Removes every non-empty secret from \p text.
std::string scrub(std::string text, const std::vector<std::string>& secrets);

/// An owned statement handle.
class Statement {
public:
    /// \p query_timeout_seconds > 0 sets SQL_ATTR_QUERY_TIMEOUT (a driver that cannot is
    /// left without it).
    explicit Statement(SQLHDBC dbc, int query_timeout_seconds = 0, bool wide_diagnostics = false);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    SQLHSTMT get() const { return handle_; }

private:
    SQLHSTMT handle_ = SQL_NULL_HSTMT;
};

}  // namespace replicate::odbc::detail
