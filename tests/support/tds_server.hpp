#pragma once
// What a TDS server does differently from SQL Server as Microsoft documents it: the one place
// the suites name such a difference, a record per server like the driver records of
// src/dialects/drivers.cpp. The product follows the documentation and does not bend; a test
// that meets a difference reads it here, and the contract case "SQL Server live: the server's
// recorded differences hold" measures every entry on the server it runs against, so a record
// cannot go stale (on SQL Server every entry is the documented behaviour).

#include <string>

namespace tds_server {

struct Quirks {
    std::string name = "SQL Server";
    /// Fraction digits a datetime2(7) column keeps. Babelfish: 6, the 7th rounded away while
    /// the column is still described as datetime2(7) (so nothing can refuse the value); the
    /// same for time(7) and datetimeoffset(7).
    int datetime2_digits = 7;
    /// time(7) keeps 23:59:59.9999999. Babelfish rounds it to 24:00:00 (and turns a written
    /// 24:00:00 into 00:00:00): the product refuses a time past 23:59:59.9999999 into SQL
    /// Server (Dialect::holds_end_of_day), and --verify finds such a value changed.
    bool keeps_last_time_of_day = true;
    /// CREATE CLUSTERED INDEX builds a clustered index (sys.indexes.type 1). Babelfish accepts
    /// it and builds an ordinary one (type 2).
    bool builds_clustered_indexes = true;
    /// A BINARY(8) RPC parameter is received. Babelfish takes it for rowversion and refuses it
    /// ("cache lookup failed for function 0", native 33557097); BINARY(7), BINARY(9) and
    /// VARBINARY(8) are received. The product binds binary values as varbinary.
    bool receives_binary8_parameters = true;
    /// sp_getapplock @LockTimeout = 0 on a lock another session holds: -1 (timed out).
    /// Babelfish: -999. The product tests ">= 0" (granted), which both satisfy.
    int applock_busy_result = -1;
    /// The native error of a statement that waited longer than SET LOCK_TIMEOUT: 1222.
    /// Babelfish: 33557097 (unmapped, SQLSTATE 42000 through FreeTDS), so the product, which
    /// classifies by SQL Server's numbers, takes it for a configuration error there.
    long lock_timeout_native = 1222;
    /// sys.columns.name as declared. Babelfish lowercases it (INFORMATION_SCHEMA keeps it):
    /// the product matches catalog names by its column rule, ignoring case on SQL Server.
    bool catalog_keeps_name_case = true;
    /// CONVERT(varchar(max), varbinary, 2) renders hex. Babelfish returns the bytes as text
    /// (canonical.sh lets tsql print binary as hex instead).
    bool convert_style_2_is_hex = true;
    /// SET TEXTSIZE cuts the (max) values a SELECT returns (so every session of the product
    /// sets it to 2147483647: FreeTDS may take a smaller one from freetds.conf). Babelfish
    /// ignores it, so the product's setting cannot be shown to matter there.
    bool applies_textsize = true;
    // Not a record but a set-up: Babelfish refuses rowversion columns unless the server runs
    // EXEC sp_babelfish_configure 'escape_hatch_rowversion', 'ignore', 'server' (the case
    // "SQL Server live: a DBA's table ..." needs one; docs/sqlserver.md).
};

/// SQL Server as documented.
inline Quirks sql_server() {
    return Quirks{};
}

/// Babelfish for PostgreSQL 4.3 (BABEL_4_3_STABLE), measured here through FreeTDS 1.3.17.
inline Quirks babelfish() {
    Quirks q;
    q.name = "Babelfish";
    q.datetime2_digits = 6;
    q.keeps_last_time_of_day = false;
    q.builds_clustered_indexes = false;
    q.receives_binary8_parameters = false;
    q.applock_busy_result = -999;
    q.lock_timeout_native = 33557097;
    q.catalog_keeps_name_case = false;
    q.convert_style_2_is_hex = false;
    q.applies_textsize = false;
    return q;
}

}  // namespace tds_server
