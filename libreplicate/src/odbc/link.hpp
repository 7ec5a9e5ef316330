#pragma once
// How an ODBC connection handle is opened and how its transactions end. The control plane is
// SOCI's session (DESIGN.md); a connection whose driver needs attributes set before it
// connects (SQL Server: SQL_COPT_SS_BCP for a bulk-copy sink, which SOCI's one-call open
// cannot set) is opened by this library, and its transactions are ODBC's own calls.

#include <sql.h>
#include <sqlext.h>

#include <memory>
#include <string>
#include <vector>

namespace replicate::odbc::detail {

/// What went wrong in a Link call, before a dialect classifies it.
struct LinkError {
    std::string sqlstate;
    long native = 0;
    std::string message;  // one line; may still hold secrets (the caller scrubs)
};

/// A connection attribute set with SQLSetConnectAttr before SQLDriverConnect.
struct ConnectAttribute {
    SQLINTEGER attribute = 0;
    SQLULEN value = 0;
};

/// An open connection handle. Calls throw LinkError. Not thread-safe.
class Link {
public:
    virtual ~Link() = default;
    virtual SQLHDBC dbc() const = 0;
    /// Autocommit off: statements run in one transaction until commit() or rollback().
    virtual void begin() = 0;
    virtual void commit() = 0;
    virtual void rollback() = 0;
    /// "SOCI" or "direct", for logs and tests.
    virtual const char* kind() const = 0;
};

/// Opens \p connection through SOCI's ODBC backend (SQL_DRIVER_NOPROMPT).
std::unique_ptr<Link> open_soci_link(const std::string& connection);
/// Opens \p connection with SQLDriverConnect on handles of its own, setting \p before_connect
/// (and SQL_ATTR_LOGIN_TIMEOUT = \p login_timeout_seconds) first. \p wide: through
/// SQLDriverConnectW, diagnostics through SQLGetDiagRecW (UTF-16), so a password or server
/// message outside ASCII never passes through the client's code page (the narrow API converts
/// through it on Windows); for drivers that move all text wide (DriverQuirks::wide_text).
std::unique_ptr<Link> open_direct_link(const std::string& connection,
                                       const std::vector<ConnectAttribute>& before_connect,
                                       int login_timeout_seconds, bool wide = false);

}  // namespace replicate::odbc::detail
