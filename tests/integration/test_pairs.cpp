// Replication between two backends (REPLICATE_TEST_SOURCE -> REPLICATE_TEST_TARGET): the demo
// tables value for value, and a fidelity table of every supported type at its edges.
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include <replicate/orchestrator.hpp>

#include "../support/backends.hpp"
#include "../support/reference.hpp"

using namespace replicate;
using backends::Backend;

namespace {

const std::vector<std::pair<std::string, std::string>> demo_sales{
    {"APP_4_SALES", "DATETIME__SALES_DATE"},
    {"APP_4_VOUCHER", "DATE__ISSUE_DATE"},
    {"APP_4_EPAYMENTLOG", "DATETIME__LOG_DATE"},
};
const std::vector<std::string> demo_reference{"APP_4_ITEM", "LOCATION_DETAIL"};

const std::string& demo_sqlite() { return fixtures::shared_demo_source(); }

std::string short_name(const Backend& b) {
    if (b.name == "postgresql") return "pg";
    if (b.name == "mariadb") return "my";
    if (b.name == "sqlserver") return "ms";
    if (b.name == "sqlite") return "sl";
    return "mem";
}

/// Pair tests of one server run in parallel under ctest, and two suites may share a server:
/// every table carries the pair and the process ("t_p1234_pg_my_"), short enough that the
/// longest demo name stays within PostgreSQL's 63 characters.
std::string tag() {
    return "t_" + backends::process_marker() + "_" + short_name(backends::source()) + "_" +
           short_name(backends::target()) + "_";
}

Plan demo_plan(const std::string& source_prefix, const std::string& prefix) {
    Plan plan;
    plan.range = DateRange::inclusive(Date::parse("2024-10-01"), Date::parse("2025-10-31"));
    for (const auto& [table, column] : demo_sales) {
        TableSpec t;
        t.source = {"", source_prefix + table};
        t.target = {"", backends::remember(prefix + table)};
        t.partition_column = column;
        plan.tables.push_back(t);
    }
    for (const std::string& table : demo_reference) {
        TableSpec t;
        t.source = {"", source_prefix + table};
        t.target = {"", backends::remember(prefix + table)};
        t.mode = TableMode::full_refresh;
        plan.tables.push_back(t);
    }
    return plan;
}

void drop_plan_targets(Backend& b, const Plan& plan) {
    if (b.is_memory()) return;
    for (const TableSpec& t : plan.tables) b.drop(t.target.table);
}

/// Puts the demo tables into \p b: SQLite gets the demo file itself (own names), servers get
/// them under the pair's tag. Returns the prefix of their names.
std::string load_demo(Backend& b) {
    if (b.name == "sqlite") {
        // The same file as the reference copy: row versions are random per generation.
        std::filesystem::copy_file(demo_sqlite(), b.dir->file("sqlite.db"),
                                   std::filesystem::copy_options::overwrite_existing);
        return "";
    }
    replicate::odbc::OdbcSourceFactory demo(fixtures::sqlite_endpoint(demo_sqlite()));
    auto target = b.target();
    const Plan plan = demo_plan("", tag());
    drop_plan_targets(b, plan);
    const RunReport r = Orchestrator(demo, *target, RunOptions{}).run(plan);
    for (const replicate::PartitionResult& p : r.partitions) {
        if (p.status != replicate::PartitionStatus::done) MESSAGE(p);
    }
    REQUIRE(r.ok());
    return tag();
}

}  // namespace

TEST_CASE("the demo tables copied between two DBMSs equal the originals value for value") {
    Backend& src = backends::source();
    Backend& dst = backends::target();
    const std::string loaded = load_demo(src);
    const Plan plan = demo_plan(loaded, tag() + "copy_");
    drop_plan_targets(dst, plan);
    auto source = src.source_factory();
    auto target = dst.target();
    RunOptions options;
    options.max_workers = 3;
    const RunReport report = Orchestrator(*source, *target, options).run(plan);
    for (const PartitionResult& r : report.partitions) {
        CAPTURE(r);
        CHECK(r.status == PartitionStatus::done);
    }
    // Checked against the generated demo file and the copy, both printed by their DBMS's own
    // client (sqlite3, psql, mariadb): column kinds from the catalog, every value canonical.
    const std::string client = reference::client(dst);
    for (const TableSpec& t : plan.tables) {
        const std::string original = t.source.table.substr(loaded.size());
        INFO(src.name << " -> " << dst.name << ": " << t.source.table);
        if (client.empty()) {
            MESSAGE(dst.name << " has no client here: compared through the library's reader");
            replicate::odbc::OdbcSourceFactory demo(fixtures::sqlite_endpoint(demo_sqlite()));
            auto copies = dst.source_factory();
            fixtures::check_same(fixtures::read_table(demo, original), fixtures::read_table(*copies, t.target.table),
                                 src.name + " -> " + dst.name + ": " + t.source.table);
            continue;
        }
        const std::string want = reference::dump(reference::sqlite_client(demo_sqlite()), original);
        const std::string got = reference::dump(client, t.target.table);
        CHECK(std::count(got.begin(), got.end(), '\n') > 1);
        CHECK_MESSAGE(want == got, reference::first_difference(want, got));
    }
}

namespace {

struct FidelityColumn {
    std::string name;
    ColumnType type;
    std::vector<Value> values;  // one per row; rows are the longest list, padded with NULL
};

ColumnType typed(Type t, std::int64_t length = 0, int precision = 0, int scale = 0) {
    ColumnType c{t, length, precision, scale};
    return c;
}

Value str(std::string s) { return Value{std::move(s)}; }
Value i(std::int64_t v) { return Value{v}; }
Value f(double v) { return Value{v}; }
Value t(const char* day, int h = 0, int m = 0, int s = 0, std::uint32_t ns = 0) {
    return Value{Timestamp{Date::parse(day), h, m, s, ns}};
}

std::vector<FidelityColumn> fidelity_columns(const Backend& target) {
    std::string emoji10;
    for (int k = 0; k < 10; ++k) emoji10 += "\xF0\x9F\x8D\x9C";  // U+1F35C, 4 bytes each
    std::string mib(1 << 20, 'x');
    for (std::size_t k = 0; k < mib.size(); k += 1000) mib[k] = static_cast<char>('a' + (k / 1000) % 26);
    std::string blob(1 << 20, '\0');
    for (std::size_t k = 0; k < blob.size(); ++k) blob[k] = static_cast<char>((k * 7919) & 0xff);
    ColumnType ts6 = typed(Type::timestamp);
    ts6.precision = 6;
    ColumnType fixed8 = typed(Type::binary, 8);
    fixed8.fixed_length = true;
    fixed8.row_version = true;
    std::vector<FidelityColumn> cols{
        {"ID", typed(Type::int32), {i(1), i(2), i(3), i(4), i(5)}},
        {"I8", typed(Type::int8), {i(-128), i(127), i(0), Value{}}},
        {"I16", typed(Type::int16), {i(-32768), i(32767), i(0)}},
        {"I32", typed(Type::int32), {i(std::numeric_limits<std::int32_t>::min()), i(std::numeric_limits<std::int32_t>::max())}},
        {"I64", typed(Type::int64), {i(std::numeric_limits<std::int64_t>::min()), i(std::numeric_limits<std::int64_t>::max()), i(-1)}},
        {"D16_4", typed(Type::decimal, 0, 16, 4), {str("999999999999.9999"), str("-999999999999.9999"), str("0.0001"), str("-0.0001"), str("0")}},
        {"D38_10", typed(Type::decimal, 0, 38, 10), {str("9999999999999999999999999999.9999999999"), str("-1234567890123456789012345678.0123456789"), str("0.0000000001")}},
        {"F64", typed(Type::float64), {f(DBL_MAX), f(DBL_MIN), f(std::numeric_limits<double>::denorm_min()), f(-0.0), f(0.1 + 0.2)}},
        {"F32", typed(Type::float32), {f(static_cast<double>(FLT_MAX)), f(static_cast<double>(FLT_MIN)), f(static_cast<double>(std::numeric_limits<float>::denorm_min())), f(-0.0), f(static_cast<double>(0.1f))}},
        {"DT", typed(Type::date), {t("0001-01-01"), t("9999-12-31"), t("2024-02-29")}},
        {"TS", ts6, {t("0001-01-01"), t("9999-12-31", 23, 59, 59, 999999000), t("2025-10-31", 23, 59, 59, 999999000), t("2025-11-01")}},
        {"V10", typed(Type::text, 10), {str(emoji10), str("trail   "), str(""), str(" lead"), str("z")}},
        {"TXT", typed(Type::text, 0), {str(mib), str(""), str("line\nbreak\ttab")}},
        {"BIN", typed(Type::binary, 0), {str(std::string()), str(std::string("\0\0\x01\0", 4)), str(blob), str("\xff")}},
        {"RV", fixed8, {str(std::string("\0\0\0\0\0\0\x07\xd1", 8)), str(std::string("\xff\xff\xff\xff\xff\xff\xff\xff", 8))}},
        {"B", typed(Type::boolean), {i(1), i(0)}},
    };
    (void)target;
    // SQL Server datetime (1/300-s ticks: .997 is the last tick of a second) everywhere: every
    // backend holds milliseconds.
    ColumnType legacy = typed(Type::timestamp);
    legacy.precision = 3;
    legacy.native_name = "datetime";
    legacy.legacy_datetime = true;
    cols.push_back({"DTL", legacy, {t("1753-01-01"), t("2025-10-31", 23, 59, 59, 997000000),
                                    t("9999-12-31", 23, 59, 59, 997000000), t("2025-02-01", 0, 0, 0, 3000000)}});
    if (backends::source().quirks.max_fraction_digits >= 7 && target.quirks.max_fraction_digits >= 7) {
        ColumnType ts7 = typed(Type::timestamp);
        ts7.precision = 7;
        cols.push_back({"TS7", ts7, {t("2025-10-31", 23, 59, 59, 999999900), t("0001-01-01", 0, 0, 0, 100)}});
    }
    if (backends::source().name == "sqlite") {
        // SQLite does not enforce declared lengths: a varchar(4) holding 60 characters, more
        // than the driver reports, arrives whole where the target takes it (SQLite, memory).
        if (target.name == "sqlite" || target.is_memory()) {
            cols.push_back({"LONGER", typed(Type::text, 4), {str(std::string(40, 'L') + " past the declared 4"), str("ok")}});
        }
    }
    return cols;
}

Schema fidelity_schema(const std::vector<FidelityColumn>& cols) {
    Schema s;
    for (const auto& c : cols) s.push_back({c.name, c.type});
    return s;
}

std::vector<std::vector<Value>> fidelity_rows(const std::vector<FidelityColumn>& cols) {
    std::vector<std::vector<Value>> rows(5);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        for (const auto& c : cols) rows[r].push_back(r < c.values.size() ? c.values[r] : Value{});
    }
    return rows;
}

}  // namespace

namespace {

std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::string exact(double d) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
}

std::string timestamp_text(const Timestamp& t, bool with_time, int fraction_digits = 6) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", t.date.year, t.date.month, t.date.day);
    std::string out = buf;
    if (!with_time) return out;
    std::snprintf(buf, sizeof buf, " %02d:%02d:%02d.%09u", t.hour, t.minute, t.second, t.nanosecond);
    return out + std::string(buf).substr(0, 10 + static_cast<std::size_t>(fraction_digits));
}

/// The column type a DBA would declare in \p dbms for a fidelity column (a foreign-made
/// source, not what the library creates).
std::string native_type(const std::string& dbms, const ColumnType& t) {
    const bool pg = dbms == "postgresql", my = dbms == "mariadb";
    const auto n = [](std::int64_t v) { return "(" + std::to_string(v) + ")"; };
    if (dbms == "sqlserver") {
        switch (t.type) {
            case Type::boolean:
                return "bit";
            case Type::int8:
                return "smallint";  // SQL Server's tinyint is unsigned
            case Type::int16:
                return "smallint";
            case Type::int32:
                return "int";
            case Type::int64:
                return "bigint";
            case Type::decimal:
                return "decimal(" + std::to_string(t.precision) + "," + std::to_string(t.scale) +
                       ")";
            case Type::float32:
                return "real";
            case Type::float64:
                return "float";
            case Type::date:
                return "date";
            case Type::time:
                return "time(7)";
            case Type::timestamp:
                return t.legacy_datetime ? "datetime"
                                         : "datetime2(" + std::to_string(t.precision) + ")";
            case Type::text:
                return t.length == 0 ? "nvarchar(max)" : "nvarchar" + n(2 * t.length);
            case Type::binary:
                if (t.length == 0) return "varbinary(max)";
                return t.row_version ? "binary(8)" : "varbinary" + n(t.length);
        }
    }
    switch (t.type) {
    case Type::boolean: return "boolean";
    case Type::int8: return pg ? "smallint" : "tinyint";
    case Type::int16: return "smallint";
    case Type::int32: return "integer";
    case Type::int64: return "bigint";
    case Type::decimal: {
        const std::string ps = "(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
        // SQLite's NUMERIC affinity turns '9999999999999999999999999999.9999999999' into a
        // double; exact decimals live in TEXT affinity there (the README's decimal_storage).
        return (pg ? "numeric" : my ? "decimal" : "decimal_text") + ps;
    }
    case Type::float32: return my ? "float" : "real";
    case Type::float64: return pg ? "double precision" : "double";
    case Type::date: return "date";
    case Type::time: return "time";
    case Type::timestamp:
        if (pg) return "timestamp(" + std::to_string(std::min(t.precision, 6)) + ")";
        if (my) return "datetime(" + std::to_string(std::min(t.precision, 6)) + ")";
        return "datetime";
    case Type::text:
        if (t.length == 0) return my ? "longtext" : "text";
        return "varchar" + n(t.length);
    case Type::binary:
        if (pg) return "bytea";
        if (t.length == 0) return my ? "longblob" : "blob";
        return "binary" + n(t.length);
    }
    return "text";
}

std::string literal(const std::string& dbms, const Value& v, const ColumnType& t) {
    const bool pg = dbms == "postgresql", my = dbms == "mariadb";
    if (v.is_null()) return "NULL";
    if (dbms == "sqlserver") {
        switch (t.type) {
            case Type::float32:
            case Type::float64: {
                // From text: Babelfish reads a literal such as -0.0E0 as numeric (the sign of zero
                // is lost); a string converts to float on both.
                const double d = std::get<double>(v.data);
                return "CAST('" + (std::signbit(d) && d == 0 ? std::string("-0") : exact(d)) +
                       "' AS " + (t.type == Type::float32 ? "real" : "float") + ")";
            }
            case Type::date:
            case Type::time:
            case Type::timestamp:
                // datetime takes at most 3 fraction digits from text (241 otherwise).
                return "'" +
                       timestamp_text(std::get<Timestamp>(v.data), t.type != Type::date,
                                      t.legacy_datetime ? 3 : 7) +
                       "'";
            case Type::text: {
                // N'...': tsql sends the batch as UTF-16, so no character passes a code page.
                std::string out = "N'";
                for (char c : std::get<std::string>(v.data))
                    out += c == '\'' ? std::string("''") : std::string(1, c);
                return out + "'";
            }
            case Type::binary:
                return "0x" + hex(std::get<std::string>(v.data));
            default:
                break;
        }
    }
    switch (t.type) {
    case Type::boolean: return std::get<std::int64_t>(v.data) ? (pg ? "true" : "1") : (pg ? "false" : "0");
    case Type::int8: case Type::int16: case Type::int32: case Type::int64:
        return std::to_string(std::get<std::int64_t>(v.data));
    case Type::decimal: return dbms == "sqlite" ? "'" + std::get<std::string>(v.data) + "'" : std::get<std::string>(v.data);
    case Type::float32: case Type::float64: {
        const double d = std::get<double>(v.data);
        if (pg) return "'" + exact(d) + "'::" + (t.type == Type::float32 ? "real" : "double precision");
        return std::signbit(d) && d == 0 ? "-0.0e0" : exact(d) + (exact(d).find_first_of("e.") == std::string::npos ? "e0" : "");
    }
    case Type::date: case Type::time: case Type::timestamp:
        // SQLite keeps the text as given: nanoseconds; the servers hold microseconds.
        return "'" + timestamp_text(std::get<Timestamp>(v.data), t.type != Type::date, dbms == "sqlite" ? 9 : 6) + "'";
    case Type::text: {
        const std::string h = hex(std::get<std::string>(v.data));
        if (pg) return "convert_from('\\x" + h + "'::bytea, 'UTF8')";
        if (my) return "CONVERT(X'" + h + "' USING utf8mb4)";
        return "CAST(X'" + h + "' AS TEXT)";
    }
    case Type::binary: {
        const std::string h = hex(std::get<std::string>(v.data));
        return pg ? "'\\x" + h + "'::bytea" : "X'" + h + "'";
    }
    }
    return "NULL";
}

/// A script that creates \p table with native types and fills it with literal rows.
std::string load_script(const std::string& dbms, const std::string& table, const Schema& schema,
                        const std::vector<std::vector<Value>>& rows) {
    const std::string q = dbms == "mariadb" ? "`" : "\"";
    std::string sql =
        dbms == "sqlserver"
            ? "IF OBJECT_ID(N'" + table + "', N'U') IS NOT NULL DROP TABLE \"" + table +
                  "\";\nCREATE TABLE " + q + table + q + " ("
            : "DROP TABLE IF EXISTS " + q + table + q + ";\nCREATE TABLE " + q + table + q + " (";
    for (std::size_t c = 0; c < schema.size(); ++c) {
        sql += (c ? ", " : "") + q + schema[c].name + q + " " + native_type(dbms, schema[c].type);
    }
    sql += dbms == "mariadb" ? ") DEFAULT CHARSET=utf8mb4;\n" : ");\n";
    for (const auto& row : rows) {
        sql += "INSERT INTO " + q + table + q + " VALUES (";
        for (std::size_t c = 0; c < schema.size(); ++c) sql += (c ? ", " : "") + literal(dbms, row[c], schema[c].type);
        sql += ");\n";
    }
    return sql;
}

std::vector<std::string> split(const std::string& line, char sep) {
    std::vector<std::string> out(1);
    for (char c : line) {
        if (c == sep) out.emplace_back(); else out.back() += c;
    }
    return out;
}

/// The value as canonical.sh prints it; floats are compared as numbers (see same_printed).
std::string printed(const Value& v, const ColumnType& t) {
    if (v.is_null()) return "NULL";
    switch (t.type) {
    case Type::boolean: case Type::int8: case Type::int16: case Type::int32: case Type::int64:
        return std::to_string(std::get<std::int64_t>(v.data));
    case Type::decimal: return fixtures::canonical_decimal(std::get<std::string>(v.data));
    case Type::float32: case Type::float64: return exact(std::get<double>(v.data));
    case Type::date: return timestamp_text(std::get<Timestamp>(v.data), false);
    case Type::time: case Type::timestamp: return timestamp_text(std::get<Timestamp>(v.data), true, 9);
    case Type::text: case Type::binary: return hex(std::get<std::string>(v.data));
    }
    return "?";
}

/// Floats: the printed text read back (strtof for float32, strtod otherwise) must give the
/// same bits; everything else must print identically.
bool same_printed(const std::string& want, const std::string& got, Type t) {
    if ((t != Type::float32 && t != Type::float64) || want == "NULL" || got == "NULL") return want == got;
    if (t == Type::float32) {
        const float a = std::strtof(want.c_str(), nullptr), b = std::strtof(got.c_str(), nullptr);
        return std::memcmp(&a, &b, sizeof a) == 0;
    }
    const double a = std::strtod(want.c_str(), nullptr), b = std::strtod(got.c_str(), nullptr);
    return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

namespace {

/// Checks a canonical dump (reference::dump) against the intended rows, value by value, and
/// the column kinds the DBMS's catalog reports. \p keep_negative_zero: whether -0.0 can
/// survive everything on the way.
void check_dump(const std::string& dump, const Schema& schema, const std::vector<std::vector<Value>>& rows,
                bool keep_negative_zero, bool sqlite, const std::string& what) {
    INFO(what);
    std::vector<std::string> lines = split(dump, '\n');
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    REQUIRE(lines.size() == rows.size() + 1);
    const std::vector<std::string> header = split(lines[0].substr(2), '\t');
    REQUIRE(header.size() == schema.size());
    static const std::map<Type, std::string> kinds{
        {Type::boolean, "int"}, {Type::int8, "int"}, {Type::int16, "int"}, {Type::int32, "int"}, {Type::int64, "int"},
        {Type::float32, "float4"}, {Type::float64, "float8"}, {Type::date, "date"}, {Type::timestamp, "ts"},
        {Type::text, "text"}, {Type::binary, "bin"}};
    for (std::size_t c = 0; c < schema.size(); ++c) {
        const ColumnType& t = schema[c].type;
        std::string kind = t.type == Type::decimal ? "dec:" + std::to_string(t.scale) : kinds.at(t.type);
        if (sqlite && kind == "float4") kind = "float8";  // SQLite has no 4-byte float
        CHECK(header[c] == schema[c].name + ":" + kind);
    }
    std::map<std::string, std::vector<std::string>> by_id;  // rows by their ID (column 0)
    for (std::size_t r = 1; r < lines.size(); ++r) {
        std::vector<std::string> fields = split(lines[r], '\t');
        REQUIRE(fields.size() == schema.size());
        by_id[fields[0]] = std::move(fields);
    }
    for (const auto& row : rows) {
        const std::string id = printed(row[0], schema[0].type);
        REQUIRE_MESSAGE(by_id.count(id) == 1, "no row with ID " << id);
        for (std::size_t c = 0; c < schema.size(); ++c) {
            Value want = row[c];
            if (const double* d = std::get_if<double>(&want.data); d && *d == 0 && !keep_negative_zero) want = Value{0.0};
            const std::string w = printed(want, schema[c].type), g = by_id[id][c];
            if (!same_printed(w, g, schema[c].type.type)) {
                FAIL_CHECK("row " << id << " column " << schema[c].name << ": expected " << w.substr(0, 80)
                                  << ", the DBMS prints " << g.substr(0, 80));
            }
        }
    }
}

/// The column types the library created in a server target, as the server's catalog names
/// them: lengths, precisions and scales kept. Not listed because they depend on the source:
/// I8 (PostgreSQL has no tinyint), RV (bytea has no length), B (MariaDB's BOOLEAN is a
/// tinyint(1) its driver reports as tinyint), F32 (SQLite's REAL is a double), DTL.
/// \p source: the source's DBMS. V10 is a SQL Server source's nvarchar(20) (its length counts
/// UTF-16 units, 2 per emoji), which holds at most 20 characters; elsewhere 10 characters,
/// which a SQL Server target holds as nvarchar(20).
void check_created_types(const std::string& dbms, const std::string& table,
                         const std::string& source) {
    std::map<std::string, std::string> want;
    std::string sql;
    const std::string v10 = source == "sqlserver" ? "20" : "10";
    if (dbms == "postgresql") {
        want = {{"I16", "smallint"},
                {"I32", "integer"},
                {"I64", "bigint"},
                {"D16_4", "numeric(16,4)"},
                {"D38_10", "numeric(38,10)"},
                {"F64", "double precision"},
                {"DT", "date"},
                {"TS", "timestamp(6) without time zone"},
                {"V10", "character varying(" + v10 + ")"},
                {"TXT", "text"},
                {"BIN", "bytea"}};
        sql = "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '\"" + table +
              "\"'::regclass AND attnum > 0 AND NOT attisdropped";
    } else if (dbms == "mariadb") {
        want = {{"I16", "smallint(6)"},
                {"I32", "int(11)"},
                {"I64", "bigint(20)"},
                {"D16_4", "decimal(16,4)"},
                {"D38_10", "decimal(38,10)"},
                {"F64", "double"},
                {"DT", "date"},
                {"TS", "datetime(6)"},
                {"V10", "varchar(" + v10 + ") utf8mb4"},
                {"TXT", "longtext utf8mb4"},
                {"BIN", "longblob"}};
        sql = "SELECT COLUMN_NAME, CONCAT_WS(' ', COLUMN_TYPE, CHARACTER_SET_NAME) FROM information_schema.COLUMNS "
              "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '" + table + "'";
    } else if (dbms == "sqlserver") {
        want = {{"I16", "smallint"},
                {"I32", "int"},
                {"I64", "bigint"},
                {"D16_4", "decimal(16,4)"},
                {"D38_10", "decimal(38,10)"},
                {"F64", "float"},
                {"DT", "date"},
                {"TS", "datetime2(6)"},
                {"V10", "nvarchar(20)"},
                {"TXT", "nvarchar(max)"},
                {"BIN", "varbinary(max)"}};
        // From SQL Server itself the source-dependent ones are known too.
        if (source == "sqlserver")
            want.insert({{"RV", "binary(8)"}, {"B", "bit"}, {"DTL", "datetime"}});
        sql =
            "SELECT COLUMN_NAME, DATA_TYPE + CASE WHEN CHARACTER_MAXIMUM_LENGTH = -1 THEN '(max)' "
            "WHEN CHARACTER_MAXIMUM_LENGTH IS NOT NULL THEN '(' + CAST(CHARACTER_MAXIMUM_LENGTH AS "
            "varchar(10)) + ')' "
            "WHEN DATA_TYPE IN ('decimal', 'numeric') THEN '(' + CAST(NUMERIC_PRECISION AS "
            "varchar(3)) + ',' + "
            "CAST(NUMERIC_SCALE AS varchar(3)) + ')' WHEN DATA_TYPE = 'datetime2' THEN '(' + "
            "CAST(DATETIME_PRECISION AS varchar(3)) + ')' ELSE '' END FROM "
            "INFORMATION_SCHEMA.COLUMNS "
            "WHERE TABLE_NAME = N'" +
            table + "'";
    } else {
        return;
    }
    std::map<std::string, std::string> got;
    for (const std::string& line : split(reference::run_sql(dbms, sql), '\n')) {
        const auto tab = line.find('\t');
        if (tab != std::string::npos) got[line.substr(0, tab)] = line.substr(tab + 1);
    }
    for (const auto& [column, type] : want) {
        INFO(dbms << " column " << column);
        CHECK(got[column] == type);
    }
}

}  // namespace

TEST_CASE("fidelity: every supported type at its edges arrives bit for bit") {
    Backend& src = backends::source();
    Backend& dst = backends::target();
    const auto cols = fidelity_columns(dst);
    const Schema schema = fidelity_schema(cols);
    const auto rows = fidelity_rows(cols);

    TableSpec load;
    load.source = {"", backends::remember(tag() + "fidelity_src")};
    load.target = load.source;
    load.mode = TableMode::full_refresh;
    const std::string src_client = reference::client(src);
    if (!src_client.empty()) {
        // A foreign-made source: created and filled with SQL literals by the DBMS's own client,
        // then checked with that client before anything of ours reads it.
        reference::run_script(src_client, load_script(src.name, load.source.table, schema, rows));
        check_dump(reference::dump(src_client, load.source.table), schema, rows, src.quirks.negative_zero,
                   src.name == "sqlite", "the source as loaded by " + src.name + "'s client");
    } else {
        MESSAGE(src.name << " has no client here: the source is loaded through the library");
        if (!src.is_memory()) src.drop(load.target.table);
        auto target = src.target();
        target->prepare(load, schema);
        auto sink = target->open_sink("load");
        sink->begin(Partition::of_whole_table(load), schema);
        Batch batch(schema);
        for (const auto& r : rows) batch.append_row(r);
        sink->write(batch);
        sink->commit(LedgerEntry::for_partition(Partition::of_whole_table(load), static_cast<std::int64_t>(rows.size()), "load"));
    }
    TableSpec copy = load;
    copy.target = {"", backends::remember(tag() + "fidelity_dst")};
    if (!dst.is_memory()) dst.drop(copy.target.table);
    Plan plan;
    plan.tables.push_back(copy);
    auto source = src.source_factory();
    auto target = dst.target();
    const RunReport report = Orchestrator(*source, *target, RunOptions{}).run(plan);
    REQUIRE(report.partitions.size() == 1);
    INFO(report.partitions[0].error);
    REQUIRE(report.partitions[0].status == PartitionStatus::done);

    const std::string dst_client = reference::client(dst);
    if (!dst_client.empty()) {
        check_dump(reference::dump(dst_client, copy.target.table), schema, rows,
                   src.quirks.negative_zero && dst.quirks.negative_zero, dst.name == "sqlite" || src.name == "sqlite",
                   src.name + " -> " + dst.name + ", as " + dst.name + "'s client prints the copy");
        check_created_types(dst.name, copy.target.table, src.name);
        return;
    }
    MESSAGE(dst.name << " has no client here: the copy is read back through the library");
    auto reader = dst.source_factory();
    const fixtures::TableData got = fixtures::read_table(*reader, copy.target.table);
    REQUIRE(got.rows.size() == rows.size());
    REQUIRE(got.schema.size() == schema.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
        for (std::size_t c = 0; c < schema.size(); ++c) {
            CAPTURE(r);
            INFO(src.name << " -> " << dst.name << ", column " << schema[c].name);
            Value want = rows[r][c];
            // MariaDB cannot store -0.0 (DOUBLE and FLOAT normalise it to 0): documented.
            if (const double* d = std::get_if<double>(&want.data);
                d && *d == 0 && (!src.quirks.negative_zero || !dst.quirks.negative_zero)) {
                want = Value{0.0};
            }
            const bool same = fixtures::same_value(want, got.rows[r][c], schema[c].type.type);
            if (!same) {
                std::ostringstream a, b;
                a << want;
                b << got.rows[r][c];
                FAIL_CHECK("expected " << a.str().substr(0, 80) << ", got " << b.str().substr(0, 80));
            }
        }
    }
}
