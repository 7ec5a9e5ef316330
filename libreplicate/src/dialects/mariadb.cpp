// MariaDB / MySQL through MariaDB Connector/ODBC.
#include "../dialect.hpp"

#include <algorithm>

#include "../text.hpp"
#include "registry.hpp"

namespace replicate::detail {
namespace {

class MariadbDialect final : public Dialect {
public:
    std::string_view key() const override { return "mariadb"; }
    std::string_view display_name() const override { return "MariaDB"; }

    std::string column_type(const ColumnType& t) const override {
        const std::string u = t.is_unsigned ? " unsigned" : "";
        switch (t.type) {
        case Type::boolean: return "tinyint(1)";
        case Type::int8: return "tinyint" + u;
        case Type::int16: return "smallint" + u;
        case Type::int32: return "int" + u;
        case Type::int64: return "bigint" + u;
        case Type::decimal:
            if (t.precision <= 0) return "decimal(65,30)";  // unconstrained source: the widest
            return "decimal(" + std::to_string(std::min(t.precision, 65)) + "," +
                   std::to_string(std::min(t.scale, 30)) + ")";
        case Type::float32: return "float";
        case Type::float64: return "double";
        case Type::date: return "date";
        case Type::time: return "time(" + std::to_string(std::min(t.precision, 6)) + ")";
        case Type::timestamp: return "datetime(" + std::to_string(std::min(t.precision, 6)) + ")";
        case Type::text:
            if (t.fixed_length && t.length > 0 && t.length <= 255) {
                return "char(" + std::to_string(t.length) + ") CHARACTER SET utf8mb4";
            }
            if (t.length > 0 && t.length <= 16383) {
                return "varchar(" + std::to_string(t.length) + ") CHARACTER SET utf8mb4";
            }
            return "longtext CHARACTER SET utf8mb4";
        case Type::binary:
            if ((t.fixed_length || t.row_version) && t.length > 0 && t.length <= 255) {
                return "binary(" + std::to_string(t.length) + ")";
            }
            if (t.length > 0 && t.length <= 65535) {
                return "varbinary(" + std::to_string(t.length) + ")";
            }
            return "longblob";
        }
        return "longtext";
    }

    // InnoDB's consistent reads take no row locks; a read waits only for a metadata lock
    // (ALTER TABLE), at most lock_timeout.
    std::vector<std::string> source_session_setup(Isolation level, int lock_timeout) const override {
        std::vector<std::string> out{isolation_statement(level)};
        if (lock_timeout > 0) {
            out.push_back("SET SESSION lock_wait_timeout = " + std::to_string(lock_timeout));
        }
        return out;
    }
    static std::string isolation_statement(Isolation level) {
        switch (level) {
        case Isolation::automatic:
        case Isolation::read_committed:
            return "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";
        case Isolation::read_uncommitted:
            return "SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED";
        case Isolation::snapshot: return "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ";
        }
        return "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";
    }

    // InnoDB's default REPEATABLE READ makes the range DELETE take next-key locks on the gap
    // after its last row, where a parallel writer of the next month inserts: deadlocks.
    // READ COMMITTED locks only the rows deleted.
    // Strict mode: a value that does not fit is an error, never a warning with a cut or
    // clamped value; NO_AUTO_VALUE_ON_ZERO keeps a 0 written into an AUTO_INCREMENT column.
    std::vector<std::string> target_session_setup(int lock_timeout) const override {
        std::vector<std::string> out{
            "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
            "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,"
            "NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO'",
            // A real 197-column sales table (120 varchar(50) utf8mb4 columns) could hold rows
            // larger than InnoDB keeps in a page, so strict InnoDB refuses to create it (1118
            // "Row size too large (> 8126)"). Without innodb_strict_mode that is a warning at
            // CREATE, and a row that really is too large still fails its INSERT with 1118:
            // nothing is cut (MariaDB KB, "Troubleshooting Row Size Too Large Errors with InnoDB").
            "SET SESSION innodb_strict_mode = OFF"};
        if (lock_timeout > 0) {
            out.push_back("SET SESSION innodb_lock_wait_timeout = " + std::to_string(lock_timeout) +
                          ", SESSION lock_wait_timeout = " + std::to_string(lock_timeout));
        }
        return out;
    }

    // information_schema covers every database of the server: each look-up names this
    // connection's database (DATABASE()) unless a schema is given. Table names compare
    // exactly, as the server does with lower_case_table_names = 0.
    Query table_exists_query(const QualifiedName& table) const override {
        return {"SELECT 1 FROM information_schema.tables WHERE table_schema = "
                "COALESCE(NULLIF(?, ''), DATABASE()) AND BINARY table_name = ?",
                {table.schema, table.table}};
    }
    Query schema_exists_query(const std::string& schema) const override {
        return {"SELECT 1 FROM information_schema.schemata WHERE schema_name = ?", {schema}};
    }
    Query primary_key_query(const QualifiedName& table) const override {
        return {"SELECT column_name FROM information_schema.key_column_usage WHERE table_schema = "
                "COALESCE(NULLIF(?, ''), DATABASE()) AND BINARY table_name = ? AND "
                "constraint_name = 'PRIMARY' ORDER BY ordinal_position",
                {table.schema, table.table}};
    }
    // MariaDB reports the text 'NULL' as the default of a nullable column without one.
    Query defaulted_columns_query(const QualifiedName& table) const override {
        // Generated columns only: MySQL says DEFAULT_GENERATED for an expression DEFAULT
        // (CURRENT_TIMESTAMP), which takes given values like any default.
        return {
            "SELECT column_name, CASE WHEN extra IN ('VIRTUAL GENERATED', 'STORED GENERATED', "
            "'VIRTUAL', 'PERSISTENT') THEN 'generated' WHEN extra LIKE '%auto_increment%' THEN "
            "'identity' ELSE 'default' END FROM "
            "information_schema.columns WHERE table_schema = COALESCE(NULLIF(?, ''), DATABASE()) "
            "AND BINARY table_name = ? AND ((column_default IS NOT NULL AND column_default <> "
            "'NULL') OR extra <> '')",
            {table.schema, table.table}};
    }
    // GET_LOCK names are server-wide; the name carries a hash of database, table and range.
    Query try_lock_query(const std::string& name, std::int64_t) const override {
        return {"SELECT COALESCE(GET_LOCK(?, 0), 0)", {name}};
    }
    Query unlock_query(const std::string& name, std::int64_t) const override {
        return {"SELECT COALESCE(RELEASE_LOCK(?), 0)", {name}};
    }
    std::string create_table_like(const QualifiedName& staging, const QualifiedName& target,
                                  const Schema&) const override {
        return "CREATE TABLE " + qualified(staging) + " LIKE " + qualified(target);
    }

    bool is_lock_timeout(std::string_view, long native) const override { return native == 1205; }
    ErrorKind classify(std::string_view state, long native) const override {
        switch (native) {
        case 1213:  // deadlock
        case 1205:  // lock wait timeout
        case 2006:  // server has gone away
        case 2013:  // lost connection during query
        case 1927:  // connection killed
            return ErrorKind::transient;
        case 1406:  // data too long
        case 1264:  // out of range
        case 1292:  // incorrect datetime value
        case 1366:  // incorrect string value
        case 1048:  // column cannot be null
            return ErrorKind::data;
        case 1146:  // table does not exist
        case 1054:  // unknown column
            return ErrorKind::config;
        case 1045:  // access denied
        case 2002:  // cannot connect through socket
        case 2003:  // cannot connect to server
        case 2005:  // unknown host
            return ErrorKind::connection;
        default: break;
        }
        return Dialect::classify(state, native);
    }

    std::size_t max_identifier_length() const override { return 64; }

    // MariaDB Connector/ODBC 3.1.15 (Debian 12) stores every result whole (its streaming
    // option came in 3.1.17): 520,000 rows of 1 KB took 535 MB.
    // REPEATABLE READ for this transaction only: every chunk reads the same snapshot.
    std::vector<std::string> snapshot_begin() const override {
        return {"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"};
    }
    std::vector<std::string> snapshot_end() const override { return {"COMMIT"}; }

protected:
    char open_quote() const override { return '`'; }
    char close_quote() const override { return '`'; }
};

}  // namespace

DialectEntry mariadb_dialect_entry() {
    return {"mariadb",
            [](std::string_view n) {
                return n.find("mariadb") != std::string_view::npos || n.find("mysql") != std::string_view::npos;
            },
            [](std::string_view d) {
                return d.find("maria") != std::string_view::npos || d.find("mysql") != std::string_view::npos;
            },
            []() -> std::unique_ptr<Dialect> { return std::make_unique<MariadbDialect>(); }};
}

}  // namespace replicate::detail
