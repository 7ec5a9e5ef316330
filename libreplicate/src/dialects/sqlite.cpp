// SQLite through sqliteodbc: dynamic typing, so declared type names carry the type.
#include "../dialect.hpp"

#include <algorithm>

#include "../text.hpp"
#include "registry.hpp"

namespace replicate::detail {
namespace {

class SqliteDialect final : public Dialect {
public:
    std::string_view key() const override { return "sqlite"; }
    std::string_view display_name() const override { return "SQLite"; }
    // Attached databases want the schema on the index name, not on the table.
    std::string create_index(const QualifiedName& table, const std::string& column) const override {
        if (table.schema.empty()) return Dialect::create_index(table, column);
        return "CREATE INDEX " + quote(table.schema) + "." + quote(index_name(table, column)) +
               " ON " + quote(table.table) + " (" + quote(column) + ")";
    }

    std::string column_type(const ColumnType& t) const override {
        const auto n = [](std::int64_t v) { return "(" + std::to_string(v) + ")"; };
        switch (t.type) {
        case Type::boolean: return "bit";
        case Type::int8: return "tinyint";
        case Type::int16: return "smallint";
        case Type::int32: return "integer";
        case Type::int64: return "bigint";
        case Type::decimal: {
            // NUMERIC affinity holds a decimal as an integer or a double: exact up to 15
            // significant digits, which the inserter checks value by value (a longer value is a
            // data error, never rounded). [target] decimal_storage = "text" declares a type
            // with TEXT affinity instead ("TEXT" in the name), which refine() still reads as
            // decimal(p,s): every digit kept, but comparisons and sums are textual.
            const std::string ps = t.precision <= 0 ? std::string()
                                                    : "(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
            return (decimals_as_text() ? "decimal_text" : "decimal") + ps;
        }
        // REAL affinity; values are bound as doubles (sqlite3_bind_double, exact) and read
        // back exactly by select_expression(). SQLite cannot keep a negative zero.
        case Type::float32: return "real";
        case Type::float64: return "double";
        case Type::date: return "date";
        case Type::time: return "time";
        case Type::timestamp: return "datetime";
        case Type::text:
            if (t.length == 0) return "text";
            return std::string(t.national ? "n" : "") + (t.fixed_length ? "char" : "varchar") +
                   n(t.length);
        case Type::binary:
            if (t.length == 0) return "blob";
            return std::string(t.fixed_length || t.row_version ? "binary" : "varbinary") +
                   n(t.length);
        }
        return "blob";
    }

    // sqliteodbc describes decimal(p,s) and binary(n) as varchar; the declared name is what
    // the table's author meant, so it decides.
    ColumnType refine(ColumnType t) const override {
        const TypeName name = parse_type_name(t.native_name);
        const std::string& b = name.base;
        if (b == "decimal" || b == "numeric" || b == "decimal_text") {
            t.type = Type::decimal;
            t.precision = name.first > 0 ? static_cast<int>(name.first) : 0;  // 0: unconstrained
            t.scale = name.second >= 0 ? static_cast<int>(name.second) : 0;
            t.length = 0;
        } else if (b == "binary" || b == "varbinary" || b == "blob" || b == "rowversion") {
            t.type = Type::binary;
            t.length = name.first > 0 ? name.first : (b == "rowversion" ? 8 : 0);
            t.fixed_length = b == "binary";
        } else if (b == "text" || b == "clob") {
            t.type = Type::text;
            t.length = 0;
        } else if (b == "varchar" || b == "char" || b == "nvarchar" || b == "nchar") {
            t.type = Type::text;
            t.length = name.first > 0 ? name.first : 0;
            t.fixed_length = b == "char" || b == "nchar";
            t.national = b[0] == 'n';
        } else if (b == "real_text") {
            t.type = Type::float32;
        } else if (b == "double_text") {
            t.type = Type::float64;
        } else if (b == "bit" || b == "boolean" || b == "bool") {
            t.type = Type::boolean;
        } else if (b == "datetime" || b == "timestamp") {
            // Stored as text with whatever fraction the writer gave, nanoseconds included.
            t.type = Type::timestamp;
            t.precision = 9;
        } else if (b == "date") {
            t.type = Type::date;
        } else if (b == "tinyint") {
            t.type = Type::int8;
        }
        return t;
    }

    // Dates live as ISO text; a "YYYY-MM-DD" bound compares correctly with any stored
    // "YYYY-MM-DD[ HH:MM:SS[.fff]]" value, while a timestamp-typed bound would not with a
    // plain date (the shorter text sorts first).
    RangeBinding range_binding(const ColumnType&) const override { return RangeBinding::iso_text; }
    // sqlite3odbc.c (drvexecute) steps through a result only for a statement without
    // parameters; with the two range parameters it read a whole month into memory (345 MiB
    // for a 184 MB month). Literal 'YYYY-MM-DD' bounds compare exactly as the text parameters
    // did (neither has an affinity).

    ErrorKind classify(std::string_view state, long native) const override {
        if (native == 5 || native == 6) return ErrorKind::transient;  // SQLITE_BUSY / LOCKED
        return Dialect::classify(state, native);
    }

    bool serialize_writes() const override { return true; }
    bool refresh_in_one_transaction() const override { return true; }
    std::string begin_statement() const override { return "BEGIN IMMEDIATE"; }

    static std::string schema_of(const QualifiedName& t) {
        return t.schema.empty() ? "main" : t.schema;
    }
    // Table names are case-insensitive in SQLite, and each attached database has its own
    // catalog.
    Query table_exists_query(const QualifiedName& table) const override {
        return {"SELECT 1 FROM " + quote(schema_of(table)) +
                    ".sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE",
                {table.table}};
    }
    Query schema_exists_query(const std::string& schema) const override {
        return {"SELECT 1 FROM pragma_database_list WHERE name = ?", {schema}};
    }
    Query primary_key_query(const QualifiedName& table) const override {
        return {"SELECT name FROM pragma_table_info(?, ?) WHERE pk > 0 ORDER BY pk",
                {table.table, schema_of(table)}};
    }
    Query defaulted_columns_query(const QualifiedName& table) const override {
        return {
            "SELECT name, CASE WHEN hidden IN (2, 3) THEN 'generated' ELSE 'default' END FROM "
            "pragma_table_xinfo(?, ?) WHERE dflt_value IS NOT NULL OR hidden <> 0",
            {table.table, schema_of(table)}};
    }
    Query declared_types_query(const QualifiedName& table) const override {
        return {"SELECT name, type FROM pragma_table_info(?, ?)", {table.table, schema_of(table)}};
    }
    // The declared types decide SQLite's affinities: staging gets the target's, verbatim.
    std::string create_table_like(const QualifiedName& staging, const QualifiedName&,
                                  const Schema& target_schema) const override {
        std::string sql = "CREATE TABLE " + qualified(staging) + " (";
        for (std::size_t i = 0; i < target_schema.size(); ++i) {
            const ColumnType& t = target_schema[i].type;
            sql += (i ? ", " : "") + quote(target_schema[i].name) +
                   (t.native_name.empty() ? "" : " " + t.native_name) + (t.nullable ? "" : " NOT NULL");
        }
        return sql + ")";
    }
    bool timestamps_as_text() const override { return true; }
    bool floats_as_text() const override { return true; }
    bool holds_nan() const override { return false; }

    // The declared type decides the column's affinity (SQLite's rules, in their order): a
    // TEXT-affinity column keeps exact text, any other receives doubles.
    NumberStorage number_storage(const ColumnType& target) const override {
        const std::string n = lower(target.native_name);
        if (n.find("int") != std::string::npos) return NumberStorage::binary_double;
        if (n.find("char") != std::string::npos || n.find("clob") != std::string::npos ||
            n.find("text") != std::string::npos) {
            return NumberStorage::text;
        }
        return NumberStorage::binary_double;
    }
    bool enforces_lengths() const override { return false; }

    // A REAL-stored value is rendered as "r<m>p<e>", the exact double m * 2^e: SQLite 3.40's
    // printf stops at 16 significant digits ("%!.17g" at 17, but wrongly past 1e100), and its
    // text-to-REAL conversion is not always correctly rounded, so no text rendering inside
    // SQLite is exact. Scaling by powers of two is exact; floor(log2()) may be one off, which
    // leaves m between 2^52 and 2^55, still an exact integer. Text and integers come as they
    // are. Needs SQLite's math functions (3.35+, as Debian builds it).
    std::string select_expression(const std::string& q, const ColumnType& t) const override {
        if (t.type != Type::decimal && t.type != Type::float32 && t.type != Type::float64) return q;
        const std::string k = "(53 - CAST(floor(log2(abs(" + q + "))) AS INTEGER))";
        return "CASE WHEN typeof(" + q + ") <> 'real' THEN " + q + " WHEN " + q +
               " = 0 THEN 'r0p0' WHEN abs(" + q + ") = 9e999 THEN CASE WHEN " + q +
               " > 0 THEN 'rinf' ELSE 'r-inf' END ELSE 'r' || CAST(" + q + " * pow(2, " + k +
               " / 2) * pow(2, " + k + " - " + k + " / 2) AS INTEGER) || 'p' || (0 - " + k +
               ") END";
    }
    std::size_t max_identifier_length() const override { return 128; }
};

}  // namespace

DialectEntry sqlite_dialect_entry() {
    return {"sqlite",
            [](std::string_view n) {
                return n.find("sqlite") != std::string_view::npos;
            },
            [](std::string_view d) {
                return d.find("sqlite") != std::string_view::npos;
            },
            []() -> std::unique_ptr<Dialect> { return std::make_unique<SqliteDialect>(); }};
}

}  // namespace replicate::detail
