// The demo through the real SQLite ODBC driver, end to end.
#include <replicate/config.hpp>
#include <replicate/odbc/database.hpp>
#include <replicate/orchestrator.hpp>

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
/// compares storage classes too (integer 1 is not text '1'). Decimal columns compare by
/// numeric value: the source stores them as REAL (NUMERIC affinity), the target as exact text
/// when they are wider than 15 digits (see docs/type-mapping.md).
/// The columns of \p table in \p schema, decimals as numbers.
std::string comparable_columns(Sqlite& db, const std::string& table, const std::string& schema) {
    std::string cols;
    for (const std::string& r : db.dump("SELECT name, lower(type) FROM pragma_table_info('" + table +
                                        "', '" + schema + "') ORDER BY cid")) {
        const std::size_t sep = r.find('\x1f');
        const std::string name = r.substr(2, sep - 2);
        const std::string type = r.substr(sep + 3, r.size() - sep - 4);
        cols += (cols.empty() ? "" : ", ") + std::string("\"") + name + "\"" +
                (type.rfind("decimal", 0) == 0 ? " + 0" : "");
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
    CHECK(ddl[0].find("\"SUBTOTAL\" decimal_text(16,4)") != std::string::npos);
    CHECK(ddl[0].find("\"ROWVERSION\" binary(8)") != std::string::npos);
    CHECK(ddl[0].find("\"CUSTOMER_NAME\" nvarchar(100)") != std::string::npos);
    CHECK(t.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                   "'com_5013_APP_4_SALES' AND sql LIKE '%DATETIME__SALES_DATE%'") == 1);
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
        return p.table.source.table == "APP_4_SALESITEM" && p.range &&
               (p.range->lo.month == 1 || p.range->lo.month == 5 || p.range->lo.month == 7);
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
                void commit() override { s->commit(); }
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
