#pragma once
// The backends the shared suites run against: memory, SQLite, PostgreSQL, MariaDB (and SQL
// Server when REPLICATE_TEST_MSSQL is set). Chosen by environment variables that ctest sets:
// REPLICATE_TEST_SOURCE and REPLICATE_TEST_TARGET name a backend each.

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <replicate/memory.hpp>
#include <replicate/odbc/database.hpp>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "tds_server.hpp"

namespace backends {

struct Quirks {
    bool sqlite_text_times = false;   // dates/timestamps stored as ISO text
    int max_fraction_digits = 9;      // timestamp precision the backend holds
    bool exact_decimal = true;        // holds decimal(38,10) exactly
    bool negative_zero = true;        // keeps the sign of -0.0 (MariaDB stores 0)
};

class Backend {
public:
    std::string name;  // memory, sqlite, postgresql, mariadb, sqlserver
    std::string connection;
    Quirks quirks;
    /// SQLite target: decimals as exact text ([target] decimal_storage = "text"), so the
    /// shared suites' 16-digit decimals are kept; the numeric default is tested on its own.
    bool decimals_as_text = false;
    /// sqlserver: how the TDS server differs from SQL Server (tds_server.hpp), from @@VERSION.
    tds_server::Quirks tds;

    bool is_memory() const { return name == "memory"; }
    fixtures::Endpoint endpoint() const {
        fixtures::Endpoint e;
        e.connection = connection;
        e.decimals_as_text = decimals_as_text;
        // REPLICATE_TEST_DATA_PATH=odbc: rows through ODBC even where a native path exists.
        const char* path = std::getenv("REPLICATE_TEST_DATA_PATH");
        e.native_protocol = path == nullptr || std::string(path) != "odbc";
        return e;
    }
    std::unique_ptr<replicate::SourceFactory> source_factory() const {
        if (is_memory()) return std::make_unique<replicate::MemorySourceFactory>(memory_db);
        return std::make_unique<replicate::odbc::OdbcSourceFactory>(endpoint());
    }
    std::unique_ptr<replicate::Target> target() const {
        if (is_memory()) return std::make_unique<replicate::MemoryTarget>(memory_db);
        return std::make_unique<replicate::odbc::OdbcTarget>(endpoint());
    }
    /// Runs a statement (not on memory).
    void exec(const std::string& sql) const {
        replicate::odbc::Database::connect(endpoint().target())->execute(sql);
    }
    long long count(const std::string& table) const {
        if (is_memory()) return static_cast<long long>(memory_db->get({"", table}).rows.size());
        auto db = replicate::odbc::Database::connect(endpoint().target());
        return db->query_int("SELECT COUNT(*) FROM " + db->quoted({"", table})).value_or(-1);
    }
    void drop(const std::string& table) const {
        if (is_memory()) {
            memory_db->put({"", table}, {});
            return;
        }
        auto db = replicate::odbc::Database::connect(endpoint().target());
        db->drop_table_if_exists({"", table});
    }
    bool exists(const std::string& table) const {
        if (is_memory()) return memory_db->contains({"", table}) && !memory_db->get({"", table}).schema.empty();
        return replicate::odbc::Database::connect(endpoint().target())->table_exists({"", table});
    }
    std::shared_ptr<replicate::MemoryDatabase> memory_db = std::make_shared<replicate::MemoryDatabase>();
    std::shared_ptr<fixtures::TempDir> dir;  // holds the SQLite file
};

/// Reads KEY=VALUE lines written by tests/support/servers.sh.
inline std::map<std::string, std::string> servers_env() {
    std::map<std::string, std::string> out;
    const char* path = std::getenv("REPLICATE_SERVERS_ENV");
    if (!path) return out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const auto eq = line.find('=');
        if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return out;
}

inline std::string setting(const std::string& key) {
    if (const char* v = std::getenv(key.c_str()); v && *v) return v;
    const auto env = servers_env();
    auto it = env.find(key);
    return it == env.end() ? std::string() : it->second;
}

/// The backend called \p name; its connection is empty when it is not available.
inline Backend make(const std::string& name) {
    Backend b;
    b.name = name;
    if (name == "sqlite") {
        b.dir = std::make_shared<fixtures::TempDir>();
        b.connection = "Driver=SQLite3;Database=" + b.dir->file(name + ".db");
        b.quirks.sqlite_text_times = true;
        b.quirks.negative_zero = false;  // REAL affinity stores -0.0 as 0
        b.decimals_as_text = true;
    } else if (name == "postgresql") {
        b.connection = setting("REPLICATE_TEST_PG");
        b.quirks.max_fraction_digits = 6;
    } else if (name == "mariadb") {
        b.connection = setting("REPLICATE_TEST_MARIADB");
        b.quirks.max_fraction_digits = 6;
        b.quirks.negative_zero = false;
    } else if (name == "sqlserver") {
        b.connection = setting("REPLICATE_TEST_MSSQL");
        if (!b.connection.empty()) {
            auto db = replicate::odbc::Database::connect(b.endpoint().target());
            if (db->query_int("SELECT CASE WHEN @@VERSION LIKE '%Babelfish%' THEN 1 ELSE 0 END") ==
                1) {
                b.tds = tds_server::babelfish();
            }
        }
        b.quirks.max_fraction_digits = b.tds.datetime2_digits;
    } else if (name != "memory") {
        throw std::runtime_error("unknown backend " + name);
    }
    return b;
}

inline bool available(const Backend& b) { return b.is_memory() || !b.connection.empty(); }

inline std::string unavailable_reason(const Backend& b) {
    if (b.name == "sqlserver") return "SQL Server: REPLICATE_TEST_MSSQL is not set (no SQL Server runs here)";
    return b.name + ": no connection string (REPLICATE_TEST_" +
           std::string(b.name == "postgresql" ? "PG" : "MARIADB") +
           " unset and tests/support/servers.sh did not start it)";
}

/// The source and target of this run, from REPLICATE_TEST_SOURCE / REPLICATE_TEST_TARGET.
Backend& source();
Backend& target();

/// Tables this process made (under unique() and pair tags): dropped, with their ledger rows,
/// when the suite ends (backend_main), so runs of the suite leave nothing behind.
inline std::vector<std::string>& made_tables() {
    static std::vector<std::string> names;
    return names;
}
inline const std::string& remember(const std::string& table) {
    made_tables().push_back(table);
    return table;
}

/// "p<pid>": in every test object's name, so two runs of the suite against one shared server
/// (REPLICATE_TEST_PG given to both) never touch each other's tables or ledger rows.
inline std::string process_marker() { return "p" + std::to_string(static_cast<long>(getpid())); }

/// A name unique across processes, for tables of one test case.
inline std::string unique(const std::string& base) {
    static std::atomic<int> n{0};
    return remember(base + "_" + process_marker() + "_" + std::to_string(++n));
}

/// Drops the tables this process made and deletes their ledger rows.
inline void forget_made_tables(const Backend& b) {
    if (b.is_memory() || made_tables().empty()) return;
    try {
        auto db = replicate::odbc::Database::connect(b.endpoint().target());
        const bool has_ledger = db->table_exists({"", "replicate_ledger"});
        for (const std::string& t : made_tables()) {
            db->drop_table_if_exists({"", t});
            db->drop_table_if_exists({"", t + "__staging"});
            if (has_ledger) {
                db->execute("DELETE FROM " + db->quoted({"", "replicate_ledger"}) +
                            " WHERE table_name = '" + t + "'");
            }
        }
    } catch (const std::exception& e) {
        std::cout << "note: could not clean up " << b.name << ": " << e.what() << "\n";
    }
}

}  // namespace backends
