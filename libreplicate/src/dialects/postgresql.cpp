// PostgreSQL through psqlODBC.
#include "../dialect.hpp"

#include "registry.hpp"

#include <algorithm>

#include "../text.hpp"

namespace replicate::detail {
namespace {

class PostgresqlDialect final : public Dialect {
public:
    std::string_view key() const override { return "postgresql"; }
    std::string_view display_name() const override { return "PostgreSQL"; }

    std::string column_type(const ColumnType& t) const override {
        switch (t.type) {
        case Type::boolean: return "boolean";
        case Type::int8:  // PostgreSQL has no one-byte integer; smallint holds both signs
        case Type::int16: return t.is_unsigned && t.type == Type::int16 ? "integer" : "smallint";
        case Type::int32: return t.is_unsigned ? "bigint" : "integer";
        case Type::int64: return t.is_unsigned ? "numeric(20,0)" : "bigint";
        case Type::decimal:
            if (t.precision <= 0) return "numeric";  // unconstrained: any scale
            return "numeric(" + std::to_string(std::min(t.precision, 1000)) + "," +
                   std::to_string(t.scale) + ")";
        case Type::float32: return "real";
        case Type::float64: return "double precision";
        case Type::date: return "date";
        case Type::time: return "time(" + std::to_string(std::min(t.precision, 6)) + ")";
        case Type::timestamp: return "timestamp(" + std::to_string(std::min(t.precision, 6)) + ")";
        case Type::text:
            if (t.text_kind == ColumnType::TextKind::uuid) return "uuid";
            if (t.length == 0 || t.length > 10485760) return "text";
            return std::string(t.fixed_length ? "char(" : "varchar(") + std::to_string(t.length) +
                   ")";
        case Type::binary: return "bytea";
        }
        return "text";
    }


    // Sessions name themselves, so DBAs (and our tests) can tell them apart in
    // pg_stat_activity.
    // Reads take no row locks; a read waits only for a table lock (ALTER TABLE, TRUNCATE,
    // LOCK TABLE), at most lock_timeout, then fails with 55P03 and is retried.
    std::vector<std::string> source_session_setup(Isolation level, int lock_timeout) const override {
        const char* iso = level == Isolation::read_uncommitted ? "READ UNCOMMITTED"
                          : level == Isolation::snapshot       ? "REPEATABLE READ"
                                                               : "READ COMMITTED";
        std::vector<std::string> out{
            "SET application_name = 'libreplicate source'",
            std::string("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL ") + iso};
        if (lock_timeout > 0) out.push_back("SET lock_timeout = '" + std::to_string(lock_timeout) + "s'");
        return out;
    }

    std::vector<std::string> target_session_setup(int lock_timeout) const override {
        std::vector<std::string> out{"SET application_name = 'libreplicate target'"};
        if (lock_timeout > 0) out.push_back("SET lock_timeout = '" + std::to_string(lock_timeout) + "s'");
        return out;
    }

    // to_regclass resolves the name as the session would (search_path), in this database.
    Query table_exists_query(const QualifiedName& table) const override {
        return {"SELECT 1 FROM pg_catalog.pg_class WHERE oid = to_regclass(CAST(? AS text)) AND "
                "relkind IN ('r', 'p', 'v', 'm', 'f')",
                {qualified(table)}};
    }
    Query schema_exists_query(const std::string& schema) const override {
        return {"SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ?", {schema}};
    }
    // psqlODBC describes an unconstrained numeric as numeric(28,6); the catalog tells.
    Query declared_types_query(const QualifiedName& table) const override {
        return {"SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a "
                "WHERE a.attrelid = to_regclass(CAST(? AS text)) AND a.attnum > 0 AND NOT a.attisdropped",
                {qualified(table)}};
    }
    ColumnType refine(ColumnType t) const override {
        if (t.type == Type::decimal && lower(t.native_name) == "numeric") {
            t.precision = 0;  // any number of digits on either side of the point
            t.scale = 0;
        }
        return t;
    }
    Query primary_key_query(const QualifiedName& table) const override {
        return {"SELECT a.attname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a ON "
                "a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indrelid = "
                "to_regclass(CAST(? AS text)) AND i.indisprimary ORDER BY "
                "array_position(CAST(i.indkey AS int2[]), a.attnum)",
                {qualified(table)}};
    }
    bool case_sensitive_names() const override { return true; }
    Query defaulted_columns_query(const QualifiedName& table) const override {
        return {
            "SELECT a.attname, CASE WHEN a.attgenerated <> '' THEN 'generated' WHEN "
            "a.attidentity <> '' THEN 'identity' ELSE 'default' END FROM pg_catalog.pg_attribute a "
            "WHERE a.attrelid = to_regclass(CAST(? AS text)) AND a.attnum > 0 AND NOT "
            "a.attisdropped "
            "AND (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '')",
            {qualified(table)}};
    }
    Query try_lock_query(const std::string&, std::int64_t key) const override {
        return {"SELECT CASE WHEN pg_try_advisory_lock(CAST(? AS bigint)) THEN 1 ELSE 0 END",
                {std::to_string(key)}};
    }
    Query unlock_query(const std::string&, std::int64_t key) const override {
        return {"SELECT CASE WHEN pg_advisory_unlock(CAST(? AS bigint)) THEN 1 ELSE 0 END",
                {std::to_string(key)}};
    }

    bool is_lock_timeout(std::string_view state, long) const override { return state == "55P03"; }
    ErrorKind classify(std::string_view state, long native) const override {
        if (state == "40001" || state == "40P01" || state == "55P03" || state == "57P01" ||
            state == "57P02" || state == "57P03") {
            return ErrorKind::transient;
        }
        if (state == "42P01" || state == "42703" || state == "3F000") return ErrorKind::config;
        return Dialect::classify(state, native);
    }
};

}  // namespace

DialectEntry postgresql_dialect_entry() {
    return {"postgresql",
            [](std::string_view n) {
                return n.find("postgres") != std::string_view::npos;
            },
            [](std::string_view d) {
                return d.find("postgres") != std::string_view::npos || d.find("psql") != std::string_view::npos;
            },
            []() -> std::unique_ptr<Dialect> { return std::make_unique<PostgresqlDialect>(); }};
}

}  // namespace replicate::detail
