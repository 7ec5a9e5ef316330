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

/// All diagnostic records of a handle.
std::vector<Diagnostic> diagnostics(SQLSMALLINT handle_type, SQLHANDLE handle);

/// Turns what went wrong on a handle into an Error: the first record decides SQLSTATE and
/// native code, the kind comes from the dialect, the message joins the records. \p secrets are
/// removed from the text.
Error make_error(SQLSMALLINT handle_type, SQLHANDLE handle, const std::string& what,
                 const Dialect* dialect, const std::vector<std::string>& secrets);

/// Removes every non-empty secret from \p text.
std::string scrub(std::string text, const std::vector<std::string>& secrets);

/// An owned statement handle.
class Statement {
public:
    /// \p query_timeout_seconds > 0 sets SQL_ATTR_QUERY_TIMEOUT (a driver that cannot is
    /// left without it).
    explicit Statement(SQLHDBC dbc, int query_timeout_seconds = 0);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    SQLHSTMT get() const { return handle_; }

private:
    SQLHSTMT handle_ = SQL_NULL_HSTMT;
};

}  // namespace replicate::odbc::detail
