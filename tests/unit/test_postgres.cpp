// The native PostgreSQL path's pure parts (no server): binary numeric decoding, COPY text
// encoding, libpq parameters from an ODBC connection string.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../../libreplicate/src/postgres/reader.hpp"
#include "../../libreplicate/src/postgres/writer.hpp"
#include "helpers.hpp"

using namespace replicate;

namespace {

/// PostgreSQL's binary numeric: ndigits, weight, sign, dscale, then base-10000 digits, all
/// big-endian 16-bit (src/backend/utils/adt/numeric.c, numeric_send).
std::string numeric_bytes(int weight, std::uint16_t sign, int dscale, std::vector<int> digits) {
    std::string out;
    auto put = [&](int v) {
        out += static_cast<char>((v >> 8) & 0xff);
        out += static_cast<char>(v & 0xff);
    };
    put(static_cast<int>(digits.size()));
    put(weight);
    put(sign);
    put(dscale);
    for (int d : digits) put(d);
    return out;
}

std::string decode(const std::string& bytes) {
    return pg::numeric_text(bytes.data(), static_cast<int>(bytes.size()));
}

std::string copy_text(ColumnData& col, Type type) {
    std::string out;
    for (std::size_t r = 0; r < col.size(); ++r) {
        if (r > 0) out += '|';
        pg::append_copy_text(out, col, r, type);
    }
    return out;
}

}  // namespace

TEST_CASE("binary numerics decode to the text PostgreSQL prints, scale and sign kept") {
    CHECK(decode(numeric_bytes(0, 0, 4, {1108, 9895})) == "1108.9895");
    CHECK(decode(numeric_bytes(-1, 0x4000, 4, {5000})) == "-0.5000");
    CHECK(decode(numeric_bytes(0, 0, 2, {})) == "0.00");
    CHECK(decode(numeric_bytes(0, 0, 0, {})) == "0");
    CHECK(decode(numeric_bytes(1, 0, 1, {1234, 5678, 9000})) == "12345678.9");
    CHECK(decode(numeric_bytes(1, 0, 0, {1})) == "10000");  // trailing zero groups omitted
    CHECK(decode(numeric_bytes(2, 0x4000, 0, {12, 3456, 7890})) == "-1234567890");
    CHECK(decode(numeric_bytes(-1, 0, 4, {1})) == "0.0001");
    CHECK(decode(numeric_bytes(-2, 0, 8, {1})) == "0.00000001");
    CHECK(decode(numeric_bytes(-1, 0, 10, {1234, 5678, 9000})) == "0.1234567890");
    // numeric(38,10) at its largest.
    CHECK(decode(numeric_bytes(6, 0, 10, {9999, 9999, 9999, 9999, 9999, 9999, 9999, 9999, 9999, 9900})) ==
          "9999999999999999999999999999.9999999999");
    CHECK(decode(numeric_bytes(0, 0xC000, 0, {})) == "NaN");
    CHECK(test::error_kind([] { decode(std::string(5, '\0')); }) == ErrorKind::internal);
}

TEST_CASE("COPY text: escapes, NULL, bytea, exact doubles, times to the nanosecond") {
    ColumnData text(Type::text);
    text.append_bytes("a\tb\nc\\d\re");
    text.append_null();
    text.append_bytes("\\N");
    text.append_bytes("Kopi café 面包");
    CHECK(copy_text(text, Type::text) == "a\\tb\\nc\\\\d\\re|\\N|\\\\N|Kopi café 面包");

    ColumnData bin(Type::binary);
    bin.append_bytes(std::string("\x00\xff\x10", 3));
    CHECK(copy_text(bin, Type::binary) == "\\\\x00ff10");

    ColumnData dbl(Type::float64);
    for (double v : {0.1, -0.0, 1e300, std::numeric_limits<double>::max(),
                     std::numeric_limits<double>::denorm_min(), std::nan(""),
                     -std::numeric_limits<double>::infinity()}) {
        dbl.append_double(v);
    }
    CHECK(copy_text(dbl, Type::float64) ==
          "0.1|-0|1e+300|1.7976931348623157e+308|5e-324|NaN|-Infinity");

    ColumnData ints(Type::int64);
    ints.append_int(std::numeric_limits<std::int64_t>::min());
    ints.append_int(0);
    CHECK(copy_text(ints, Type::int64) == "-9223372036854775808|0");

    ColumnData ts(Type::timestamp);
    ts.append_timestamp(Timestamp{test::d("2025-10-31"), 23, 59, 59, 999999000});
    ts.append_timestamp(Timestamp{test::d("0001-01-01"), 0, 0, 0, 1});
    ts.append_timestamp(Timestamp{test::d("2024-02-29"), 7, 5, 3, 0});
    CHECK(copy_text(ts, Type::timestamp) ==
          "2025-10-31 23:59:59.999999|0001-01-01 00:00:00.000000001|2024-02-29 07:05:03");
    CHECK(copy_text(ts, Type::date) == "2025-10-31|0001-01-01|2024-02-29");
    CHECK(copy_text(ts, Type::time) == "23:59:59.999999|00:00:00.000000001|07:05:03");
}

TEST_CASE("libpq parameters come from a psqlODBC connection string, or the path stays ODBC") {
    const auto p = pg::libpq_parameters(
        "Driver={PostgreSQL Unicode};Server=db.example;Port=5433;Database=dw;UID=etl;PWD={a;b}}c}",
        7);
    REQUIRE(p);
    auto value = [&](const std::string& key) {
        for (const auto& [k, v] : *p) {
            if (k == key) return v;
        }
        return std::string("<absent>");
    };
    CHECK(value("host") == "db.example");
    CHECK(value("port") == "5433");
    CHECK(value("dbname") == "dw");
    CHECK(value("user") == "etl");
    CHECK(value("password") == "a;b}c");
    CHECK(value("connect_timeout") == "7");
    CHECK(value("client_encoding") == "UTF8");
    // A DSN keeps its settings in odbc.ini; other drivers have no native path here.
    CHECK_FALSE(pg::libpq_parameters("DSN=warehouse;UID=etl;PWD=x", 30));
    CHECK_FALSE(pg::libpq_parameters("Driver={MariaDB Unicode};Server=h;Database=d", 30));
    CHECK_FALSE(pg::libpq_parameters("Driver={PostgreSQL Unicode};Database=d", 30));  // no server
}

TEST_CASE("'?' placeholders become $n outside quotes only") {
    CHECK(pg::numbered_placeholders("SELECT ?, '?', \"a?\" FROM t WHERE x >= ? AND y < ?") ==
          "SELECT $1, '?', \"a?\" FROM t WHERE x >= $2 AND y < $3");
}
