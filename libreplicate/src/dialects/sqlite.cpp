// SQLite through sqliteodbc: dynamic typing, so declared type names carry the type.
#include <replicate/dialect.hpp>

#include "../text.hpp"

namespace replicate::detail {
namespace {

class SqliteDialect final : public Dialect {
public:
    Dbms dbms() const override { return Dbms::sqlite; }

    std::string column_type(const ColumnType& t) const override {
        const auto n = [](std::int64_t v) { return "(" + std::to_string(v) + ")"; };
        switch (t.type) {
        case Type::boolean: return "bit";
        case Type::int8: return "tinyint";
        case Type::int16: return "smallint";
        case Type::int32: return "integer";
        case Type::int64: return "bigint";
        case Type::decimal: {
            // NUMERIC affinity keeps 15 significant digits and rounds the rest silently
            // ('999999999999.9999' becomes 1e12). Wider decimals get a declared type with TEXT
            // affinity ("TEXT" in the name) that refine() still reads as decimal(p,s).
            const std::string ps = "(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
            return (t.precision <= 15 ? "decimal" : "decimal_text") + ps;
        }
        // REAL affinity stores -0.0 as 0 and sqliteodbc rounds to 15 digits: floats are kept
        // as shortest round-trip text (TEXT affinity; refine() reads them back as floats).
        case Type::float32: return "real_text";
        case Type::float64: return "double_text";
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
            t.precision = name.first > 0 ? static_cast<int>(name.first) : 38;
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

    std::string complete_connection_string(std::string c, bool source) const override {
        c = with_default_attribute(std::move(c), "StepAPI", "1");    // stream, do not buffer
        c = with_default_attribute(std::move(c), "Timeout", "30000");  // busy wait, ms
        if (source) c = with_default_attribute(std::move(c), "NoCreat", "1");
        return c;
    }

    ErrorKind classify(std::string_view state, long native) const override {
        if (native == 5 || native == 6) return ErrorKind::transient;  // SQLITE_BUSY / LOCKED
        return Dialect::classify(state, native);
    }

    bool serialize_writes() const override { return true; }
    bool timestamps_as_text() const override { return true; }
    bool decimals_as_text() const override { return true; }
    bool floats_as_text() const override { return true; }
    bool binary_arrays_need_equal_lengths() const override { return true; }
    bool enforces_lengths() const override { return false; }

    // A REAL-stored value is rendered with the fewest digits (15, 16 or 17) that give the same
    // double back; text and integers come as they are. Decimals and floats alike, so a decimal
    // stored as REAL reads "454.3838", not "454.38380000000001".
    std::string select_expression(const std::string& q, const ColumnType& t) const override {
        if (t.type != Type::decimal && t.type != Type::float32 && t.type != Type::float64) return q;
        const auto g = [&](int digits) { return "printf('%." + std::to_string(digits) + "g', " + q + ")"; };
        return "CASE WHEN typeof(" + q + ") <> 'real' THEN " + q + " WHEN CAST(" + g(15) +
               " AS REAL) = " + q + " THEN " + g(15) + " WHEN CAST(" + g(16) + " AS REAL) = " + q +
               " THEN " + g(16) + " ELSE " + g(17) + " END";
    }
    std::size_t max_identifier_length() const override { return 128; }
};

}  // namespace

std::unique_ptr<Dialect> make_sqlite_dialect() { return std::make_unique<SqliteDialect>(); }

}  // namespace replicate::detail
