// Pure helpers of the ODBC data plane (no database).
#include <cmath>
#include <cstring>
#include <limits>

#include "../../libreplicate/src/odbc/data_plane.hpp"
#include "helpers.hpp"

using namespace replicate;
using namespace replicate::odbc::detail;

TEST_CASE("SQL Server datetime's 1/300-second grid: .997 fits, .999 would round into the next day") {
    auto at = [](int ms) { return Timestamp{test::d("2025-10-31"), 23, 59, 59, static_cast<std::uint32_t>(ms) * 1000000u}; };
    for (int ms : {0, 3, 7, 10, 13, 17, 990, 993, 997}) {
        CAPTURE(ms);
        CHECK(on_legacy_grid(at(ms), "datetime"));
    }
    for (int ms : {1, 2, 5, 998, 999}) {
        CAPTURE(ms);
        CHECK_FALSE(on_legacy_grid(at(ms), "datetime"));
    }
    Timestamp micro = at(3);
    micro.nanosecond += 1000;
    CHECK_FALSE(on_legacy_grid(micro, "datetime"));
    CHECK(on_legacy_grid(Timestamp{test::d("2025-10-31"), 23, 59, 0, 0}, "smalldatetime"));
    CHECK_FALSE(on_legacy_grid(Timestamp{test::d("2025-10-31"), 23, 59, 30, 0}, "smalldatetime"));
}

TEST_CASE("decimal text from drivers is made canonical without changing its value") {
    CHECK(normalize_decimal(".5") == "0.5");
    CHECK(normalize_decimal("-.5000") == "-0.5000");
    CHECK(normalize_decimal("1e-05") == "0.00001");
    CHECK(normalize_decimal("1.5e+03") == "1500");
    CHECK(normalize_decimal("-2.25E2") == "-225");
    CHECK(normalize_decimal("1e+15") == "1000000000000000");
    CHECK(normalize_decimal("454.3838") == "454.3838");
    CHECK(normalize_decimal("0") == "0");
}

TEST_CASE("doubles as text: the shortest form that reads back as the same bits") {
    for (double v : {0.1, 0.1 + 0.2, 1e308, std::numeric_limits<double>::max(),
                     std::numeric_limits<double>::min(), std::numeric_limits<double>::denorm_min(),
                     -0.0, 123456789.125, -1.0 / 3}) {
        const std::string text = shortest_double(v);
        CAPTURE(text);
        const double back = std::strtod(text.c_str(), nullptr);
        CHECK(std::memcmp(&back, &v, sizeof v) == 0);
        CHECK(text.size() <= 24);
    }
    CHECK(shortest_double(0.1) == "0.1");
    CHECK(shortest_double(-0.0) == "-0");
    CHECK(shortest_double(std::numeric_limits<double>::infinity()) == "inf");
    CHECK(shortest_double(std::nan("")) == "nan");
}

TEST_CASE("UTF-8 and UTF-16 convert both ways, 4-byte characters as surrogate pairs") {
    const std::string text = "Kopi \xC3\x93 \xE6\xA4\xB0\xE6\xB5\x86\xE9\xA5\xAD \xF0\x9F\x8D\x9C!";  // Ó 椰浆饭 🍜
    const std::u16string units = utf8_to_utf16(text);
    CHECK(units.size() == 14);  // the emoji takes two units
    CHECK(units[11] == 0xD83C);
    CHECK(units[12] == 0xDF5C);
    CHECK(utf16_to_utf8(units.data(), units.size()) == text + "");
    CHECK(utf8_to_utf16("").empty());
    CHECK(test::error_kind([] { utf8_to_utf16(std::string("\xC3", 1)); }) == ErrorKind::data);
    CHECK(test::error_kind([] { utf8_to_utf16("\xFF"); }) == ErrorKind::data);
}

TEST_CASE("the exact double pair decodes bit for bit; a REAL in a decimal column reads at its scale") {
    double v = 0;
    REQUIRE(tagged_double("r7543599627370496p-48", v));
    CHECK(v == std::ldexp(7543599627370496.0, -48));
    REQUIRE(tagged_double("r-4503599627370497p-1126", v));  // a subnormal
    CHECK(v == -std::ldexp(4503599627370497.0, -1126));
    REQUIRE(tagged_double("rinf", v));
    CHECK(std::isinf(v));
    REQUIRE(tagged_double("r0p0", v));
    CHECK(v == 0);
    CHECK_FALSE(tagged_double("123.45", v));
    CHECK_FALSE(tagged_double("rabbit", v));
    // 123.45 as SQLite may store it, one unit off: still the decimal 123.4500.
    const double off = std::nextafter(123.45, 1e9);
    CHECK(decimal_from_double(off, 4) == "123.4500");
    CHECK(decimal_from_double(123.45, 4) == "123.4500");
    CHECK(decimal_from_double(-0.0001, 4) == "-0.0001");
    CHECK(decimal_from_double(0.0, 2) == "0.00");
    // A double that is not near a 4-place decimal keeps all its digits (the target then
    // refuses it rather than round).
    CHECK(decimal_from_double(26.797500000000003 + 1e-9, 4) == "26.797500001000003");
    CHECK_THROWS_AS(decimal_from_double(HUGE_VAL, 2), Error);
}

TEST_CASE("a parameter's ColumnSize: text and binary as long as their longest value, a decimal its precision") {
    for (SQLSMALLINT t : {SQL_CHAR, SQL_VARCHAR, SQL_LONGVARCHAR, SQL_WCHAR, SQL_WVARCHAR,
                          SQL_WLONGVARCHAR, SQL_BINARY, SQL_VARBINARY, SQL_LONGVARBINARY}) {
        CAPTURE(t);
        CHECK(parameter_sized_by_value(t));
    }
    // "-1234567890123456789012345678.1234567890" is 40 characters; decimal(38,10) stays 38.
    for (SQLSMALLINT t : {SQLSMALLINT{SQL_DECIMAL}, SQLSMALLINT{SQL_NUMERIC}, SQLSMALLINT{SQL_TYPE_TIME},
                          SQLSMALLINT{replicate::detail::sql_ss_time2}, SQLSMALLINT{SQL_TYPE_TIMESTAMP}}) {
        CAPTURE(t);
        CHECK_FALSE(parameter_sized_by_value(t));
    }
}

TEST_CASE("long text and binary parameters are declared as the (max) types, never ntext or image") {
    using replicate::detail::driver_quirks;
    const auto declared = [](const char* driver, SQLSMALLINT type, SQLULEN longest) {
        return declared_parameter(driver_quirks(driver), type, longest);
    };
    using P = std::pair<SQLSMALLINT, SQLULEN>;
    // msodbcsql: SQL_WVARCHAR up to 4000 units, above it (or unbounded) ColumnSize 0, which is
    // nvarchar(max) (SQLBindParameter, SQL Server Native Client); SQL_WLONGVARCHAR would be
    // ntext, which _SC and _UTF8 collations refuse (4189).
    const char* ms = "ODBC Driver 18 for SQL Server";
    CHECK(declared(ms, SQL_WVARCHAR, 4000) == P{SQL_WVARCHAR, 4000});
    CHECK(declared(ms, SQL_WVARCHAR, 4001) == P{SQL_WVARCHAR, 0});
    CHECK(declared(ms, SQL_WLONGVARCHAR, 12) == P{SQL_WVARCHAR, 12});
    CHECK(declared(ms, SQL_WLONGVARCHAR, 70000) == P{SQL_WVARCHAR, 0});
    CHECK(declared(ms, SQL_VARCHAR, 8001) == P{SQL_VARCHAR, 0});
    CHECK(declared(ms, SQL_LONGVARBINARY, 8000) == P{SQL_VARBINARY, 8000});
    CHECK(declared(ms, SQL_LONGVARBINARY, 8001) == P{SQL_VARBINARY, 0});
    // A fixed binary(n) column's values go as varbinary: they keep their length, the column
    // pads; and a BINARY(8) parameter is not sent (a TDS server took it for rowversion).
    CHECK(declared(ms, SQL_BINARY, 8) == P{SQL_VARBINARY, 8});
    CHECK(declared(ms, SQL_WCHAR, 0) == P{SQL_WVARCHAR, 1});
    // FreeTDS: a ColumnSize of 0 would declare nvarchar(1); its long types are nvarchar(max)
    // and varbinary(max) from TDS 7.2 on.
    CHECK(declared("FreeTDS", SQL_WVARCHAR, 4000) == P{SQL_WVARCHAR, 4000});
    CHECK(declared("FreeTDS", SQL_WVARCHAR, 4001) == P{SQL_WLONGVARCHAR, 4001});
    CHECK(declared("FreeTDS", SQL_WLONGVARCHAR, 5) == P{SQL_WVARCHAR, 5});
    CHECK(declared("FreeTDS", SQL_VARBINARY, 9000) == P{SQL_LONGVARBINARY, 9000});
    CHECK(declared("FreeTDS", SQL_BINARY, 8) == P{SQL_VARBINARY, 8});
    // Other DBMSs' drivers have no such limits: the column's own type.
    CHECK(declared("psqlodbcw.so", SQL_WLONGVARCHAR, 70000) == P{SQL_WLONGVARCHAR, 70000});
    CHECK(declared("libmaodbc.so", SQL_VARCHAR, 9000) == P{SQL_VARCHAR, 9000});
    CHECK(declared("libsqlite3odbc.so", SQL_BINARY, 8) == P{SQL_VARBINARY, 8});
}

TEST_CASE("a failure without diagnostics still says what was done and what the driver returned") {
    const Error e = make_error(FailedCall{SQL_HANDLE_STMT, SQL_NULL_HANDLE, SQL_NO_DATA},
                               "insert failed", nullptr, {});
    CHECK(
        std::string(e.what()) ==
        "insert failed: the driver returned SQL_NO_DATA and no diagnostic record, on the statement "
        "or its connection");
    CHECK(return_code_name(SQL_ERROR) == "SQL_ERROR");
    CHECK(return_code_name(7) == "return code 7");
}

TEST_CASE("FreeTDS's struct dates before 1600-03-01 go as text") {
    // convert_datetime2server (FreeTDS 1.3.17 and its master) divides negative day counts
    // truncating: 1600-01-01 arrives as 1600-01-02, 0001-01-01 as the day before. Measured on a
    // TDS server through FreeTDS (pairs.*sqlserver* with 0001-01-01).
    CHECK(replicate::detail::driver_quirks("FreeTDS").struct_dates_exact_from == 16000301);
    CHECK(
        replicate::detail::driver_quirks("ODBC Driver 17 for SQL Server").struct_dates_exact_from ==
        0);
    CHECK(replicate::detail::driver_quirks("psqlodbcw.so").struct_dates_exact_from == 0);
}

TEST_CASE("SQL Server source types: each kept as exact text, or refused naming what to do") {
    const ColumnType guid = column_type_from_odbc(SQL_GUID, 36, 0, false, "uniqueidentifier", true);
    CHECK(guid.type == Type::text);
    CHECK(guid.text_kind == ColumnType::TextKind::uuid);
    const ColumnType dto = column_type_from_odbc(-155, 34, 7, false, "datetimeoffset", true);
    CHECK(dto.text_kind == ColumnType::TextKind::datetimeoffset);
    CHECK(dto.precision == 7);
    const ColumnType xml = column_type_from_odbc(-152, 0, 0, false, "xml", true);
    CHECK(xml.text_kind == ColumnType::TextKind::xml);
    CHECK(xml.length == 0);
    std::string message;
    CHECK(test::error_kind([] { column_type_from_odbc(-150, 8000, 0, false, "sql_variant", true); },
                           &message) == ErrorKind::config);
    CHECK(message.find("CAST") != std::string::npos);
    CHECK(test::error_kind([] { column_type_from_odbc(-151, 0, 0, false, "hierarchyid", true); },
                           &message) == ErrorKind::config);
    CHECK(message.find("'hierarchyid' is a CLR type") != std::string::npos);
    // Created as themselves on SQL Server, as uuid on PostgreSQL, as text elsewhere.
    auto mssql = make_dialect("sqlserver");
    CHECK(mssql->column_type(guid) == "uniqueidentifier");
    CHECK(mssql->column_type(dto) == "datetimeoffset(7)");
    CHECK(mssql->column_type(xml) == "xml");
    CHECK(make_dialect("postgresql")->column_type(guid) == "uuid");
    CHECK(make_dialect("postgresql")->column_type(dto) == "varchar(34)");
    CHECK(make_dialect("mariadb")->column_type(guid) == "char(36) CHARACTER SET utf8mb4");
    // Text into a datetimeoffset column is converted by the server, in the statement.
    CHECK(mssql->value_parameter(&dto) == "CAST(? AS datetimeoffset(7))");
    CHECK(mssql->value_parameter(&guid) == "?");
    CHECK(mssql->value_parameter(nullptr) == "?");
    const std::vector<std::string> markers{"?", "CAST(? AS datetimeoffset(7))"};
    CHECK(mssql->insert({"dbo", "t"}, {{"ID", {Type::int32}}, {"DTO", dto}}, false, &markers) ==
          "INSERT INTO [dbo].[t] ([ID], [DTO]) VALUES (?, CAST(? AS datetimeoffset(7)))");
    // SQL Server's time ends at 23:59:59.9999999; PostgreSQL's holds 24:00:00.
    CHECK_FALSE(mssql->holds_end_of_day());
    CHECK(make_dialect("postgresql")->holds_end_of_day());
}

TEST_CASE("a datetimeoffset's and a GUID's text in one spelling") {
    CHECK(canonical_datetimeoffset("2025-01-05 10:11:12.1234567 +05:30", 7) ==
          "2025-01-05 10:11:12.1234567 +05:30");
    CHECK(canonical_datetimeoffset("2025-01-05T10:11:12.12+05:30", 3) ==
          "2025-01-05 10:11:12.120 +05:30");
    CHECK(canonical_datetimeoffset("2025-01-05 10:11:12 -08:00", 0) ==
          "2025-01-05 10:11:12 -08:00");
    CHECK(canonical_datetimeoffset("2025-01-05 10:11:12.1234500 +00:00", 5) ==
          "2025-01-05 10:11:12.12345 +00:00");
    // A digit beyond the precision, no offset, or garbage: not a datetimeoffset.
    CHECK(canonical_datetimeoffset("2025-01-05 10:11:12.1234567 +05:30", 3).empty());
    CHECK(canonical_datetimeoffset("2025-01-05 10:11:12", 0).empty());
    CHECK(canonical_datetimeoffset("Jan  5 2025 10:11AM", 0).empty());
    CHECK(canonical_uuid("6F9619FF-8B86-D011-B42D-00C04FD430C8") ==
          "6f9619ff-8b86-d011-b42d-00c04fd430c8");
}

TEST_CASE("drivers whose SQLRowCount counts a whole parameter array have it checked") {
    using replicate::detail::driver_quirks;
    // MariaDB Connector/ODBC 3.1.15 answered an array the server refused in bulk with
    // SQL_SUCCESS and 0 rows: the month was lost while the ledger said 2,000.
    CHECK(driver_quirks("libmaodbc.so").counts_array_rows);
    CHECK(driver_quirks("libsqlite3odbc.so").counts_array_rows);
    CHECK(driver_quirks("FreeTDS").counts_array_rows);
    // psqlODBC gives the last row's count; msodbcsql documents none for arrays.
    CHECK_FALSE(driver_quirks("psqlodbcw.so").counts_array_rows);
    CHECK_FALSE(driver_quirks("ODBC Driver 18 for SQL Server").counts_array_rows);
}
