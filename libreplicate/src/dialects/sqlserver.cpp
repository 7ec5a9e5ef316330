// Microsoft SQL Server (ODBC Driver 17/18, FreeTDS).
#include "../dialect.hpp"

#include <algorithm>

#include "../text.hpp"
#include "registry.hpp"

namespace replicate::detail {
namespace {

class SqlServerDialect final : public Dialect {
public:
    std::string_view key() const override { return "sqlserver"; }
    std::string_view display_name() const override { return "SQL Server"; }
    std::string select_one(const QualifiedName& table) const override {
        return "SELECT TOP 1 * FROM " + qualified(table);
    }

    std::string column_type(const ColumnType& t) const override {
        const std::string native = lower(t.native_name);
        switch (t.type) {
        case Type::boolean: return "bit";
        case Type::int8: return t.is_unsigned || native == "tinyint" ? "tinyint" : "smallint";
        case Type::int16: return t.is_unsigned ? "int" : "smallint";
        case Type::int32: return t.is_unsigned ? "bigint" : "int";
        case Type::int64: return t.is_unsigned ? "decimal(20,0)" : "bigint";
        case Type::decimal:
            if (t.precision <= 0) return "decimal(38,10)";  // unconstrained source
            return "decimal(" + std::to_string(std::min(t.precision, 38)) + "," +
                   std::to_string(std::min(t.scale, 38)) + ")";
        case Type::float32: return "real";
        case Type::float64: return "float";
        case Type::date: return "date";
        case Type::time: return "time(" + std::to_string(std::min(t.precision, 7)) + ")";
        case Type::timestamp:
            // Only a SQL Server datetime stays datetime: anything else (a MariaDB datetime(3),
            // SQLite text) may hold .999, which datetime would round into the next day.
            if (t.legacy_datetime) return native == "smalldatetime" ? "smalldatetime" : "datetime";
            return "datetime2(" + std::to_string(std::min(t.precision, 7)) + ")";
        case Type::text: {
            const std::int64_t limit = t.national ? 4000 : 8000;
            const std::string base = std::string(t.national ? "n" : "") +
                                     (t.fixed_length ? "char" : "varchar");
            if (t.length == 0 || t.length > limit) return (t.national ? "nvarchar" : "varchar") +
                                                          std::string("(max)");
            return base + "(" + std::to_string(t.length) + ")";
        }
        case Type::binary:
            if (t.row_version) return "binary(8)";
            if (t.length == 0 || t.length > 8000) return "varbinary(max)";
            return std::string(t.fixed_length ? "binary(" : "varbinary(") +
                   std::to_string(t.length) + ")";
        }
        return "varbinary(max)";
    }

    std::vector<std::string> source_session_setup(Isolation level) const override {
        switch (level) {
        case Isolation::read_committed: return {"SET TRANSACTION ISOLATION LEVEL READ COMMITTED"};
        case Isolation::read_uncommitted:
            return {"SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED"};
        case Isolation::snapshot: return {"SET TRANSACTION ISOLATION LEVEL SNAPSHOT"};
        }
        return {};
    }

    // T-SQL's ALTER TABLE ... ADD takes no COLUMN keyword.
    std::string add_column(const QualifiedName& table, const Column& column) const override {
        return "ALTER TABLE " + qualified(table) + " ADD " + quote(column.name) + " " +
               column_type(column.type) + " NULL";
    }

    ErrorKind classify(std::string_view state, long native) const override {
        switch (native) {
        case 1205:   // deadlock victim
        case 1222:   // lock request timeout
        case 233:    // no process on the other end of the pipe
        case 4060:   // cannot open database (failover in progress)
        case 10053:  // connection aborted
        case 10054:  // connection reset by peer
        case 10060:  // connection timed out
        case 40197:  // service error processing the request (Azure)
        case 40501:  // service busy (Azure)
        case 40613:  // database unavailable (Azure)
        case 49918:
        case 49919:
        case 49920:  // too many operations in progress (Azure)
            return ErrorKind::transient;
        case 8152:  // string or binary data would be truncated
        case 2628:  // same, with the column named (2019+)
        case 241:   // conversion failed for date/time
        case 242:   // out-of-range datetime
        case 8115:  // arithmetic overflow
        case 2627:  // unique/primary key violation
        case 515:   // NULL into NOT NULL column
            return ErrorKind::data;
        case 208:  // invalid object name
        case 207:  // invalid column name
            return ErrorKind::config;
        case 18456:  // login failed
            return ErrorKind::connection;
        default: break;
        }
        if (state == "40001" || (state.size() == 5 && state.substr(0, 2) == "08")) {
            return ErrorKind::transient;
        }
        return Dialect::classify(state, native);
    }

    ColumnType refine(ColumnType t) const override {
        const std::string native = lower(t.native_name);
        if (t.type == Type::timestamp && (native == "datetime" || native == "smalldatetime")) {
            t.legacy_datetime = true;
        }
        return t;
    }

    std::string read_only_query() const override {
        return "SELECT CASE WHEN CAST(DATABASEPROPERTYEX(DB_NAME(), 'Updateability') AS "
               "varchar(20)) = 'READ_ONLY' THEN 1 ELSE 0 END";
    }

    std::size_t max_identifier_length() const override { return 128; }

    std::vector<std::string> target_session_setup(int lock_timeout) const override {
        if (lock_timeout <= 0) return {};
        return {"SET LOCK_TIMEOUT " + std::to_string(lock_timeout * 1000LL)};
    }

    // OBJECT_ID resolves a one-part name through the user's default schema, inside the
    // current database only.
    Query table_exists_query(const QualifiedName& table) const override {
        return {"SELECT 1 FROM sys.objects WHERE object_id = OBJECT_ID(?) AND type IN ('U', 'V')",
                {qualified(table)}};
    }
    Query schema_exists_query(const std::string& schema) const override {
        return {"SELECT 1 FROM sys.schemas WHERE name = ?", {schema}};
    }
    Query primary_key_query(const QualifiedName& table) const override {
        return {"SELECT c.name FROM sys.indexes i JOIN sys.index_columns ic ON ic.object_id = "
                "i.object_id AND ic.index_id = i.index_id JOIN sys.columns c ON c.object_id = "
                "ic.object_id AND c.column_id = ic.column_id WHERE i.object_id = OBJECT_ID(?) AND "
                "i.is_primary_key = 1 ORDER BY ic.key_ordinal",
                {qualified(table)}};
    }
    Query defaulted_columns_query(const QualifiedName& table) const override {
        return {"SELECT c.name FROM sys.columns c WHERE c.object_id = OBJECT_ID(?) AND "
                "(c.default_object_id <> 0 OR c.is_identity = 1 OR c.is_computed = 1)",
                {qualified(table)}};
    }
    // An application lock owned by the session, not waited for (the caller polls, so that
    // cancellation and its own deadline apply); sp_getapplock returns >= 0 when granted.
    Query try_lock_query(const std::string& name, std::int64_t) const override {
        return {"SET NOCOUNT ON; DECLARE @r int; EXEC @r = sp_getapplock @Resource = ?, "
                "@LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0; "
                "SELECT CASE WHEN @r >= 0 THEN 1 ELSE 0 END",
                {name}};
    }
    Query unlock_query(const std::string& name, std::int64_t) const override {
        return {"EXEC sp_releaseapplock @Resource = ?, @LockOwner = 'Session'", {name}};
    }
    // SELECT INTO copies the column types; the UNION ALL keeps an IDENTITY property from
    // being copied, so staging accepts the explicit values the target receives.
    std::string create_table_like(const QualifiedName& staging, const QualifiedName& target,
                                  const Schema&) const override {
        return "SELECT TOP 0 * INTO " + qualified(staging) + " FROM " + qualified(target) +
               " UNION ALL SELECT TOP 0 * FROM " + qualified(target);
    }

protected:
    // A bulk-load table lock: fewer lock resources and minimal logging where the recovery
    // model allows, but writers of one table then take turns (use with --max-workers 1 per
    // table, or accept the serialisation).
    std::string table_lock_hint() const override { return " WITH (TABLOCK)"; }
    char open_quote() const override { return '['; }
    char close_quote() const override { return ']'; }
};

}  // namespace

DialectEntry sqlserver_dialect_entry() {
    return {"sqlserver",
            [](std::string_view n) {
                return n.find("sql server") != std::string_view::npos;
            },
            [](std::string_view d) {
                return d.find("sql server") != std::string_view::npos || d.find("tds") != std::string_view::npos ||
                       d.find("msodbcsql") != std::string_view::npos;
            },
            []() -> std::unique_ptr<Dialect> { return std::make_unique<SqlServerDialect>(); }};
}

}  // namespace replicate::detail
