#pragma once
// Internal, for tests: which connections this library opens itself (link.hpp). In production
// the driver decides (DriverQuirks::opens_directly: the SQL Server drivers); the contract
// suite also runs with every connection opened directly, on the DBMSs that run here, so the
// path the SQL Server target takes is exercised without a SQL Server.

namespace replicate::odbc::detail {

/// Every connection opened from now on is opened directly (true) or as its driver decides
/// (false, the default). Thread-safe.
void open_all_connections_directly(bool on);
bool all_connections_open_directly();
/// Every connection opened from now on moves all text as UTF-16 (SQL text, parameters,
/// results), as the SQL Server drivers' connections do (DriverQuirks::wide_text). Thread-safe.
void move_all_text_wide(bool on);
bool all_text_wide();

}  // namespace replicate::odbc::detail
