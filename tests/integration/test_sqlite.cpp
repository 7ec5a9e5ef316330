// The demo through the real SQLite ODBC driver, end to end.
#include <replicate/options.hpp>
#include <replicate/odbc/database.hpp>
#include <replicate/orchestrator.hpp>

#include <cstring>

#include "../../libreplicate/src/odbc/connection.hpp"
#include "../../libreplicate/src/odbc/open_path.hpp"
#include "../support/fixtures.hpp"

using namespace replicate;
using fixtures::Sqlite;

namespace {

const std::vector<std::pair<std::string, std::string>> sales_tables{
    {"APP_4_SALES", "DATETIME__SALES_DATE"},
    {"APP_4_SALESITEM", "DATETIME__SALES_DATE"},
    {"APP_4_PAYMENT", "DATETIME__PAYMENT_DATE"},
    {"APP_4_VOIDSALESITEM", "DATETIME__VOID_DATE"},
    {"APP_4_SALESCREDITNOTE", "DATETIME__CREDITNOTE_DATE"},
    {"APP_4_SALESCREDITNOTEITEM", "DATETIME__CREDITNOTE_DATE"},
    {"APP_4_SALESDEBITNOTE", "DATETIME__DEBITNOTE_DATE"},
    {"APP_4_SALESDEBITNOTEITEM", "DATETIME__DEBITNOTE_DATE"},
    {"APP_4_EPAYMENTLOG", "DATETIME__LOG_DATE"},
    {"APP_4_VOUCHER", "DATE__ISSUE_DATE"},
};
const std::vector<std::string> reference_tables{"APP_4_ITEM", "APP_4_STOCK", "LOCATION_DETAIL"};
const char* prefix = "com_5013_";

const std::string& demo_source() { return fixtures::shared_demo_source(); }

Plan sales_plan(const std::vector<std::string>& only = {}) {
    Plan plan;
    plan.range = DateRange::inclusive(Date::parse("2024-10-01"), Date::parse("2025-10-31"));
    for (const auto& [table, column] : sales_tables) {
        if (!only.empty() && std::find(only.begin(), only.end(), table) == only.end()) continue;
        TableSpec t;
        t.source = {"", table};
        t.target = {"", prefix + table};
        t.partition_column = column;
        plan.tables.push_back(t);
    }
    return plan;
}

Plan reference_plan() {
    Plan plan;
    for (const std::string& table : reference_tables) {
        TableSpec t;
        t.source = {"", table};
        t.target = {"", prefix + table};
        t.mode = TableMode::full_refresh;
        plan.tables.push_back(t);
    }
    return plan;
}

RunOptions options(int workers = 2) {
    RunOptions o;
    o.max_workers = workers;
    o.read.batch_rows = 5000;
    o.retry.base_delay = std::chrono::milliseconds(10);
    return o;
}

/// Independent of ODBC and of the library: SQLite's own EXCEPT in both directions, which
/// compares storage classes and exact values (integer 1 is not text '1', a REAL compares by
/// its bits). Decimals are numbers (NUMERIC affinity) on both sides.
/// The quoted columns of \p table in \p schema.
std::string comparable_columns(Sqlite& db, const std::string& table, const std::string& schema) {
    std::string cols;
    for (const std::string& r : db.dump("SELECT name, lower(type) FROM pragma_table_info('" + table +
                                        "', '" + schema + "') ORDER BY cid")) {
        const std::size_t sep = r.find('\x1f');
        const std::string name = r.substr(2, sep - 2);
        const std::string type = r.substr(sep + 3, r.size() - sep - 4);
        (void)type;
        cols += (cols.empty() ? "" : ", ") + std::string("\"") + name + "\"";
    }
    return cols;
}

/// Rows of src.\p table missing from main.\p target_table plus the other way round.
long long sqlite_differences(Sqlite& db, const std::string& table, const std::string& target_table) {
    const std::string cols = comparable_columns(db, table, "src");
    const std::string src = "SELECT " + cols + " FROM src." + table;
    const std::string dst = "SELECT " + cols + " FROM main." + target_table;
    return db.scalar("SELECT COUNT(*) FROM (" + src + " EXCEPT " + dst + ")") +
           db.scalar("SELECT COUNT(*) FROM (" + dst + " EXCEPT " + src + ")");
}

void check_sqlite_equal(const std::string& target, const std::string& table) {
    Sqlite db(target);
    db.exec("ATTACH '" + demo_source() + "' AS src");
    INFO(table);
    CHECK(db.scalar("SELECT COUNT(*) FROM src." + table) ==
          db.scalar("SELECT COUNT(*) FROM main." + std::string(prefix) + table));
    CHECK(sqlite_differences(db, table, prefix + table) == 0);
}

}  // namespace

TEST_CASE("the demo replicated into an empty target equals the source value for value in every table") {
    fixtures::TempDir dir;
    const std::string target_path = dir.file("target.db");
    odbc::OdbcSourceFactory source(fixtures::sqlite_endpoint(demo_source()));
    odbc::OdbcTarget target(fixtures::sqlite_endpoint(target_path));

    const RunReport sales = Orchestrator(source, target, options()).run(sales_plan());
    CHECK(sales.ok());
    CHECK(sales.partitions.size() == 130);
    const RunReport reference = Orchestrator(source, target, options()).run(reference_plan());
    CHECK(reference.ok());

    for (const auto& [table, column] : sales_tables) {
        check_sqlite_equal(target_path, table);
        fixtures::check_same(fixtures::read_table(fixtures::sqlite_endpoint(demo_source()), table),
                             fixtures::read_table(fixtures::sqlite_endpoint(target_path), prefix + table),
                             table);
    }
    for (const std::string& table : reference_tables) {
        check_sqlite_equal(target_path, table);
        fixtures::check_same(fixtures::read_table(fixtures::sqlite_endpoint(demo_source()), table),
                             fixtures::read_table(fixtures::sqlite_endpoint(target_path), prefix + table),
                             table);
    }

    Sqlite t(target_path);
    // The month edges arrived in their own months.
    CHECK(t.scalar("SELECT COUNT(*) FROM com_5013_APP_4_SALES WHERE DATETIME__SALES_DATE = '2025-03-01 00:00:00.000'") == 1);
    CHECK(t.scalar("SELECT COUNT(*) FROM com_5013_APP_4_SALES WHERE DATETIME__SALES_DATE = '2025-02-28 23:59:59.999'") == 1);
    // Created with exact types and an index on the date column.
    const auto ddl = t.dump("SELECT sql FROM sqlite_master WHERE name = 'com_5013_APP_4_SALES'");
    REQUIRE(ddl.size() == 1);
    CHECK(ddl[0].find("\"SUBTOTAL\" decimal(16,4)") != std::string::npos);
    CHECK(ddl[0].find("\"ROWVERSION\" binary(8)") != std::string::npos);
    CHECK(ddl[0].find("\"CUSTOMER_NAME\" nvarchar(100)") != std::string::npos);
    CHECK(t.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                   "'com_5013_APP_4_SALES' AND sql LIKE '%DATETIME__SALES_DATE%'") == 1);
    // Numbers are numbers: comparisons, ORDER BY, SUM and MAX give the source's answers (they
    // compared as text when decimals were stored as TEXT: max 99.9908 for 737.5217).
    t.exec("ATTACH '" + demo_source() + "' AS src");
    CHECK(t.scalar("SELECT COUNT(*) FROM com_5013_APP_4_SALES WHERE typeof(SUBTOTAL) = 'text'") == 0);
    const auto same = [&](const std::string& query_on) {
        INFO(query_on);
        const auto src = t.dump("SELECT " + query_on + " FROM src.APP_4_SALES");
        const auto dst = t.dump("SELECT " + query_on + " FROM main.com_5013_APP_4_SALES");
        CHECK(src == dst);
        CHECK(!src.empty());
    };
    same("max(SUBTOTAL), min(SUBTOTAL)");
    same("count(*) FILTER (WHERE SUBTOTAL > 100)");
    same("printf('%.4f', sum(SUBTOTAL)), printf('%.4f', sum(GRAND_TOTAL))");
    CHECK(t.dump("SELECT SALES_ID FROM src.APP_4_SALES ORDER BY SUBTOTAL DESC, SALES_ID LIMIT 50") ==
          t.dump("SELECT SALES_ID FROM main.com_5013_APP_4_SALES ORDER BY SUBTOTAL DESC, SALES_ID LIMIT 50"));
    CHECK(t.scalar("SELECT COUNT(*) FROM main.com_5013_APP_4_SALES WHERE SUBTOTAL > 100") > 0);
    // One ledger row per partition, with the partition's row count.
    CHECK(t.scalar("SELECT COUNT(*) FROM replicate_ledger") == 133);
    CHECK(t.scalar("SELECT row_count FROM replicate_ledger WHERE table_name = 'com_5013_APP_4_SALES' "
                   "AND range_lo = '2025-06-01'") == 0);
    CHECK(t.scalar("SELECT SUM(row_count) FROM replicate_ledger WHERE table_name = 'com_5013_APP_4_SALESITEM'") ==
          t.scalar("SELECT COUNT(*) FROM com_5013_APP_4_SALESITEM"));
}

TEST_CASE("a second run of the same range changes nothing") {
    fixtures::TempDir dir;
    const std::string target_path = dir.file("target.db");
    odbc::OdbcSourceFactory source(fixtures::sqlite_endpoint(demo_source()));
    odbc::OdbcTarget target(fixtures::sqlite_endpoint(target_path));
    const Plan plan = sales_plan({"APP_4_SALES", "APP_4_VOUCHER", "APP_4_PAYMENT"});
    REQUIRE(Orchestrator(source, target, options()).run(plan).ok());
    Sqlite t(target_path);
    const auto sales_before = t.dump("SELECT * FROM com_5013_APP_4_SALES ORDER BY SALES_ID");
    const auto voucher_before = t.dump("SELECT * FROM com_5013_APP_4_VOUCHER ORDER BY VOUCHER_ID");
    const auto payment_before = t.dump("SELECT * FROM com_5013_APP_4_PAYMENT ORDER BY PAYMENT_ID");
    REQUIRE(sales_before.size() == 31000);
    REQUIRE(Orchestrator(source, target, options(3)).run(plan).ok());
    CHECK(t.dump("SELECT * FROM com_5013_APP_4_SALES ORDER BY SALES_ID") == sales_before);
    CHECK(t.dump("SELECT * FROM com_5013_APP_4_VOUCHER ORDER BY VOUCHER_ID") == voucher_before);
    CHECK(t.dump("SELECT * FROM com_5013_APP_4_PAYMENT ORDER BY PAYMENT_ID") == payment_before);
    CHECK(t.scalar("SELECT COUNT(*) FROM replicate_ledger") == 39);
}

TEST_CASE("--resume after a partly done run completes it and redoes nothing that was done") {
    fixtures::TempDir dir;
    const std::string target_path = dir.file("target.db");
    odbc::OdbcSourceFactory source(fixtures::sqlite_endpoint(demo_source()));
    odbc::OdbcTarget target(fixtures::sqlite_endpoint(target_path));
    const Plan plan = sales_plan({"APP_4_SALES", "APP_4_SALESITEM"});
    // First run: three months of SALESITEM fail.
    fixtures::FailingTarget failing(target, [](const Partition& p) {
        return p.table.source.table == "APP_4_SALESITEM" && p.range() &&
               (p.range()->lo.month == 1 || p.range()->lo.month == 5 || p.range()->lo.month == 7);
    });
    const RunReport first = Orchestrator(source, failing, options()).run(plan);
    CHECK_FALSE(first.ok());
    CHECK(first.tables[1].partitions_failed == 3);
    Sqlite t(target_path);
    CHECK(t.scalar("SELECT COUNT(*) FROM com_5013_APP_4_SALESITEM") < 155002);
    const std::string first_run = first.run_id;

    RunOptions resume = options();
    resume.resume = true;
    const RunReport second = Orchestrator(source, target, resume).run(plan);
    CHECK(second.ok());
    int skipped = 0;
    int done = 0;
    for (const PartitionResult& r : second.partitions) {
        skipped += r.status == PartitionStatus::skipped;
        done += r.status == PartitionStatus::done;
    }
    CHECK(done == 3);
    CHECK(skipped == 23);
    check_sqlite_equal(target_path, "APP_4_SALES");
    check_sqlite_equal(target_path, "APP_4_SALESITEM");
    // Done months kept the first run's ledger entries; the three redone ones have the second's.
    CHECK(t.scalar("SELECT COUNT(*) FROM replicate_ledger WHERE run_id = '" + first_run + "'") == 23);
    CHECK(t.scalar("SELECT COUNT(*) FROM replicate_ledger WHERE run_id = '" + second.run_id + "'") == 3);
}

TEST_CASE("the reference refresh replaces the table whole") {
    fixtures::TempDir dir;
    const std::string source_path = dir.file("source.db");
    const std::string target_path = dir.file("target.db");
    std::filesystem::copy_file(demo_source(), source_path);
    odbc::OdbcSourceFactory source(fixtures::sqlite_endpoint(source_path));
    odbc::OdbcTarget target(fixtures::sqlite_endpoint(target_path));
    REQUIRE(Orchestrator(source, target, options()).run(reference_plan()).ok());
    {
        Sqlite s(source_path);
        s.exec("DELETE FROM APP_4_ITEM WHERE ITEM_ID > 1500;"
               "UPDATE APP_4_ITEM SET ITEM_NAME = 'Renamed ✓', PRICE = '9.9900' WHERE ITEM_ID = 7;"
               "INSERT INTO APP_4_ITEM (ITEM_ID, ITEM_CODE) VALUES (5000, 'NEW');");
        Sqlite t(target_path);
        t.exec("INSERT INTO com_5013_APP_4_ITEM (ITEM_ID, ITEM_CODE) VALUES (-1, 'stale');");
    }
    REQUIRE(Orchestrator(source, target, options()).run(reference_plan()).ok());
    Sqlite t(target_path);
    t.exec("ATTACH '" + source_path + "' AS src");
    CHECK(t.scalar("SELECT COUNT(*) FROM com_5013_APP_4_ITEM") == 1501);
    CHECK(sqlite_differences(t, "APP_4_ITEM", "com_5013_APP_4_ITEM") == 0);
    CHECK(t.scalar("SELECT COUNT(*) FROM com_5013_APP_4_ITEM WHERE ITEM_ID = -1") == 0);
    CHECK(t.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%staging%'") == 0);
    CHECK(t.scalar("SELECT COUNT(*) FROM replicate_ledger WHERE range_lo = '' AND table_name = 'com_5013_APP_4_ITEM'") == 1);
}

TEST_CASE("a failed refresh leaves the old table untouched") {
    fixtures::TempDir dir;
    const std::string target_path = dir.file("target.db");
    odbc::OdbcSourceFactory source(fixtures::sqlite_endpoint(demo_source()));
    odbc::OdbcTarget target(fixtures::sqlite_endpoint(target_path));
    Plan plan = reference_plan();
    plan.tables.resize(1);
    REQUIRE(Orchestrator(source, target, options()).run(plan).ok());
    Sqlite t(target_path);
    const auto before = t.dump("SELECT * FROM com_5013_APP_4_ITEM ORDER BY ITEM_ID");
    // The refresh fails while loading: a sink whose batches are rejected after the first.
    struct Breaking : Target {
        Target& in;
        explicit Breaking(Target& i) : in(i) {}
        void validate(const TableSpec& a, const Schema& b) override { in.validate(a, b); }
        void prepare(const TableSpec& a, const Schema& b) override { in.prepare(a, b); }
        Ledger& ledger() override { return in.ledger(); }
        std::unique_ptr<Sink> open_sink(const std::string& id) override {
            struct S : Sink {
                std::unique_ptr<Sink> s;
                int batches = 0;
                void begin(const Partition& p, const Schema& sc) override { s->begin(p, sc); }
                void write(const Batch& b) override {
                    if (++batches > 1) throw Error(ErrorKind::data, "injected failure mid-load");
                    s->write(b);
                }
                void commit(const LedgerEntry& e) override { s->commit(e); }
            };
            auto s = std::make_unique<S>();
            s->s = in.open_sink(id);
            return s;
        }
    } breaking(target);
    RunOptions o = options();
    o.read.batch_rows = 100;
    const RunReport failed = Orchestrator(source, breaking, o).run(plan);
    CHECK_FALSE(failed.ok());
    CHECK(t.dump("SELECT * FROM com_5013_APP_4_ITEM ORDER BY ITEM_ID") == before);
    CHECK(t.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%staging%'") == 0);
}

TEST_CASE("a source column missing in the target fails before anything is written") {
    fixtures::TempDir dir;
    const std::string target_path = dir.file("target.db");
    {
        Sqlite t(target_path);
        // Everything of APP_4_VOUCHER but ISSUED_TO.
        t.exec("CREATE TABLE com_5013_APP_4_VOUCHER (VOUCHER_ID bigint, VOUCHER_CODE varchar(20), "
               "DATE__ISSUE_DATE date, DATE__EXPIRY_DATE date, FACE_VALUE decimal(16,4), "
               "BALANCE decimal(16,4), IS_REDEEMED tinyint, ROWVERSION binary(8))");
    }
    odbc::OdbcSourceFactory source(fixtures::sqlite_endpoint(demo_source()));
    odbc::OdbcTarget target(fixtures::sqlite_endpoint(target_path));
    // SALES comes first in the plan and would be created if the check came late.
    std::string message;
    try {
        Orchestrator(source, target, options()).run(sales_plan({"APP_4_SALES", "APP_4_VOUCHER"}));
        FAIL("expected an error");
    } catch (const Error& e) {
        message = e.what();
        CHECK(e.kind() == ErrorKind::config);
    }
    CHECK(message.find("ISSUED_TO") != std::string::npos);
    CHECK(message.find("com_5013_APP_4_VOUCHER") != std::string::npos);
    Sqlite t(target_path);
    CHECK(t.scalar("SELECT COUNT(*) FROM sqlite_master") == 1);  // only the table we made
    CHECK(t.scalar("SELECT COUNT(*) FROM com_5013_APP_4_VOUCHER") == 0);
}

TEST_CASE("an existing target table is used as it is: other column order, extra columns") {
    fixtures::TempDir dir;
    const std::string target_path = dir.file("target.db");
    {
        Sqlite t(target_path);
        t.exec("CREATE TABLE com_5013_APP_4_VOUCHER (LOADED_AT datetime DEFAULT '2000-01-01', "
               "ROWVERSION binary(8), ISSUED_TO nvarchar(100), IS_REDEEMED tinyint, BALANCE decimal(16,4), "
               "FACE_VALUE decimal(16,4), DATE__EXPIRY_DATE date, DATE__ISSUE_DATE date, "
               "VOUCHER_CODE varchar(20), VOUCHER_ID bigint)");
    }
    odbc::OdbcSourceFactory source(fixtures::sqlite_endpoint(demo_source()));
    odbc::OdbcTarget target(fixtures::sqlite_endpoint(target_path));
    REQUIRE(Orchestrator(source, target, options()).run(sales_plan({"APP_4_VOUCHER"})).ok());
    Sqlite t(target_path);
    t.exec("ATTACH '" + demo_source() + "' AS src");
    const std::string cols = "VOUCHER_ID, VOUCHER_CODE, DATE__ISSUE_DATE, DATE__EXPIRY_DATE, FACE_VALUE, "
                             "BALANCE, IS_REDEEMED, ISSUED_TO, ROWVERSION";
    CHECK(t.scalar("SELECT COUNT(*) FROM (SELECT " + cols + " FROM src.APP_4_VOUCHER EXCEPT SELECT " + cols +
                   " FROM com_5013_APP_4_VOUCHER)") == 0);
    CHECK(t.scalar("SELECT COUNT(*) FROM com_5013_APP_4_VOUCHER") == 7750);
    CHECK(t.scalar("SELECT COUNT(*) FROM com_5013_APP_4_VOUCHER WHERE LOADED_AT = '2000-01-01'") == 7750);
}

TEST_CASE("a configured table missing in the source, or a non-date date column, is a config error") {
    fixtures::TempDir dir;
    odbc::OdbcSourceFactory source(fixtures::sqlite_endpoint(demo_source()));
    odbc::OdbcTarget target(fixtures::sqlite_endpoint(dir.file("target.db")));
    Plan plan = sales_plan({"APP_4_SALES"});
    plan.tables[0].source.table = "APP_4_SALEZ";
    std::string msg;
    try {
        Orchestrator(source, target, options()).run(plan);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::config);
        msg = e.what();
    }
    CHECK(msg.find("APP_4_SALEZ") != std::string::npos);
    plan = sales_plan({"APP_4_SALES"});
    plan.tables[0].partition_column = "GRAND_TOTAL";
    try {
        Orchestrator(source, target, options()).run(plan);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::config);
        CHECK(std::string(e.what()).find("GRAND_TOTAL") != std::string::npos);
    }
    const bool written = std::filesystem::exists(dir.file("target.db")) &&
                         Sqlite(dir.file("target.db")).scalar("SELECT COUNT(*) FROM sqlite_master") > 0;
    CHECK_FALSE(written);
}

TEST_CASE("a ledger created from migrations/sqlite is the one the library writes to") {
    fixtures::TempDir dir;
    const std::string target_path = dir.file("target.db");
    {
        std::ifstream in(fixtures::source_dir() + "/migrations/sqlite/001_ledger.sql");
        std::stringstream sql;
        sql << in.rdbuf();
        Sqlite(target_path).exec(sql.str());
    }
    odbc::OdbcSourceFactory source(fixtures::sqlite_endpoint(demo_source()));
    odbc::OdbcTarget target(fixtures::sqlite_endpoint(target_path));
    REQUIRE(Orchestrator(source, target, options()).run(sales_plan({"APP_4_VOUCHER"})).ok());
    Sqlite t(target_path);
    CHECK(t.scalar("SELECT COUNT(*) FROM replicate_ledger WHERE table_name = 'com_5013_APP_4_VOUCHER'") == 13);
    CHECK(t.scalar("SELECT SUM(row_count) FROM replicate_ledger") == 7750);
    CHECK(t.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'replicate_ledger' AND sql LIKE '%PRIMARY KEY%'") == 1);
}

namespace {

Plan one_table_plan(const std::string& source, const std::string& target, TableMode mode) {
    Plan plan;
    TableSpec t;
    t.source = {"", source};
    t.target = {"", target};
    t.mode = mode;
    if (mode == TableMode::partitioned) {
        t.partition_column = "D";
        plan.range = DateRange::inclusive(Date::parse("2025-01-01"), Date::parse("2025-12-31"));
    }
    plan.tables.push_back(t);
    return plan;
}

}  // namespace

TEST_CASE("REAL values as SQLite stores them arrive bit for bit, into REAL and into legacy text columns") {
    fixtures::TempDir dir;
    const std::string src_path = dir.file("reals.db");
    const std::string dst_path = dir.file("target.db");
    {
        // Computed values (16-17 significant digits, typeof 'real') and the edges of the
        // double range, written by SQLite itself, not by the library.
        Sqlite src(src_path);
        src.exec("CREATE TABLE R (ID integer PRIMARY KEY, D datetime, X real, Y double precision, "
                 "Z float)");
        src.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
                 "INSERT INTO R SELECT i, '2025-0' || (1 + i % 9) || '-15 12:00:00', "
                 "(i % 9973) * 0.0001 * 26.7975 + i / 7.0, i * 1.1 / 3.0 - 2.2566 * (i % 13), "
                 "(abs(random()) % 1000000000) / 1e4 * 1.0000001 FROM n");
        src.exec("INSERT INTO R VALUES (20001, '2025-03-01', 26.797500000000003, 2.2565999999999997, "
                 "1.7976931348623157e308), (20002, '2025-03-01', 4.9406564584124654e-324, "
                 "2.2250738585072014e-308, -1.5e300), (20003, '2025-03-01', 0.1 + 0.2, 1e-300 * 1.1, "
                 "9e999), (20004, '2025-03-01', -9e999, 123456789012345678, 1.0)");
        REQUIRE(src.scalar("SELECT COUNT(*) FROM R WHERE typeof(X) = 'real'") == 20004);
        // A pre-created target whose float columns have TEXT affinity (an earlier version made
        // them so): exact text is written there.
        Sqlite dst(dst_path);
        dst.exec("CREATE TABLE R_TEXT (ID integer, D datetime, X double_text, Y double_text, Z double_text)");
    }
    odbc::OdbcSourceFactory source(fixtures::sqlite_endpoint(src_path));
    odbc::OdbcTarget target(fixtures::sqlite_endpoint(dst_path));
    REQUIRE(Orchestrator(source, target, options()).run(one_table_plan("R", "R", TableMode::partitioned)).ok());
    REQUIRE(Orchestrator(source, target, options()).run(one_table_plan("R", "R_TEXT", TableMode::full_refresh)).ok());

    Sqlite src(src_path);
    Sqlite dst(dst_path);
    CHECK(dst.scalar("SELECT COUNT(*) FROM R WHERE typeof(X) <> 'real' OR typeof(Y) <> 'real'") == 0);
    for (const char* column : {"X", "Y", "Z"}) {
        INFO(column);
        const auto expected = src.doubles(std::string("SELECT ") + column + ", ID FROM R");
        const auto real = dst.doubles(std::string("SELECT ") + column + ", ID FROM R");
        REQUIRE(expected.size() == 20004);
        REQUIRE(real.size() == expected.size());
        std::size_t differ = 0;
        std::size_t differ_text = 0;
        const auto as_text = dst.dump(std::string("SELECT ") + column + " FROM R_TEXT ORDER BY ID");
        REQUIRE(as_text.size() == expected.size());
        std::size_t i = 0;
        for (const auto& [id, v] : expected) {
            const double got = real.at(id);
            if (std::memcmp(&got, &v, sizeof v) != 0) ++differ;
            // "3:<text>\x1f": parsed in C++, not by SQLite.
            const std::string text = as_text[i++].substr(2);
            const double parsed = std::strtod(text.substr(0, text.size() - 1).c_str(), nullptr);
            if (std::memcmp(&parsed, &v, sizeof v) != 0) ++differ_text;
        }
        CHECK(differ == 0);
        CHECK(differ_text == 0);
    }
}

TEST_CASE("decimals a SQLite number cannot hold are refused, and kept whole as text when asked") {
    fixtures::TempDir dir;
    const std::string src_path = dir.file("wide.db");
    {
        Sqlite src(src_path);
        // TEXT affinity keeps every digit in the source.
        src.exec("CREATE TABLE W (ID integer PRIMARY KEY, D date, AMOUNT decimal_text(20,4))");
        src.exec("INSERT INTO W VALUES (1, '2025-02-03', '12.5000'), (2, '2025-02-04', "
                 "'1234567890123.4567'), (3, '2025-02-05', '-0.0001')");
    }
    odbc::OdbcSourceFactory source(fixtures::sqlite_endpoint(src_path));
    {
        const std::string dst_path = dir.file("numbers.db");
        odbc::OdbcTarget target(fixtures::sqlite_endpoint(dst_path));
        const RunReport r = Orchestrator(source, target, options()).run(one_table_plan("W", "W", TableMode::partitioned));
        CHECK_FALSE(r.ok());
        const auto failed = std::find_if(r.partitions.begin(), r.partitions.end(),
                                         [](const PartitionResult& p) { return p.status == PartitionStatus::failed; });
        REQUIRE(failed != r.partitions.end());
        CHECK(failed->error_kind == ErrorKind::data);
        CHECK(failed->error.find("column 'AMOUNT'") != std::string::npos);
        CHECK(failed->error.find("1234567890123.4567 has 17 significant digits") != std::string::npos);
        CHECK(failed->error.find("decimal_storage") != std::string::npos);
        // Nothing of the failed month was written; the other months were.
        Sqlite dst(dst_path);
        CHECK(dst.scalar("SELECT COUNT(*) FROM W") == 0);
    }
    {
        const std::string dst_path = dir.file("text.db");
        TargetOptions e = fixtures::sqlite_endpoint(dst_path);
        e.decimals_as_text = true;
        odbc::OdbcTarget target(e);
        REQUIRE(Orchestrator(source, target, options()).run(one_table_plan("W", "W", TableMode::partitioned)).ok());
        Sqlite dst(dst_path);
        CHECK(dst.dump("SELECT AMOUNT FROM W ORDER BY ID") ==
              std::vector<std::string>{"3:12.5000\x1f", "3:1234567890123.4567\x1f", "3:-0.0001\x1f"});
    }
}

// The SQL Server drivers' connections are opened by the library (attributes can then be set
// before connecting, as a bulk-copy sink needs); that path's transactions, on SQLite, checked
// with SQLite itself.
TEST_CASE("a connection the library opens itself commits, rolls back and returns to autocommit") {
    using replicate::odbc::detail::Connection;
    using replicate::odbc::detail::open_all_connections_directly;
    fixtures::TempDir dir;
    const std::string path = dir.file("direct.db");
    Sqlite(path).exec("CREATE TABLE t (id integer)");
    EndpointConfig endpoint;
    endpoint.connection = "Driver=SQLite3;Database=" + path;
    {
        Connection by_soci(endpoint, false);
        CHECK(std::string(by_soci.opened_by()) == "SOCI");
    }
    open_all_connections_directly(true);
    struct Reset {
        ~Reset() { open_all_connections_directly(false); }
    } reset;
    const auto count = [&] {
        Sqlite db(path);
        return db.scalar("SELECT count(*) FROM t");
    };
    {
        Connection conn(endpoint, false);
        CHECK(std::string(conn.opened_by()) == "direct");
        conn.begin();
        conn.execute("INSERT INTO t VALUES (1)");
        conn.rollback();
        CHECK(count() == 0);
        conn.begin();
        conn.execute("INSERT INTO t VALUES (2)");
        conn.commit();
        CHECK(count() == 1);
        conn.execute("INSERT INTO t VALUES (3)");  // autocommit again after commit()
        CHECK(count() == 2);
        conn.begin();
        conn.execute("INSERT INTO t VALUES (4)");
    }  // destroyed in a transaction: rolled back
    CHECK(count() == 2);
    // A failed connect names the problem and not the password.
    EndpointConfig bad;
    bad.connection = "Driver=NoSuchDriver;PWD=s3cret-Value";
    std::string message;
    try {
        Connection conn(bad, true);
    } catch (const Error& e) {
        message = e.what();
        CHECK(e.kind() == ErrorKind::connection);
    }
    CHECK(message.find("cannot connect to the source database") != std::string::npos);
    CHECK(message.find("NoSuchDriver") != std::string::npos);
    CHECK(message.find("s3cret") == std::string::npos);
}

// The SQL Server drivers move all text as UTF-16: SQL text, parameters and results. The
// parameters and results of that path on sqliteodbc, with text in four scripts and outside
// the BMP, checked with sqlite3 (sqliteodbc has no wide API for SQL text: unixODBC would
// convert it through Latin-1, so that part runs on PostgreSQL and MariaDB, contract.*-direct).
TEST_CASE("all text as UTF-16: a parameter and the result arrive byte for byte") {
    using replicate::odbc::detail::Connection;
    using replicate::odbc::detail::move_all_text_wide;
    using replicate::odbc::detail::Params;
    fixtures::TempDir dir;
    const std::string path = dir.file("wide.db");
    Sqlite(path).exec("CREATE TABLE T (id integer, name text)");
    const std::string first = "Kopi \u00d3 \u6930\u6d46\u996d";                  // Kopi Ó 椰浆饭
    const std::string second = "\u0ba8\u0ba9\u0bcd\u0bb1\u0bbf \U0001F35C caf\u00e9";  // நன்றி 🍜 café
    Sqlite(path).exec("INSERT INTO T VALUES (1, '" + first + "')");
    EndpointConfig endpoint;
    endpoint.connection = "Driver=SQLite3;Database=" + path;
    move_all_text_wide(true);
    struct Reset {
        ~Reset() { move_all_text_wide(false); }
    } reset;
    Connection conn(endpoint, false);
    REQUIRE(conn.driver().wide_text);
    Params p;
    p.add_text(second);
    conn.execute("INSERT INTO T VALUES (2, ?)", &p);
    const auto rows = conn.query("SELECT name FROM T ORDER BY id");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0][0] == first);
    CHECK(rows[1][0] == second);
    Sqlite db(path);
    CHECK(db.scalar("SELECT count(*) FROM T WHERE id = 2 AND name = '" + second + "'") == 1);
}
