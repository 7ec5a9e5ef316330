#include "../../libreplicate/src/dialect.hpp"

#include "../../libreplicate/src/dialects/drivers.hpp"
#include "../../libreplicate/src/value_fit.hpp"
#include "helpers.hpp"

using namespace replicate;

TEST_CASE("identifiers are quoted with the closing quote doubled, never pasted raw") {
    auto sqlite = make_dialect("sqlite");
    auto mssql = make_dialect("sqlserver");
    auto maria = make_dialect("mariadb");
    CHECK(sqlite->quote("APP_4_SALES") == "\"APP_4_SALES\"");
    CHECK(sqlite->quote("a\"; DROP TABLE x; --") == "\"a\"\"; DROP TABLE x; --\"");
    CHECK(mssql->quote("we]ird[") == "[we]]ird[]");
    CHECK(maria->quote("back`tick") == "`back``tick`");
    CHECK(mssql->qualified({"COM_5013", "APP_4_SALES"}) == "[COM_5013].[APP_4_SALES]");
    CHECK(test::error_kind([&] { sqlite->quote(""); }) == ErrorKind::config);
    CHECK(test::error_kind([&] { sqlite->quote(std::string("a\nb")); }) == ErrorKind::config);
}

TEST_CASE("range statements use two parameters and no literal date") {
    auto d = make_dialect("sqlserver");
    const Schema s{{"ID", {Type::int64}}, {"DT", {Type::timestamp}}};
    CHECK(d->select({"COM_5013", "APP_4_SALES"}, s, "DT") ==
          "SELECT [ID], [DT] FROM [COM_5013].[APP_4_SALES] WHERE [DT] >= ? AND [DT] < ? OPTION (RECOMPILE)");
    CHECK(d->delete_rows({"dbo", "t"}, "DT") ==
          "DELETE FROM [dbo].[t] WHERE [DT] >= ? AND [DT] < ? OPTION (RECOMPILE)");
    CHECK(make_dialect("postgresql")->delete_rows({"", "t"}, "DT") ==
          "DELETE FROM \"t\" WHERE \"DT\" >= ? AND \"DT\" < ?");
    CHECK(d->delete_rows({"dbo", "t"}, "") == "DELETE FROM [dbo].[t]");
    CHECK(d->insert({"dbo", "t"}, s) == "INSERT INTO [dbo].[t] ([ID], [DT]) VALUES (?, ?)");
    CHECK(d->select_one({"dbo", "t"}) == "SELECT TOP 1 * FROM [dbo].[t]");
    CHECK(make_dialect("postgresql")->select_one({"", "t"}) == "SELECT * FROM \"t\" LIMIT 1");
}

TEST_CASE("created column types are exact equivalents") {
    ColumnType dec{Type::decimal, 0, 16, 4};
    ColumnType vc{Type::text, 30};
    vc.collation = "Latin1_General_CI_AS";  // a SQL Server source's varchar
    vc.code_page = 1252;
    ColumnType nvc{Type::text, 100};
    nvc.national = true;
    nvc.length_in_units = true;  // a SQL Server nvarchar(100)
    ColumnType max{Type::text, 0};
    max.collation = "Latin1_General_CI_AS";
    max.code_page = 1252;
    ColumnType rv{Type::binary, 8};
    rv.row_version = true;
    ColumnType ts{Type::timestamp};
    ts.precision = 7;
    ColumnType dt{Type::timestamp};
    dt.precision = 3;
    dt.native_name = "datetime";
    ColumnType tiny{Type::int8};
    tiny.native_name = "tinyint";
    auto mssql = make_dialect("sqlserver");
    // A SQLite or MariaDB "tinyint" is signed: smallint; SQL Server's own is unsigned.
    CHECK(mssql->column_type(tiny) == "smallint");
    tiny = mssql->refine(tiny);
    CHECK(mssql->column_type(dec) == "decimal(16,4)");
    CHECK(mssql->column_type(vc) == "varchar(30) COLLATE Latin1_General_CI_AS");
    CHECK(mssql->column_type(nvc) == "nvarchar(100)");
    CHECK(mssql->column_type(max) == "varchar(max) COLLATE Latin1_General_CI_AS");
    CHECK(mssql->column_type(rv) == "binary(8)");
    CHECK(mssql->column_type(ts) == "datetime2(7)");
    // Only a SQL Server datetime (refined: 1/300-s ticks) stays datetime; a MariaDB
    // datetime(3) would have its .999 rounded into the next day by datetime.
    CHECK(mssql->column_type(mssql->refine(dt)) == "datetime");
    CHECK(mssql->refine(dt).legacy_datetime);
    CHECK(mssql->column_type(dt) == "datetime2(3)");
    CHECK(mssql->column_type(tiny) == "tinyint");
    auto sqlite = make_dialect("sqlite");
    // NUMERIC affinity by default (numbers compare as numbers; values over 15 significant
    // digits are refused when written); TEXT affinity when decimal_storage = "text".
    CHECK(sqlite->column_type(dec) == "decimal(16,4)");
    CHECK(sqlite->column_type(ColumnType{Type::decimal, 0, 15, 2}) == "decimal(15,2)");
    CHECK(sqlite->column_type(ColumnType{Type::float64}) == "double");
    CHECK(sqlite->column_type(ColumnType{Type::float32}) == "real");
    CHECK(sqlite->column_type(vc) == "varchar(30)");
    CHECK(sqlite->column_type(rv) == "binary(8)");
    auto pg = make_dialect("postgresql");
    CHECK(pg->column_type(dec) == "numeric(16,4)");
    CHECK(pg->column_type(rv) == "bytea");
    CHECK(pg->column_type(tiny) == "smallint");
    auto maria = make_dialect("mariadb");
    CHECK(maria->column_type(dec) == "decimal(16,4)");
    CHECK(maria->column_type(vc) == "varchar(30) CHARACTER SET utf8mb4");
    CHECK(sqlite->create_table({"", "t"}, {{"a", dec}, {"b", vc}}) ==
          "CREATE TABLE \"t\" (\"a\" decimal(16,4), \"b\" varchar(30))");
    sqlite->set_decimals_as_text(true);
    CHECK(sqlite->column_type(dec) == "decimal_text(16,4)");
    CHECK(sqlite->create_table({"", "t"}, {{"a", dec}, {"b", vc}}, {"b"}) ==
          "CREATE TABLE \"t\" (\"a\" decimal_text(16,4), \"b\" varchar(30), PRIMARY KEY (\"b\"))");
}

TEST_CASE("sqliteodbc's types are refined from the declared type name") {
    auto sqlite = make_dialect("sqlite");
    ColumnType t{Type::text, 0};
    t.native_name = "decimal(16,4)";
    const ColumnType dec = sqlite->refine(t);
    CHECK(dec.type == Type::decimal);
    CHECK(dec.precision == 16);
    CHECK(dec.scale == 4);
    t.native_name = "binary(8)";
    const ColumnType bin = sqlite->refine(t);
    CHECK(bin.type == Type::binary);
    CHECK(bin.length == 8);
    CHECK(bin.fixed_length);
    t.native_name = "nvarchar(60)";
    CHECK(sqlite->refine(t).length == 60);
    CHECK(sqlite->refine(t).national);
}

TEST_CASE("errors are classified by SQLSTATE and native code, never by message text") {
    auto mssql = make_dialect("sqlserver");
    for (long code : {1205L, 1204L, 701L, 8645L, 1222L, 233L, 4060L, 10053L, 10054L, 10060L, 40197L,
                      40501L, 40613L, 49918L, 49919L, 49920L,
                      // Azure resource limits; availability-group secondaries not ready
                      10928L, 10929L, 976L, 4221L}) {
        CAPTURE(code);
        CHECK(mssql->classify("HY000", code) == ErrorKind::transient);
    }
    for (long code : {8152L, 2628L, 241L, 242L, 8115L, 2627L, 515L}) {
        CAPTURE(code);
        CHECK(mssql->classify("22001", code) == ErrorKind::data);
    }
    CHECK(mssql->classify("40001", 0) == ErrorKind::transient);
    CHECK(mssql->classify("08S01", 0) == ErrorKind::transient);
    // Connection resiliency: the driver could not recover the broken connection.
    for (const char* state : {"IMC01", "IMC02", "IMC03", "IMC04", "IMC05", "IMC06"}) {
        CAPTURE(state);
        CHECK(mssql->classify(state, 0) == ErrorKind::transient);
    }
    CHECK(mssql->classify("IMC07", 0) == ErrorKind::internal);
    auto pg = make_dialect("postgresql");
    CHECK(pg->classify("40P01", 7) == ErrorKind::transient);
    CHECK(pg->classify("40001", 7) == ErrorKind::transient);
    CHECK(pg->classify("22003", 7) == ErrorKind::data);
    auto maria = make_dialect("mariadb");
    CHECK(maria->classify("40001", 1213) == ErrorKind::transient);
    CHECK(maria->classify("HY000", 2013) == ErrorKind::transient);
    CHECK(maria->classify("22001", 1406) == ErrorKind::data);
    auto sqlite = make_dialect("sqlite");
    CHECK(sqlite->classify("HY000", 5) == ErrorKind::transient);
}

TEST_CASE("driver options the library depends on are added, never overriding the user's") {
    using replicate::detail::driver_quirks;
    const auto& sqlite = driver_quirks("SQLite3");
    const std::string c = sqlite.completed("Driver=SQLite3;Database=a.db", true);
    CHECK(c.find("StepAPI=1") != std::string::npos);
    CHECK(c.find("NoCreat=1") != std::string::npos);
    CHECK(sqlite.completed("Driver=SQLite3;Database=a.db;stepapi=0", false).find("StepAPI=1") ==
          std::string::npos);
    CHECK(driver_quirks("PostgreSQL Unicode").completed("Driver={PostgreSQL Unicode};Server=h", true)
              .find("UseDeclareFetch=1") != std::string::npos);
    CHECK(dialect_key_for_connection("Driver={ODBC Driver 18 for SQL Server};Server=x") == "sqlserver");
    CHECK(dialect_key_for_connection("DRIVER=FreeTDS;Server=x") == "sqlserver");
    CHECK(dialect_key_for_connection("Driver={MariaDB Unicode};Server=x") == "mariadb");
    CHECK(dialect_key_for_connection("Driver={PostgreSQL Unicode};Server=x") == "postgresql");
    CHECK(dialect_key_for_connection("Driver=SQLite3;Database=a.db") == "sqlite");
    CHECK(dialect_key_for_connection("DSN=warehouse").empty());
}

TEST_CASE("driver records: found from SQL_DRIVER_NAME or Driver=, generic for any other") {
    using replicate::detail::driver_quirks;
    CHECK(std::string(driver_quirks("libsqlite3odbc.so").name) == "sqliteodbc");
    CHECK(driver_quirks("libsqlite3odbc.so").streams_only_without_parameters);
    CHECK(driver_quirks("SQLite3").binary_arrays_need_equal_lengths);
    CHECK(std::string(driver_quirks("psqlodbcw.so").name) == "psqlODBC");
    CHECK(std::string(driver_quirks("libmaodbc.so").name) == "MariaDB Connector/ODBC");
    CHECK(std::string(driver_quirks("ODBC Driver 18 for SQL Server").name) ==
          "Microsoft ODBC Driver for SQL Server");
    CHECK(std::string(driver_quirks("FreeTDS").name) == "FreeTDS");
    const auto& other = driver_quirks("libsomeodbc.so");
    CHECK(std::string(other.name) == "generic ODBC driver");
    CHECK_FALSE(other.streams_only_without_parameters);
    CHECK_FALSE(other.buffers_results);
    CHECK(other.completed("DSN=x", true) == "DSN=x");
}

TEST_CASE("the dialect registry: found by SQL_DBMS_NAME and by key, an unknown DBMS named in the error") {
    CHECK(dialect_for_dbms_name("Microsoft SQL Server")->key() == "sqlserver");
    CHECK(dialect_for_dbms_name("PostgreSQL")->key() == "postgresql");
    CHECK(dialect_for_dbms_name("MySQL")->key() == "mariadb");
    CHECK(dialect_for_dbms_name("MariaDB")->key() == "mariadb");
    CHECK(dialect_for_dbms_name("SQLite")->key() == "sqlite");
    for (const char* key : {"sqlite", "postgresql", "mariadb", "sqlserver"}) CHECK(make_dialect(key)->key() == key);
    std::string message;
    CHECK(test::error_kind([] { dialect_for_dbms_name("Oracle"); }, &message) == ErrorKind::config);
    CHECK(message.find("Oracle") != std::string::npos);
    CHECK(message.find("SQL Server") != std::string::npos);
    CHECK(test::error_kind([] { make_dialect("oracle"); }) == ErrorKind::internal);
}

TEST_CASE("golden T-SQL: every statement the SQL Server dialect generates for a sales table") {
    auto d = make_dialect("sqlserver");
    ColumnType dt{Type::timestamp};
    dt.precision = 3;
    dt.native_name = "datetime";
    dt = d->refine(dt);
    ColumnType rv{Type::binary, 8};
    rv.native_name = "timestamp";
    rv.row_version = true;
    rv.fixed_length = true;
    ColumnType name{Type::text, 100};
    name.national = true;
    name.length_in_units = true;  // a SQL Server nvarchar(100): 100 UTF-16 units
    ColumnType id{Type::int64};
    id.nullable = false;
    ColumnType remark{Type::text, 0};  // varchar(max) of a SQL Server source, collation known
    remark.collation = "Chinese_PRC_CI_AS";
    remark.code_page = 936;
    const Schema s{{"SALES_ID", id},
                   {"DATETIME__SALES_DATE", dt},
                   {"GRAND_TOTAL", {Type::decimal, 0, 16, 4}},
                   {"IS_VOID", {Type::int8, 0, 0, 0, false, false, true}},
                   {"CUSTOMER_NAME", name},
                   {"REMARK", remark},
                   {"ROWVERSION", rv}};
    const QualifiedName src{"COM_5013", "APP_4_SALES"};
    const QualifiedName dst{"dbo", "com_5013_APP_4_SALES"};
    const QualifiedName staging{"dbo", "com_5013_APP_4_SALES__staging"};
    CHECK(d->create_table(dst, s) ==
          "CREATE TABLE [dbo].[com_5013_APP_4_SALES] ([SALES_ID] bigint NOT NULL, "
          "[DATETIME__SALES_DATE] datetime, [GRAND_TOTAL] decimal(16,4), [IS_VOID] tinyint, "
          "[CUSTOMER_NAME] nvarchar(100), [REMARK] varchar(max) COLLATE Chinese_PRC_CI_AS, "
          "[ROWVERSION] binary(8))");
    // Lengths of other DBMSs count characters: nvarchar(n) holds n UTF-16 units, so a created
    // column takes twice as many (10 emoji are 20 units), nvarchar(max) past 4000.
    ColumnType chars{Type::text, 10};
    ColumnType fixed_chars{Type::text, 5};
    fixed_chars.fixed_length = true;
    ColumnType wide_chars{Type::text, 2001};
    CHECK(d->create_table(dst, {{"A", chars}, {"B", fixed_chars}, {"C", wide_chars}}) ==
          "CREATE TABLE [dbo].[com_5013_APP_4_SALES] ([A] nvarchar(20), [B] nvarchar(10), "
          "[C] nvarchar(max))");
    // The date index is the clustered one; the carried key is then nonclustered.
    CHECK(d->create_table(dst, {s[0], s[1]}, {"SALES_ID"}, true) ==
          "CREATE TABLE [dbo].[com_5013_APP_4_SALES] ([SALES_ID] bigint NOT NULL, "
          "[DATETIME__SALES_DATE] datetime, PRIMARY KEY NONCLUSTERED ([SALES_ID]))");
    CHECK(d->create_table(dst, {s[0]}, {"SALES_ID"}) ==
          "CREATE TABLE [dbo].[com_5013_APP_4_SALES] ([SALES_ID] bigint NOT NULL, PRIMARY KEY ([SALES_ID]))");
    CHECK(d->create_index(dst, "DATETIME__SALES_DATE") ==
          "CREATE CLUSTERED INDEX [ix_com_5013_APP_4_SALES_DATETIME__SALES_DATE] ON "
          "[dbo].[com_5013_APP_4_SALES] ([DATETIME__SALES_DATE])");
    // A legacy datetime column is compared with datetime bounds (both drivers would send
    // datetime2, which converts the column); each month gets its own plan.
    CHECK(d->select(src, s, "DATETIME__SALES_DATE") ==
          "SELECT [SALES_ID], [DATETIME__SALES_DATE], [GRAND_TOTAL], [IS_VOID], [CUSTOMER_NAME], "
          "[REMARK], [ROWVERSION] FROM [COM_5013].[APP_4_SALES] WHERE [DATETIME__SALES_DATE] >= "
          "CAST(? AS datetime) AND [DATETIME__SALES_DATE] < CAST(? AS datetime) OPTION (RECOMPILE)");
    CHECK(
        d->count(src, "DATETIME__SALES_DATE", RowFilter::range, nullptr, &dt) ==
        "SELECT COUNT_BIG(*) FROM [COM_5013].[APP_4_SALES] WHERE [DATETIME__SALES_DATE] >= "
        "CAST(? AS datetime) AND [DATETIME__SALES_DATE] < CAST(? AS datetime) OPTION (RECOMPILE)");
    CHECK(d->count_null(src, "DATETIME__SALES_DATE") ==
          "SELECT COUNT_BIG(*) FROM [COM_5013].[APP_4_SALES] WHERE [DATETIME__SALES_DATE] IS NULL");
    // COUNT(*) is int on SQL Server: every count of a table past 2^31 rows would fail (8115).
    CHECK(make_dialect("postgresql")->count_null({"", "t"}, "D") ==
          "SELECT COUNT(*) FROM \"t\" WHERE \"D\" IS NULL");
    CHECK(d->delete_rows(dst, "DATETIME__SALES_DATE", RowFilter::range, &dt) ==
          "DELETE FROM [dbo].[com_5013_APP_4_SALES] WHERE [DATETIME__SALES_DATE] >= CAST(? AS "
          "datetime) AND [DATETIME__SALES_DATE] < CAST(? AS datetime) OPTION (RECOMPILE)");
    ColumnType small = dt;
    small.native_name = "smalldatetime";
    CHECK(d->range_parameter(&small) == "CAST(? AS smalldatetime)");
    ColumnType dt2{Type::timestamp};
    dt2.precision = 7;
    dt2.native_name = "datetime2";
    dt2 = d->refine(dt2);
    CHECK(d->delete_rows(dst, "D", RowFilter::range, &dt2) ==
          "DELETE FROM [dbo].[com_5013_APP_4_SALES] WHERE [D] >= ? AND [D] < ? OPTION (RECOMPILE)");
    // A keyset read's condition and ORDER BY go between the WHERE clause and the hint.
    CHECK(d->select(dst, {s[0]}, "SALES_ID", RowFilter::range, nullptr, " AND [SALES_ID] > ? ORDER BY [SALES_ID]") ==
          "SELECT [SALES_ID] FROM [dbo].[com_5013_APP_4_SALES] WHERE [SALES_ID] >= ? AND [SALES_ID] < ? "
          "AND [SALES_ID] > ? ORDER BY [SALES_ID] OPTION (RECOMPILE)");
    CHECK(d->delete_rows(dst, "D", RowFilter::is_null) ==
          "DELETE FROM [dbo].[com_5013_APP_4_SALES] WHERE [D] IS NULL");
    CHECK(d->insert(dst, {s[0], s[1]}) ==
          "INSERT INTO [dbo].[com_5013_APP_4_SALES] ([SALES_ID], [DATETIME__SALES_DATE]) VALUES (?, ?)");
    CHECK(d->insert(dst, {s[0], s[1]}, true) ==
          "INSERT INTO [dbo].[com_5013_APP_4_SALES] WITH (TABLOCK) ([SALES_ID], "
          "[DATETIME__SALES_DATE]) VALUES (?, ?)");
    // The full-refresh swap, run in one transaction: empty the target, copy staging in with a
    // table lock (minimally logged into a heap).
    CHECK(d->delete_rows(dst, "") == "DELETE FROM [dbo].[com_5013_APP_4_SALES]");
    CHECK(d->insert_select(dst, staging, {s[0], s[4]}, true) ==
          "INSERT INTO [dbo].[com_5013_APP_4_SALES] WITH (TABLOCK) ([SALES_ID], [CUSTOMER_NAME]) "
          "SELECT [SALES_ID], [CUSTOMER_NAME] FROM [dbo].[com_5013_APP_4_SALES__staging]");
    // No DROP TABLE IF EXISTS (SQL Server 2016+): an OBJECT_ID test works on every version.
    CHECK(d->drop_table_if_exists(staging) ==
          "IF OBJECT_ID(N'[dbo].[com_5013_APP_4_SALES__staging]', N'U') IS NOT NULL DROP TABLE "
          "[dbo].[com_5013_APP_4_SALES__staging]");
    CHECK(d->drop_table_if_exists({"dbo", "it's"}) ==
          "IF OBJECT_ID(N'[dbo].[it''s]', N'U') IS NOT NULL DROP TABLE [dbo].[it's]");
    CHECK(d->describe(src) == "SELECT * FROM [COM_5013].[APP_4_SALES] WHERE 1 = 0");
    CHECK(d->source_session_setup(Isolation::read_committed) ==
          std::vector<std::string>{"SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
                                   "SET TEXTSIZE 2147483647", "SET NOCOUNT OFF"});
    CHECK(d->source_session_setup(Isolation::snapshot, 60) ==
          std::vector<std::string>{"SET TRANSACTION ISOLATION LEVEL SNAPSHOT",
                                   "SET LOCK_TIMEOUT 60000", "SET TEXTSIZE 2147483647",
                                   "SET NOCOUNT OFF"});
    CHECK(d->source_session_setup(Isolation::read_uncommitted) ==
          std::vector<std::string>{"SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED",
                                   "SET TEXTSIZE 2147483647", "SET NOCOUNT OFF"});
    CHECK(d->read_versioning_query() ==
          "SELECT CASE WHEN snapshot_isolation_state = 1 THEN 1 ELSE 0 END, "
          "CAST(is_read_committed_snapshot_on AS int), CASE WHEN "
          "CAST(DATABASEPROPERTYEX(DB_NAME(), 'Updateability') AS varchar(20)) = 'READ_ONLY' THEN "
          "1 ELSE 0 "
          "END FROM sys.databases WHERE database_id = DB_ID()");
    const Query collations = d->text_collations_query(src);
    CHECK(collations.sql ==
          "SELECT c.name, c.collation_name, CAST(COLLATIONPROPERTY(c.collation_name, 'CodePage') "
          "AS int) FROM sys.columns c JOIN sys.types t ON t.user_type_id = c.system_type_id WHERE "
          "c.object_id = OBJECT_ID(?) AND c.collation_name IS NOT NULL AND t.name IN ('char', "
          "'varchar', 'text')");
    CHECK(collations.params == std::vector<std::string>{"[COM_5013].[APP_4_SALES]"});
    CHECK(d->read_only_query() ==
          "SELECT CASE WHEN CAST(DATABASEPROPERTYEX(DB_NAME(), 'Updateability') AS varchar(20)) = "
          "'READ_ONLY' THEN 1 ELSE 0 END");
    // Typed range parameters: a date column binds dates, datetime/datetime2 bind timestamps
    // with the column's scale (Params::add_bound uses ColumnType::precision).
    CHECK(d->range_binding(ColumnType{Type::date}) == RangeBinding::date);
    CHECK(d->range_binding(dt) == RangeBinding::timestamp);
}

TEST_CASE("SQL Server text keeps its code page: the source's collation, else nvarchar") {
    auto d = make_dialect("sqlserver");
    ColumnType latin{Type::text, 50};
    latin.collation = "SQL_Latin1_General_CP1_CI_AS";
    latin.code_page = 1252;
    CHECK(d->column_type(latin) == "varchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS");
    latin.fixed_length = true;
    CHECK(d->column_type(latin) == "char(50) COLLATE SQL_Latin1_General_CP1_CI_AS");
    ColumnType utf8{Type::text, 9000};
    utf8.collation = "Latin1_General_100_CI_AS_SC_UTF8";
    utf8.code_page = 65001;
    CHECK(d->column_type(utf8) == "varchar(max) COLLATE Latin1_General_100_CI_AS_SC_UTF8");
    // Text from PostgreSQL, MariaDB or SQLite is Unicode: varchar of an unknown code page
    // could turn characters into '?', so it becomes nvarchar (4000 characters, else max).
    // Their lengths count characters: nvarchar(2n) holds n of them outside the BMP.
    CHECK(d->column_type(ColumnType{Type::text, 50}) == "nvarchar(100)");
    CHECK(d->column_type(ColumnType{Type::text, 2000}) == "nvarchar(4000)");
    CHECK(d->column_type(ColumnType{Type::text, 2001}) == "nvarchar(max)");
    // A collation name is written unquoted, so anything but letters, digits and '_' is dropped.
    ColumnType odd{Type::text, 10};
    odd.collation = "Latin1_General_CI_AS; DROP TABLE x";
    odd.code_page = 1252;
    CHECK(d->column_type(odd) == "nvarchar(20)");
}

TEST_CASE("source reads: snapshot where the database allows it, else said to be locking") {
    auto mssql = make_dialect("sqlserver");
    const ReadVersioning none{false, false};
    const ReadVersioning snapshot{true, false};
    const ReadVersioning rcsi{false, true};
    ReadPlan p = plan_reads(Isolation::automatic, *mssql, snapshot, "POS");
    CHECK(p.isolation == Isolation::snapshot);
    CHECK(p.consistency.isolation == "snapshot");
    CHECK_FALSE(p.consistency.locking);
    p = plan_reads(Isolation::automatic, *mssql, none, "POS");
    CHECK(p.isolation == Isolation::read_committed);
    CHECK(p.consistency.isolation == "read committed (locking)");
    CHECK(p.consistency.locking);
    CHECK(p.consistency.advice.find("ALLOW_SNAPSHOT_ISOLATION ON") != std::string::npos);
    CHECK(p.consistency.advice.find("ApplicationIntent=ReadOnly") != std::string::npos);
    p = plan_reads(Isolation::automatic, *mssql, rcsi, "POS");
    CHECK(p.isolation == Isolation::read_committed);
    CHECK(p.consistency.isolation == "read committed (row versions)");
    CHECK_FALSE(p.consistency.locking);
    // A readable secondary (ApplicationIntent=ReadOnly) or a READ_ONLY database: every read
    // uses row versions there, so none is said to lock, whatever the isolation.
    const ReadVersioning secondary{false, false, true};
    p = plan_reads(Isolation::automatic, *mssql, secondary, "POS");
    CHECK(p.isolation == Isolation::read_committed);
    CHECK_FALSE(p.consistency.locking);
    CHECK(p.consistency.advice.empty());
    CHECK(p.consistency.isolation ==
          "read committed (row versions: a read-only database or secondary)");
    CHECK_FALSE(
        plan_reads(Isolation::read_committed, *mssql, secondary, "POS").consistency.locking);
    // sys.databases unreadable: not known, so locking is assumed and said.
    p = plan_reads(Isolation::automatic, *mssql, std::nullopt, "POS");
    CHECK(p.isolation == Isolation::read_committed);
    CHECK(p.consistency.locking);
    CHECK(p.consistency.advice.find("could not be read") != std::string::npos);
    std::string message;
    CHECK(test::error_kind([&] { plan_reads(Isolation::snapshot, *mssql, none, "POS"); }, &message) ==
          ErrorKind::config);
    CHECK(message.find("POS does not allow snapshot isolation") != std::string::npos);
    CHECK(plan_reads(Isolation::snapshot, *mssql, snapshot, "POS").isolation == Isolation::snapshot);
    CHECK(plan_reads(Isolation::read_committed, *mssql, snapshot, "POS").consistency.locking);
    // PostgreSQL, MariaDB, SQLite: plain reads block no writer; nothing to ask.
    for (const char* key : {"postgresql", "mariadb", "sqlite"}) {
        auto d = make_dialect(key);
        CAPTURE(key);
        CHECK(d->read_versioning_query().empty());
        p = plan_reads(Isolation::automatic, *d, std::nullopt, "db");
        CHECK(p.isolation == Isolation::read_committed);
        CHECK(p.consistency.isolation == "read committed");
        CHECK_FALSE(p.consistency.locking);
        CHECK(plan_reads(Isolation::snapshot, *d, std::nullopt, "db").isolation == Isolation::snapshot);
    }
    CHECK(make_dialect("postgresql")->source_session_setup(Isolation::automatic, 60).back() ==
          "SET lock_timeout = '60s'");
    CHECK(make_dialect("mariadb")->source_session_setup(Isolation::automatic, 60) ==
          std::vector<std::string>{"SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
                                   "SET SESSION lock_wait_timeout = 60"});
}

TEST_CASE("SQL Server drivers: all text as UTF-16, time(n) as SQL_SS_TIME2, opened by the library") {
    using replicate::detail::driver_quirks;
    for (const char* name : {"libmsodbcsql-18.3.so.2.1", "ODBC Driver 17 for SQL Server", "libtdsodbc.so", "FreeTDS"}) {
        CAPTURE(name);
        const auto& q = driver_quirks(name);
        CHECK(q.wide_text);
        CHECK(q.opens_directly);
        CHECK(q.honours_query_timeout);
        CHECK(q.time_sql_type == replicate::detail::sql_ss_time2);
    }
    for (const char* name : {"libsqlite3odbc.so", "psqlodbcw.so", "libmaodbc.so", "libother.so"}) {
        CAPTURE(name);
        const auto& q = driver_quirks(name);
        CHECK_FALSE(q.wide_text);
        CHECK_FALSE(q.opens_directly);
        CHECK_FALSE(q.honours_query_timeout);
        CHECK(q.time_sql_type == 92);  // SQL_TYPE_TIME
    }
    // A wide fetch buffer holds the declared length in UTF-16 units: SQL Server counts units
    // (nvarchar) or bytes (varchar); the others count characters, up to two units each.
    CHECK(make_dialect("sqlserver")->utf16_units_per_declared_character() == 1);
    for (const char* key : {"postgresql", "mariadb", "sqlite"}) {
        CHECK(make_dialect(key)->utf16_units_per_declared_character() == 2);
    }
    // Lock waits that ran out of the lock timeout name the setting in their message.
    CHECK(make_dialect("sqlserver")->is_lock_timeout("HY000", 1222));
    CHECK(make_dialect("postgresql")->is_lock_timeout("55P03", 7));
    CHECK(make_dialect("mariadb")->is_lock_timeout("HY000", 1205));
    CHECK_FALSE(make_dialect("sqlserver")->is_lock_timeout("40001", 1205));  // a deadlock
    // FreeTDS would convert text through the C locale's charset (ISO-8859-1): UTF-8 is added,
    // a charset the user gave is kept.
    const auto& tds = driver_quirks("FreeTDS");
    CHECK(tds.completed("Driver=FreeTDS;Server=pos;Port=1433", true) ==
          "Driver=FreeTDS;Server=pos;Port=1433;ClientCharset=UTF-8");
    CHECK(tds.completed("Driver=FreeTDS;Server=pos;clientcharset=CP1252", false) ==
          "Driver=FreeTDS;Server=pos;clientcharset=CP1252");
    // Before TDS 7.2 there is no nvarchar(max): long text would go as ntext.
    std::string message;
    CHECK(
        test::error_kind([&] { tds.completed("Driver=FreeTDS;Server=pos;TDS_Version=7.1", true); },
                         &message) == ErrorKind::config);
    CHECK(message.find("TDS_Version=7.4") != std::string::npos);
    CHECK(tds.completed("Driver=FreeTDS;Server=pos;TDS_Version=7.4", true) ==
          "Driver=FreeTDS;Server=pos;TDS_Version=7.4;ClientCharset=UTF-8");
    CHECK(driver_quirks("ODBC Driver 18 for SQL Server").completed("Driver={ODBC Driver 18 for SQL Server};Server=x", true) ==
          "Driver={ODBC Driver 18 for SQL Server};Server=x");
}

TEST_CASE("catalog look-ups stay in the connection's database and schema") {
    auto maria = make_dialect("mariadb");
    const Query m = maria->table_exists_query({"", "replicate_ledger"});
    CHECK(m.sql.find("COALESCE(NULLIF(?, ''), DATABASE())") != std::string::npos);
    CHECK(m.sql.find("BINARY table_name = ?") != std::string::npos);
    CHECK(m.params == std::vector<std::string>{"", "replicate_ledger"});
    CHECK(maria->primary_key_query({"wh", "t"}).params == std::vector<std::string>{"wh", "t"});
    auto pg = make_dialect("postgresql");
    CHECK(pg->table_exists_query({"s", "t\"x"}).params == std::vector<std::string>{"\"s\".\"t\"\"x\""});
    CHECK(pg->table_exists_query({"", "t"}).sql.find("to_regclass") != std::string::npos);
    auto sqlite = make_dialect("sqlite");
    CHECK(sqlite->table_exists_query({"", "T"}).sql ==
          "SELECT 1 FROM \"main\".sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE");
    CHECK(sqlite->declared_types_query({"aux", "t"}).params == std::vector<std::string>{"t", "aux"});
    auto mssql = make_dialect("sqlserver");
    CHECK(mssql->table_exists_query({"dbo", "t"}).params == std::vector<std::string>{"[dbo].[t]"});
    CHECK(mssql->schema_exists_query("dbo").sql == "SELECT 1 FROM sys.schemas WHERE name = ?");
}

TEST_CASE("locks between runs, staging like the target, strict target sessions") {
    auto mssql = make_dialect("sqlserver");
    const Query lock = mssql->try_lock_query("libreplicate:00ff", 255);
    // No SET NOCOUNT ON: it would last for the session (FreeTDS then answers INSERTs with
    // SQL_NO_DATA).
    CHECK(lock.sql ==
          "DECLARE @r int; EXEC @r = sp_getapplock @Resource = ?, @LockMode = 'Exclusive', "
          "@LockOwner = 'Session', @LockTimeout = 0; SELECT CASE WHEN @r >= 0 THEN 1 ELSE 0 END");
    CHECK(lock.params == std::vector<std::string>{"libreplicate:00ff"});
    // The release is a query whose row says it happened: an EXEC alone has no result to fetch
    // (24000), and a failed release would leave the month locked for the session's life.
    CHECK(mssql->unlock_query("libreplicate:00ff", 255).sql ==
          "DECLARE @r int; EXEC @r = sp_releaseapplock @Resource = ?, @LockOwner = 'Session'; "
          "SELECT CASE WHEN @r >= 0 THEN 1 ELSE 0 END");
    // Staging has the written columns only, of the target's types, without its identity: a
    // target column the refresh does not write (an identity of the warehouse's own) is not
    // there to be NOT NULL and empty (515).
    const Schema written{{"ID", {Type::int64}}, {"NAME", {Type::text, 20}}};
    CHECK(mssql->create_table_like({"dbo", "t__staging"}, {"dbo", "t"}, written) ==
          "SELECT TOP 0 [ID], [NAME] INTO [dbo].[t__staging] FROM [dbo].[t] UNION ALL SELECT TOP 0 "
          "[ID], [NAME] FROM [dbo].[t]");
    // The swap empties the target with TRUNCATE where the login may and the table allows it
    // (pages deallocated), else DELETE WITH (TABLOCK) (a heap's emptied pages freed too).
    CHECK(mssql->empty_table({"dbo", "it's"}) ==
          "IF HAS_PERMS_BY_NAME(N'[dbo].[it''s]', N'OBJECT', N'ALTER') = 1 AND NOT EXISTS (SELECT 1 FROM "
          "sys.foreign_keys WHERE referenced_object_id = OBJECT_ID(N'[dbo].[it''s]')) BEGIN BEGIN TRY "
          "EXEC(N'TRUNCATE TABLE [dbo].[it''s]') END TRY BEGIN CATCH IF XACT_STATE() <> 1 THROW; DELETE "
          "FROM [dbo].[it's] WITH (TABLOCK) END CATCH END ELSE DELETE FROM [dbo].[it's] WITH (TABLOCK)");
    CHECK(mssql->identity_insert({"dbo", "t"}, true) == "SET IDENTITY_INSERT [dbo].[t] ON");
    CHECK(mssql->identity_insert({"dbo", "t"}, false) == "SET IDENTITY_INSERT [dbo].[t] OFF");
    // Own columns by kind: computed and rowversion take no values, identity takes them.
    // (and a temporal or ledger table's GENERATED ALWAYS columns).
    CHECK(mssql->defaulted_columns_query({"dbo", "t"})
              .sql.find(
                  "WHEN c.is_computed = 1 OR TYPE_NAME(c.system_type_id) = 'timestamp' OR "
                  "COLUMNPROPERTY(c.object_id, c.name, 'GeneratedAlwaysType') > 0 THEN 'generated' "
                  "WHEN c.is_identity = 1 THEN 'identity'") != std::string::npos);
    // No TEXTSIZE limit (FreeTDS takes one from freetds.conf, and the server cuts (max)
    // values to it silently); row counts on whatever the server's user options say.
    CHECK(mssql->target_session_setup(300) == std::vector<std::string>{"SET TEXTSIZE 2147483647",
                                                                       "SET NOCOUNT OFF",
                                                                       "SET LOCK_TIMEOUT 300000"});
    CHECK(mssql->target_session_setup(0) ==
          std::vector<std::string>{"SET TEXTSIZE 2147483647", "SET NOCOUNT OFF"});
    // MySQL's DEFAULT_GENERATED (an expression DEFAULT) takes values: only generated columns
    // are generated.
    const std::string maria_own = make_dialect("mariadb")->defaulted_columns_query({"", "t"}).sql;
    CHECK(maria_own.find(
              "extra IN ('VIRTUAL GENERATED', 'STORED GENERATED', 'VIRTUAL', 'PERSISTENT')") !=
          std::string::npos);
    CHECK(maria_own.find("LIKE '%GENERATED%'") == std::string::npos);
    auto pg = make_dialect("postgresql");
    CHECK(pg->try_lock_query("x", -5).params == std::vector<std::string>{"-5"});
    CHECK(pg->unlock_query("x", -5).sql ==
          "SELECT CASE WHEN pg_advisory_unlock(CAST(? AS bigint)) THEN 1 ELSE 0 END");
    CHECK(pg->create_table_like({"", "s"}, {"", "t"}, written) ==
          "CREATE TABLE \"s\" AS SELECT \"ID\", \"NAME\" FROM \"t\" WITH NO DATA");
    CHECK(pg->empty_table({"", "t"}) == "DELETE FROM \"t\"");
    CHECK(pg->identity_insert({"", "t"}, true).empty());
    auto maria = make_dialect("mariadb");
    CHECK(maria->try_lock_query("libreplicate:1", 1).sql == "SELECT COALESCE(GET_LOCK(?, 0), 0)");
    CHECK(maria->unlock_query("libreplicate:1", 1).sql == "SELECT COALESCE(RELEASE_LOCK(?), 0)");
    const auto setup = maria->target_session_setup(0);
    REQUIRE(setup.size() == 3);
    CHECK(setup[1].find("STRICT_ALL_TABLES") != std::string::npos);
    // Wide tables can be created; a row too large still fails its INSERT (error 1118).
    CHECK(setup[2] == "SET SESSION innodb_strict_mode = OFF");
    CHECK(replicate::detail::driver_quirks("libmaodbc.so").buffers_results);
    auto sqlite = make_dialect("sqlite");
    CHECK(sqlite->try_lock_query("x", 1).sql.empty());  // its writer lock excludes
    CHECK(sqlite->begin_statement() == "BEGIN IMMEDIATE");
    ColumnType dec{Type::decimal, 0, 16, 4};
    dec.native_name = "decimal_text(16,4)";
    ColumnType id{Type::int64};
    id.native_name = "bigint";
    id.nullable = false;
    CHECK(sqlite->create_table_like({"", "s"}, {"", "t"}, {{"ID", id}, {"A", dec}}) ==
          "CREATE TABLE \"s\" (\"ID\" bigint NOT NULL, \"A\" decimal_text(16,4))");
}

TEST_CASE("SQLite REAL values are read as an exact power-of-two pair") {
    auto sqlite = make_dialect("sqlite");
    const std::string e = sqlite->select_expression("\"X\"", ColumnType{Type::float64});
    CHECK(e.find("'r' || CAST(\"X\" * pow(2, ") != std::string::npos);
    CHECK(e.find("floor(log2(abs(\"X\")))") != std::string::npos);
    CHECK(sqlite->select_expression("\"T\"", ColumnType{Type::text, 10}) == "\"T\"");
}

TEST_CASE("a SQL Server varchar target of another code page than the source is refused, naming both") {
    using replicate::detail::code_page_misfit;
    const auto text = [](int code_page, const char* collation, bool national = false) {
        ColumnType t{Type::text, 50};
        t.code_page = code_page;
        t.collation = collation;
        t.national = national;
        return t;
    };
    const ColumnType latin = text(1252, "Latin1_General_CI_AS");
    const ColumnType chinese = text(936, "Chinese_PRC_CI_AS");
    const ColumnType utf8 = text(65001, "Latin1_General_100_CI_AS_SC_UTF8");
    const ColumnType nvarchar = text(0, "", true);
    const ColumnType unicode = text(0, "");  // PostgreSQL, MariaDB, SQLite text
    // Every character arrives: same code page, or a target that holds all of Unicode.
    CHECK(code_page_misfit(latin, latin).empty());
    CHECK(code_page_misfit(nvarchar, chinese).empty());
    CHECK(code_page_misfit(utf8, chinese).empty());
    CHECK(code_page_misfit(unicode, chinese).empty());  // a PostgreSQL target
    CHECK(code_page_misfit(ColumnType{Type::int32}, chinese).empty());
    CHECK(code_page_misfit(latin, ColumnType{Type::int32}).empty());
    // Characters would turn into '?'.
    const std::string why = code_page_misfit(latin, chinese);
    CHECK(why.find("code page 1252 (collation Latin1_General_CI_AS)") != std::string::npos);
    CHECK(why.find("code page 936 (collation Chinese_PRC_CI_AS)") != std::string::npos);
    CHECK(code_page_misfit(latin, nvarchar).find("source column is Unicode") != std::string::npos);
    CHECK_FALSE(code_page_misfit(latin, unicode).empty());
    CHECK_FALSE(code_page_misfit(latin, utf8).empty());
}
