#pragma once
// The DBMSs the library speaks. A dialect is one file in this folder that defines its
// Dialect subclass and one DialectEntry; registry.cpp lists the entries. Nothing outside this
// folder names a DBMS (the PostgreSQL native path in src/postgres/ aside, which is
// PostgreSQL's protocol itself).

#include <memory>
#include <string_view>
#include <vector>

#include "../dialect.hpp"

namespace replicate::detail {

/// How to recognise a DBMS and how to make its dialect.
struct DialectEntry {
    const char* key;  ///< Dialect::key()
    /// True if ODBC's SQL_DBMS_NAME, in lower case, names this DBMS.
    bool (*serves)(std::string_view dbms_name);
    /// True if a connection string's Driver=, in lower case, is one of this DBMS's drivers.
    bool (*drives)(std::string_view driver);
    std::unique_ptr<Dialect> (*make)();
};

DialectEntry sqlite_dialect_entry();
DialectEntry postgresql_dialect_entry();
DialectEntry mariadb_dialect_entry();
DialectEntry sqlserver_dialect_entry();

/// Every registered dialect, in the order they are tried.
const std::vector<DialectEntry>& registered_dialects();

}  // namespace replicate::detail
