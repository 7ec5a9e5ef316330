#include "handles.hpp"

#include "../text.hpp"
#include "data_plane.hpp"

namespace replicate::odbc::detail {

std::vector<Diagnostic> diagnostics(SQLSMALLINT type, SQLHANDLE handle, bool wide) {
    std::vector<Diagnostic> out;
    if (handle == nullptr) return out;
    for (SQLSMALLINT i = 1; i <= 20; ++i) {
        Diagnostic d;
        SQLINTEGER native = 0;
        SQLSMALLINT length = 0;
        SQLRETURN rc = SQL_ERROR;
        if (wide) {
            SQLWCHAR state[SQL_SQLSTATE_SIZE + 1] = {};
            SQLWCHAR message[2048] = {};
            rc = SQLGetDiagRecW(type, handle, i, state, &native, message,
                                static_cast<SQLSMALLINT>(sizeof message / sizeof message[0]),
                                &length);
            if (rc != SQL_SUCCESS && rc != SQL_SUCCESS_WITH_INFO) break;
            const auto units = [](const SQLWCHAR* w, std::size_t max) {
                std::size_t n = 0;
                while (n < max && w[n] != 0) ++n;
                return n;
            };
            static_assert(sizeof(SQLWCHAR) == sizeof(char16_t), "SQLWCHAR is UTF-16");
            d.sqlstate = utf16_to_utf8(reinterpret_cast<const char16_t*>(state),
                                       units(state, SQL_SQLSTATE_SIZE));
            d.message = utf16_to_utf8(reinterpret_cast<const char16_t*>(message),
                                      units(message, sizeof message / sizeof message[0] - 1));
        } else {
            SQLCHAR state[SQL_SQLSTATE_SIZE + 1] = {};
            SQLCHAR message[2048] = {};
            rc = SQLGetDiagRec(type, handle, i, state, &native, message, sizeof message, &length);
            if (rc != SQL_SUCCESS && rc != SQL_SUCCESS_WITH_INFO) break;
            d.sqlstate = reinterpret_cast<const char*>(state);
            d.message = reinterpret_cast<const char*>(message);
        }
        d.native = native;
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

std::string return_code_name(SQLRETURN rc) {
    switch (rc) {
        case SQL_SUCCESS:
            return "SQL_SUCCESS";
        case SQL_SUCCESS_WITH_INFO:
            return "SQL_SUCCESS_WITH_INFO";
        case SQL_ERROR:
            return "SQL_ERROR";
        case SQL_INVALID_HANDLE:
            return "SQL_INVALID_HANDLE";
        case SQL_NO_DATA:
            return "SQL_NO_DATA";
        case SQL_NEED_DATA:
            return "SQL_NEED_DATA";
        case SQL_STILL_EXECUTING:
            return "SQL_STILL_EXECUTING";
        default:
            return "return code " + std::to_string(rc);
    }
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

Error make_error(const FailedCall& call, const std::string& what, const Dialect* dialect,
                 const std::vector<std::string>& secrets) {
    std::vector<Diagnostic> diags = diagnostics(call.handle_type, call.handle, call.wide);
    std::string message = what;
    if (diags.empty() && call.dbc != SQL_NULL_HDBC) {
        diags = diagnostics(SQL_HANDLE_DBC, call.dbc, call.wide);
        if (!diags.empty())
            message += " (the statement had no diagnostics; the connection's follow)";
    }
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
    if (diags.empty()) {
        message += ": the driver returned " + return_code_name(call.rc) +
                   " and no diagnostic record, on the statement or its connection";
    }
    const ErrorKind kind = dialect != nullptr ? dialect->classify(state, native) : classify_sqlstate(state);
    return Error(kind, scrub(std::move(message), secrets), state, native);
}

Statement::Statement(SQLHDBC dbc, int query_timeout_seconds, bool wide_diagnostics) {
    const SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_STMT, dbc, &handle_);
    if (!SQL_SUCCEEDED(rc)) {
        throw make_error(FailedCall{SQL_HANDLE_DBC, dbc, rc, SQL_NULL_HDBC, wide_diagnostics},
                         "cannot allocate a statement", nullptr, {});
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
