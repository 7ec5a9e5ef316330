// Replication between two backends (REPLICATE_TEST_SOURCE -> REPLICATE_TEST_TARGET): the demo
// tables value for value, and a fidelity table of every supported type at its edges.
#include <cfloat>
#include <cmath>
#include <limits>

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
    if (backends::source().name == "sqlite" && target.quirks.max_fraction_digits >= 0) {
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

TEST_CASE("fidelity: every supported type at its edges arrives bit for bit") {
    Backend& src = backends::source();
    Backend& dst = backends::target();
    const auto cols = fidelity_columns(dst);
    const Schema schema = fidelity_schema(cols);
    const auto rows = fidelity_rows(cols);

    TableSpec load;
    load.source = {"", tag() + "fidelity_src"};
    load.target = load.source;
    load.mode = TableMode::full_refresh;
    if (!src.is_memory()) src.drop(load.target.table);
    {
        auto target = src.target();
        target->prepare(load, schema);
        auto sink = target->open_sink("load");
        sink->begin(Partition{load, std::nullopt}, schema);
        Batch batch(schema);
        for (const auto& r : rows) batch.append_row(r);
        sink->write(batch);
        sink->commit();
    }
    TableSpec copy = load;
    copy.target = {"", tag() + "fidelity_dst"};
    if (!dst.is_memory()) dst.drop(copy.target.table);
    Plan plan;
    plan.tables.push_back(copy);
    auto source = src.source_factory();
    auto target = dst.target();
    const RunReport report = Orchestrator(*source, *target, RunOptions{}).run(plan);
    REQUIRE(report.partitions.size() == 1);
    INFO(report.partitions[0].error);
    REQUIRE(report.partitions[0].status == PartitionStatus::done);

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
