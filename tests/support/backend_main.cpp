// main() of the backend suites: picks the backends from the environment, and when one is not
// available exits 77 (ctest: skipped, with the reason printed), or 1 under CI=true where a
// missing server is a failure.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>

#include <boost/log/core.hpp>

#include "../../libreplicate/src/odbc/open_path.hpp"
#include "backends.hpp"
#include "nonempty_run.hpp"

namespace backends {
namespace {
Backend* g_source = nullptr;
Backend* g_target = nullptr;
}  // namespace
Backend& source() { return *g_source; }
Backend& target() { return *g_target; }
}  // namespace backends

int main(int argc, char** argv) {
    if (std::getenv("REPLICATE_TEST_LOG") == nullptr) boost::log::core::get()->set_logging_enabled(false);
    const char* s = std::getenv("REPLICATE_TEST_SOURCE");
    const char* t = std::getenv("REPLICATE_TEST_TARGET");
    backends::Backend source = backends::make(s ? s : "memory");
    backends::Backend target = backends::make(t ? t : (s ? s : "memory"));
    for (const backends::Backend* b : {&source, &target}) {
        if (backends::available(*b)) continue;
        // CI starts PostgreSQL and MariaDB itself, so there a missing one is a failure; SQL
        // Server cannot run here and is tested live only when REPLICATE_TEST_MSSQL is given.
        const bool ci = std::getenv("CI") && std::string(std::getenv("CI")) == "true" &&
                        b->name != "sqlserver";
        std::cout << (ci ? "FAILED (CI=true requires it): " : "SKIPPED: ") << backends::unavailable_reason(*b)
                  << "\n";
        return ci ? 1 : 77;
    }
    // One backend object when source and target are the same database.
    if (source.name == target.name) {
        backends::g_source = &source;
        backends::g_target = &source;
    } else {
        backends::g_source = &source;
        backends::g_target = &target;
    }
    // The SQL Server drivers' connections are opened by the library itself, not by SOCI, and
    // move all text as UTF-16. REPLICATE_TEST_DRIVER_PATH=sqlserver: every connection does
    // both, so that path runs on the DBMSs here; =direct: opened directly only (sqliteodbc has
    // no wide API for SQL text).
    const char* path = std::getenv("REPLICATE_TEST_DRIVER_PATH");
    const std::string driver_path = path != nullptr ? path : "";
    replicate::odbc::detail::open_all_connections_directly(driver_path == "sqlserver" ||
                                                           driver_path == "direct");
    replicate::odbc::detail::move_all_text_wide(driver_path == "sqlserver");
    std::cout << "source: " << source.name << ", target: " << target.name
              << (driver_path == "sqlserver" ? " (the SQL Server drivers' path: every connection "
                                               "opened directly, not by SOCI, all text as UTF-16)"
                  : driver_path == "direct"  ? " (every connection opened directly, not by SOCI)"
                                             : "")
              << "\n";
    doctest::Context context(argc, argv);
    const int rc = nonempty_run::run_nonempty(context);
    if (!std::getenv("REPLICATE_TEST_KEEP")) backends::forget_made_tables(source);
    if (target.name != source.name && !std::getenv("REPLICATE_TEST_KEEP")) backends::forget_made_tables(target);
    return rc;
}
