#include <cmath>
#include <limits>

#include <replicate/types.hpp>

#include "helpers.hpp"

using namespace replicate;

TEST_CASE("timestamps print with as many fraction digits as they need") {
    Timestamp t{test::d("2025-10-31"), 23, 59, 59, 999000000};
    CHECK(t.to_string() == "2025-10-31 23:59:59.999");
    t.nanosecond = 0;
    CHECK(t.to_string() == "2025-10-31 23:59:59");
    CHECK(t.to_string(3) == "2025-10-31 23:59:59.000");
    t.nanosecond = 123456000;
    CHECK(t.to_string() == "2025-10-31 23:59:59.123456");
    t.nanosecond = 123456700;
    CHECK(t.to_string() == "2025-10-31 23:59:59.123456700");
}

TEST_CASE("values compare bit-exactly: -0.0 differs from 0.0, NaN equals itself, NULL differs from ''") {
    CHECK(Value{0.0} != Value{-0.0});
    CHECK(Value{std::numeric_limits<double>::quiet_NaN()} == Value{std::numeric_limits<double>::quiet_NaN()});
    CHECK(Value{} != Value{std::string()});
    CHECK(Value{std::int64_t{1}} != Value{1.0});
    CHECK(Value{std::string("a ")} != Value{std::string("a")});
}

TEST_CASE("a batch keeps NULLs, empty strings, zero bytes and exact values column by column") {
    Schema schema{{"i", {Type::int64}}, {"f", {Type::float64}}, {"t", {Type::timestamp}},
                  {"s", {Type::text}}, {"b", {Type::binary}}, {"m", {Type::decimal, 0, 38, 10}}};
    Batch batch(schema);
    const std::string bytes("\0\x01\xff\0", 4);
    const std::vector<Value> row1{Value{std::int64_t{-9223372036854775807 - 1}}, Value{-0.0},
                                  Value{Timestamp{test::d("0001-01-01")}}, Value{std::string("")},
                                  Value{bytes}, Value{std::string("-1234567890123456789012345678.0123456789")}};
    const std::vector<Value> row2{Value{}, Value{}, Value{}, Value{}, Value{}, Value{}};
    const std::vector<Value> row3{Value{std::int64_t{42}}, Value{std::nextafter(0.0, 1.0)},
                                  Value{Timestamp{test::d("9999-12-31"), 23, 59, 59, 999999999}},
                                  Value{std::string("héllo 🍜  ")}, Value{std::string()},
                                  Value{std::string("0.0000000001")}};
    batch.append_row(row1);
    batch.append_row(row2);
    batch.append_row(row3);
    REQUIRE(batch.rows() == 3);
    for (std::size_t c = 0; c < schema.size(); ++c) {
        CAPTURE(c);
        CHECK(batch.value(0, c) == row1[c]);
        CHECK(batch.value(1, c) == row2[c]);
        CHECK(batch.value(2, c) == row3[c]);
    }
    CHECK(batch.byte_size() > 0);
    batch.clear();
    CHECK(batch.rows() == 0);
}

TEST_CASE("column-wise access: arrays of values and NULL flags, one entry per row") {
    ColumnData ints(Type::int32);
    ints.append_int(7);
    ints.append_null();
    ints.append_int(-3);
    REQUIRE(ints.size() == 3);
    CHECK(ints.null_flags()[0] == 0);
    CHECK(ints.null_flags()[1] == 1);
    CHECK(ints.int_values()[0] == 7);
    CHECK(ints.int_values()[2] == -3);

    ColumnData text(Type::text);
    text.append_bytes("ab");
    text.append_null();
    text.append_bytes("");
    text.append_bytes("xyz");
    const char* data = text.byte_data();
    const std::size_t* ends = text.byte_ends();
    CHECK(std::string(data, ends[0]) == "ab");
    CHECK(ends[1] == ends[0]);  // NULL: no bytes
    CHECK(text.null_flags()[1] == 1);
    CHECK(ends[2] == ends[1]);  // '' : no bytes, not NULL
    CHECK(text.null_flags()[2] == 0);
    CHECK(std::string(data + ends[2], ends[3] - ends[2]) == "xyz");
    CHECK(text.bytes_at(3) == "xyz");

    ColumnData times(Type::timestamp);
    times.append_timestamp(Timestamp{test::d("2025-10-31"), 23, 59, 59, 5});
    CHECK(times.timestamp_values()[0].nanosecond == 5);
    ColumnData dbl(Type::float64);
    dbl.append_double(-0.0);
    CHECK(std::signbit(dbl.double_values()[0]));
}

TEST_CASE("appending a value of the wrong kind is an internal error, not a silent conversion") {
    ColumnData c(Type::int32);
    CHECK(test::error_kind([&] { c.append(Value{std::string("1")}); }) == ErrorKind::internal);
    CHECK(test::error_kind([&] { c.append(Value{1.5}); }) == ErrorKind::internal);
}

TEST_CASE("connection strings are masked: PWD, Password, braced values with ';' and '}}'") {
    CHECK(mask_connection_string("Driver={ODBC Driver 18 for SQL Server};Server=db;UID=etl;PWD=s3cr3t;Encrypt=yes") ==
          "Driver={ODBC Driver 18 for SQL Server};Server=db;UID=etl;PWD=***;Encrypt=yes");
    const std::string braced = mask_connection_string("uid=a;Password={p;w}}d};Database=x");
    CHECK(braced == "uid=a;Password=***;Database=x");
    CHECK(braced.find("p;w") == std::string::npos);
    CHECK(mask_connection_string("DSN=x; pwd = hunter2 ") .find("hunter2") == std::string::npos);
    CHECK(mask_connection_string("Driver=SQLite3;Database=demo/source.db") ==
          "Driver=SQLite3;Database=demo/source.db");
}

TEST_CASE("which target column types can receive which source types") {
    const ColumnType i64{Type::int64}, dec{Type::decimal, 0, 16, 4}, dec0{Type::decimal, 0, 10, 0},
        f64{Type::float64}, date{Type::date}, ts{Type::timestamp}, txt{Type::text, 20}, bin{Type::binary, 8};
    CHECK(can_receive(i64, ColumnType{Type::int8}));
    CHECK(can_receive(ColumnType{Type::decimal, 0, 24, 4}, i64));
    CHECK_FALSE(can_receive(dec, i64));     // 12 integer digits for up to 19
    CHECK(can_receive(i64, dec0));
    CHECK_FALSE(can_receive(i64, dec));     // the fraction would be lost
    CHECK_FALSE(can_receive(f64, dec));     // through double
    CHECK_FALSE(can_receive(i64, txt));
    CHECK(can_receive(txt, i64));           // as text
    CHECK(can_receive(ts, date));
    CHECK_FALSE(can_receive(date, ts));     // the time would be lost
    CHECK_FALSE(can_receive(txt, bin));
    CHECK_FALSE(can_receive(bin, txt));
    CHECK(can_receive(bin, ColumnType{Type::binary, 0}));
}

TEST_CASE("declared types that would round, cut or overflow are named") {
    const ColumnType d18_4{Type::decimal, 0, 18, 4}, d18_2{Type::decimal, 0, 18, 2},
        d20_4{Type::decimal, 0, 20, 4}, d10_4{Type::decimal, 0, 10, 4};
    CHECK(cannot_receive(d18_2, d18_4) == "scale 2 would round values of scale 4");
    CHECK(cannot_receive(d10_4, d18_4).find("6 digits before the point") != std::string::npos);
    CHECK(cannot_receive(d20_4, d18_4).empty());
    CHECK(cannot_receive(ColumnType{Type::float32}, ColumnType{Type::float64}) ==
          "a single-precision float would round doubles");
    CHECK(cannot_receive(ColumnType{Type::float64}, ColumnType{Type::float32}).empty());
    CHECK_FALSE(cannot_receive(ColumnType{Type::int32}, ColumnType{Type::int64}).empty());
    CHECK(cannot_receive(ColumnType{Type::int64}, ColumnType{Type::int32}).empty());
    ColumnType u32{Type::int32};
    u32.is_unsigned = true;
    CHECK_FALSE(cannot_receive(ColumnType{Type::int32}, u32).empty());
    CHECK(cannot_receive(ColumnType{Type::int64}, u32).empty());
    CHECK(cannot_receive(ColumnType{Type::int16}, ColumnType{Type::boolean}).empty());
    CHECK(cannot_receive(ColumnType{Type::text, 10}, ColumnType{Type::text, 20}) ==
          "it holds 10 characters, the source up to 20");
    CHECK(cannot_receive(ColumnType{Type::text, 20}, ColumnType{Type::text, 0}).empty());  // checked per value
    CHECK(cannot_receive(ColumnType{Type::binary, 4}, ColumnType{Type::binary, 8}) ==
          "it holds 4 bytes, the source up to 8");
}
