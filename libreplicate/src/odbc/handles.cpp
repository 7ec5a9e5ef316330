#include "handles.hpp"

#include "../text.hpp"

namespace replicate::odbc::detail {

std::vector<Diagnostic> diagnostics(SQLSMALLINT type, SQLHANDLE handle) {
    std::vector<Diagnostic> out;
    if (handle == nullptr) return out;
    for (SQLSMALLINT i = 1; i <= 20; ++i) {
        SQLCHAR state[SQL_SQLSTATE_SIZE + 1] = {};
        SQLINTEGER native = 0;
        SQLCHAR message[2048] = {};
        SQLSMALLINT length = 0;
        const SQLRETURN rc =
            SQLGetDiagRec(type, handle, i, state, &native, message, sizeof message, &length);
        if (rc != SQL_SUCCESS && rc != SQL_SUCCESS_WITH_INFO) break;
        Diagnostic d;
        d.sqlstate = reinterpret_cast<const char*>(state);
        d.native = native;
        d.message = reinterpret_cast<const char*>(message);
        if (type == SQL_HANDLE_STMT) {
            SQLLEN row = -1;
            if (SQL_SUCCEEDED(SQLGetDiagField(type, handle, i, SQL_DIAG_ROW_NUMBER, &row, 0,
                                              nullptr))) {
                d.row = row;
            }
        }
        out.push_back(std::move(d));
    }
    return out;
}

std::string scrub(std::string text, const std::vector<std::string>& secrets) {
    for (const std::string& s : secrets) {
        if (s.empty()) continue;
        for (std::size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos)) {
            text.replace(pos, s.size(), "***");
            pos += 3;
        }
    }
    return text;
}

Error make_error(SQLSMALLINT type, SQLHANDLE handle, const std::string& what,
                 const Dialect* dialect, const std::vector<std::string>& secrets) {
    const std::vector<Diagnostic> diags = diagnostics(type, handle);
    std::string message = what;
    std::string state;
    long native = 0;
    for (const Diagnostic& d : diags) {
        if (state.empty()) {
            state = d.sqlstate;
            native = d.native;
        }
        message += ": [" + d.sqlstate + "/" + std::to_string(d.native) + "] " +
                   replicate::detail::single_line(d.message);
    }
    if (diags.empty()) message += ": the driver gave no diagnostics";
    const ErrorKind kind = dialect != nullptr ? dialect->classify(state, native) : classify_sqlstate(state);
    return Error(kind, scrub(std::move(message), secrets), state, native);
}

Statement::Statement(SQLHDBC dbc, int query_timeout_seconds) {
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &handle_))) {
        throw make_error(SQL_HANDLE_DBC, dbc, "cannot allocate a statement", nullptr, {});
    }
    if (query_timeout_seconds > 0) {
        SQLSetStmtAttr(handle_, SQL_ATTR_QUERY_TIMEOUT,
                       reinterpret_cast<SQLPOINTER>(static_cast<SQLULEN>(query_timeout_seconds)), 0);
    }
}

Statement::~Statement() {
    if (handle_ != SQL_NULL_HSTMT) SQLFreeHandle(SQL_HANDLE_STMT, handle_);
}

}  // namespace replicate::odbc::detail
