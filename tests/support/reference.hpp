#pragma once
// The independent reference of the backend suites: tables loaded and read back with each
// DBMS's own client (psql, mariadb, sqlite3) through tests/support/canonical.sh, never
// through libreplicate: SQL Server's through FreeTDS's tsql. Memory has no client; callers
// fall back to the library's reader for it and say so.

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "backends.hpp"

namespace reference {

/// canonical.sh's name for the backend's DBMS, or "" when no client can reach it here.
inline std::string client(const backends::Backend& b) {
    if (b.name == "sqlite") return "sqlite:" + b.dir->file("sqlite.db");
    if (b.name == "postgresql" || b.name == "mariadb") return b.name;
    if (b.name == "sqlserver" && std::system("command -v tsql >/dev/null 2>&1") == 0) return b.name;
    return "";
}
inline std::string sqlite_client(const std::string& file) { return "sqlite:" + file; }

inline std::string quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// Runs canonical.sh with \p args (already quoted); returns its output, or fails the test
/// with the output when it exits non-zero.
inline std::string canonical(const std::string& args) {
    const char* env = std::getenv("REPLICATE_SERVERS_ENV");
    const std::string cmd = "bash " + quoted(fixtures::source_dir() + "/tests/support/canonical.sh") + " " +
                            quoted(env ? env : "/dev/null") + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[65536];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int status = pclose(p);
    INFO("canonical.sh " << args.substr(0, 200) << ": " << out.substr(0, 600));
    REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    return out;
}

/// The table as its DBMS prints it: a "# name:kind..." header, then sorted canonical rows.
inline std::string dump(const std::string& dbms, const std::string& table) {
    return canonical(quoted(dbms) + " " + quoted(table));
}

/// Runs a SQL script with the DBMS's client.
inline std::string run_script(const std::string& dbms, const std::string& sql) {
    fixtures::TempDir dir;
    const std::string file = dir.file("script.sql");
    std::ofstream(file) << sql;
    return canonical(quoted(dbms) + " --file " + quoted(file));
}

inline std::string run_sql(const std::string& dbms, const std::string& sql) {
    return canonical(quoted(dbms) + " --sql " + quoted(sql));
}

/// The first line where two dumps differ, for a readable failure.
inline std::string first_difference(const std::string& a, const std::string& b) {
    std::size_t pos = 0, line = 1;
    while (pos < a.size() && pos < b.size() && a[pos] == b[pos]) {
        if (a[pos] == '\n') ++line;
        ++pos;
    }
    const auto around = [&](const std::string& s) {
        const std::size_t start = s.rfind('\n', pos == 0 ? 0 : pos - 1);
        const std::size_t from = start == std::string::npos ? 0 : start + 1;
        return s.substr(from, std::min<std::size_t>(s.find('\n', from) - from, 300));
    };
    return "line " + std::to_string(line) + ":\n  expected " + around(a) + "\n  got      " + around(b);
}

}  // namespace reference
