#pragma once
/// \file types.hpp
/// Column types, calendar values and the column-wise Batch that flows from a Source to a Sink.

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace replicate {

/// The logical type of a column, independent of any DBMS.
enum class Type : std::uint8_t {
    boolean,
    int8,     ///< tinyint (SQL Server's is unsigned 0..255, see ColumnType::is_unsigned)
    int16,
    int32,
    int64,
    decimal,  ///< exact numeric; values travel as canonical text, never through double
    float32,
    float64,
    date,
    time,
    timestamp,
    text,
    binary,
};

/// Name of a Type, e.g. "decimal".
std::string_view to_string(Type t);

/// The full description of a column's type as read from a source or target.
struct ColumnType {
    Type type = Type::text;
    /// text: characters, binary: bytes; 0 means unbounded (varchar(max), text, blob).
    std::int64_t length = 0;
    /// decimal: total digits; time/timestamp: fractional-second digits.
    int precision = 0;
    /// decimal: digits after the point.
    int scale = 0;
    bool fixed_length = false;  ///< char(n) / binary(n)
    bool national = false;      ///< nchar / nvarchar: wide characters on the wire
    bool is_unsigned = false;
    bool row_version = false;   ///< SQL Server rowversion / timestamp (8 bytes)
    /// SQL Server datetime (1/300-second ticks) or smalldatetime (minutes): values off that
    /// grid would be rounded, so they are refused rather than written.
    bool legacy_datetime = false;
    bool nullable = true;
    /// The type name the driver reported, for messages only.
    std::string native_name;
    /// SQL Server non-Unicode text (char, varchar, text): the column's collation and its
    /// Windows code page (COLLATIONPROPERTY CodePage: 1252, 936, ...; 65001 for a _UTF8
    /// collation). Empty / 0 for every other column: its text is Unicode. Not compared.
    std::string collation;
    int code_page = 0;
    /// text: \ref length counts storage units, not characters: UTF-16 code units (SQL Server
    /// nchar/nvarchar, where a character outside the BMP takes two) or bytes (SQL Server
    /// char/varchar). False: characters (PostgreSQL, MariaDB, SQLite). Not compared.
    bool length_in_units = false;
    /// text that carries a value of another kind, as its exact text. Not compared.
    enum class TextKind : std::uint8_t {
        plain,
        uuid,            ///< a GUID / uuid, as lower-case "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
        xml,             ///< SQL Server xml, as the server serialises it
        datetimeoffset,  ///< SQL Server datetimeoffset(precision), as one text spelling
    };
    TextKind text_kind = TextKind::plain;

    friend bool operator==(const ColumnType& a, const ColumnType& b);
    friend bool operator!=(const ColumnType& a, const ColumnType& b) { return !(a == b); }
};

std::ostream& operator<<(std::ostream& os, const ColumnType& t);

/// True if a column of type \p target can receive the values of a column of type \p source
/// without changing their kind: integers into integers or decimals, decimals into decimals
/// (or integers when the scale is 0), floats into floats, dates into dates or timestamps,
/// timestamps into timestamps, text into text, binary into binary; a text target takes any
/// non-binary value as text. Lengths and precisions are checked value by value when writing.
bool can_receive(const ColumnType& target, const ColumnType& source);
/// Why a column of type \p target cannot receive every value a column of type \p source may
/// hold without rounding, cutting or overflowing, as a phrase; empty if it can. Besides the
/// kinds of can_receive(): a narrower integer, a decimal with a smaller scale or fewer
/// integer digits, a single-precision float for doubles, a shorter text or binary column.
/// Values of an unbounded source column are checked one by one when written.
/// \p enforced false (SQLite): the target does not enforce declared lengths, widths or
/// scales, so only the kinds are compared.
std::string cannot_receive(const ColumnType& target, const ColumnType& source,
                           bool enforced = true);

/// A named column.
struct Column {
    std::string name;
    ColumnType type;
    /// Position in the table's primary key (1-based); 0 if not part of it. Not compared.
    int key_position = 0;
    friend bool operator==(const Column& a, const Column& b) {
        return a.name == b.name && a.type == b.type;
    }
};

/// The ordered columns of a table or result.
using Schema = std::vector<Column>;

/// A proleptic Gregorian calendar date.
struct Date {
    int year = 1970;
    int month = 1;
    int day = 1;

    /// Parses strictly "YYYY-MM-DD"; throws Error(kind config) naming \p what on bad input.
    static Date parse(std::string_view text, std::string_view what = "date");
    /// True if year/month/day form a real calendar day.
    bool valid() const;
    /// Days since 1970-01-01 (negative before).
    std::int64_t days_since_epoch() const;
    static Date from_days_since_epoch(std::int64_t days);
    Date add_days(std::int64_t n) const { return from_days_since_epoch(days_since_epoch() + n); }
    /// The first day of the month after this date's month.
    Date first_of_next_month() const;
    std::string to_string() const;

    friend bool operator==(const Date& a, const Date& b) {
        return a.year == b.year && a.month == b.month && a.day == b.day;
    }
    friend bool operator!=(const Date& a, const Date& b) { return !(a == b); }
    friend bool operator<(const Date& a, const Date& b) {
        return a.days_since_epoch() < b.days_since_epoch();
    }
    friend bool operator<=(const Date& a, const Date& b) { return !(b < a); }
};

std::ostream& operator<<(std::ostream& os, const Date& d);

/// Days in a month of a year (leap years included).
int days_in_month(int year, int month);

/// A date and time of day with nanosecond fraction. Also used for `date` and `time` columns
/// (the unused part is zero).
struct Timestamp {
    Date date;
    int hour = 0;
    int minute = 0;
    int second = 0;
    std::uint32_t nanosecond = 0;

    /// "YYYY-MM-DD HH:MM:SS[.fff|.ffffff|.fffffffff]" with as many fraction digits as needed
    /// in groups of three (".000" is written when \p min_fraction_digits is 3).
    std::string to_string(int min_fraction_digits = 0) const;

    friend bool operator==(const Timestamp& a, const Timestamp& b) {
        return a.date == b.date && a.hour == b.hour && a.minute == b.minute &&
               a.second == b.second && a.nanosecond == b.nanosecond;
    }
    friend bool operator!=(const Timestamp& a, const Timestamp& b) { return !(a == b); }
};

std::ostream& operator<<(std::ostream& os, const Timestamp& t);

/// One value, for tests, verification and embedders that want row access. Batches do not
/// store Values; they store typed columns.
struct Value {
    /// null; integer types and boolean; float types; date/time/timestamp; decimal text, text
    /// (UTF-8) and binary bytes.
    std::variant<std::monostate, std::int64_t, double, Timestamp, std::string> data;

    bool is_null() const { return data.index() == 0; }
    /// Bit-exact: doubles compare by their bits, so -0.0 != 0.0 and NaN == NaN.
    friend bool operator==(const Value& a, const Value& b);
    friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }
};

std::ostream& operator<<(std::ostream& os, const Value& v);

/// The values of one column of a Batch. Storage depends on the Type: integers and booleans as
/// int64, floats as double, date/time/timestamp as Timestamp, decimal/text/binary as bytes.
class ColumnData {
public:
    explicit ColumnData(Type type = Type::text);

    Type type() const { return type_; }
    std::size_t size() const { return nulls_.size(); }
    /// Bytes held, used for batch budgets.
    std::size_t byte_size() const;
    void clear();

    void append_null();
    void append_int(std::int64_t v);
    void append_double(double v);
    void append_timestamp(const Timestamp& v);
    void append_bytes(std::string_view v);
    /// Appends a Value; throws Error(kind internal) if it does not fit the column's storage.
    void append(const Value& v);

    // Column-wise access for embedders and writers: each array has one entry per row (NULL
    // rows hold 0 / a default value), valid until the column changes. Only the array of the
    // column's storage is filled: ints for integers and booleans, doubles for floats,
    // timestamps for date/time/timestamp, bytes for decimal, text and binary.
    const std::uint8_t* null_flags() const { return nulls_.data(); }  ///< 1 where NULL
    const std::int64_t* int_values() const { return ints_.data(); }
    const double* double_values() const { return doubles_.data(); }
    const Timestamp* timestamp_values() const { return times_.data(); }
    /// All byte values back to back; row r's value is [byte_ends()[r-1], byte_ends()[r])
    /// (from 0 for row 0).
    const char* byte_data() const { return bytes_.data(); }
    const std::size_t* byte_ends() const { return ends_.data(); }

    bool is_null(std::size_t row) const { return nulls_[row] != 0; }
    std::int64_t int_at(std::size_t row) const { return ints_[row]; }
    double double_at(std::size_t row) const { return doubles_[row]; }
    const Timestamp& timestamp_at(std::size_t row) const { return times_[row]; }
    std::string_view bytes_at(std::size_t row) const {
        const std::size_t begin = row == 0 ? 0 : ends_[row - 1];
        return std::string_view(bytes_.data() + begin, ends_[row] - begin);
    }
    Value value(std::size_t row) const;

private:
    Type type_;
    std::vector<std::uint8_t> nulls_;
    std::vector<std::int64_t> ints_;
    std::vector<double> doubles_;
    std::vector<Timestamp> times_;
    std::string bytes_;
    std::vector<std::size_t> ends_;  // end offset of each row's bytes in bytes_
};

/// A block of rows stored column by column, bounded by rows and bytes by whoever fills it.
class Batch {
public:
    Batch() = default;
    explicit Batch(const Schema& schema);

    std::size_t rows() const { return columns_.empty() ? 0 : columns_.front().size(); }
    std::size_t column_count() const { return columns_.size(); }
    std::size_t byte_size() const;
    ColumnData& column(std::size_t i) { return columns_[i]; }
    const ColumnData& column(std::size_t i) const { return columns_[i]; }
    Value value(std::size_t row, std::size_t col) const { return columns_[col].value(row); }
    /// Appends one row; \p row must have one Value per column.
    void append_row(const std::vector<Value>& row);
    void clear();

private:
    std::vector<ColumnData> columns_;
};

}  // namespace replicate
