#include <replicate/error.hpp>
#include <replicate/types.hpp>

#include <cstdio>
#include <cstring>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace replicate {

std::string_view to_string(Type t) {
    switch (t) {
    case Type::boolean: return "boolean";
    case Type::int8: return "int8";
    case Type::int16: return "int16";
    case Type::int32: return "int32";
    case Type::int64: return "int64";
    case Type::decimal: return "decimal";
    case Type::float32: return "float32";
    case Type::float64: return "float64";
    case Type::date: return "date";
    case Type::time: return "time";
    case Type::timestamp: return "timestamp";
    case Type::text: return "text";
    case Type::binary: return "binary";
    }
    return "?";
}

bool operator==(const ColumnType& a, const ColumnType& b) {
    return a.type == b.type && a.length == b.length && a.precision == b.precision &&
           a.scale == b.scale && a.fixed_length == b.fixed_length && a.national == b.national &&
           a.is_unsigned == b.is_unsigned && a.row_version == b.row_version &&
           a.legacy_datetime == b.legacy_datetime && a.nullable == b.nullable;
}

std::ostream& operator<<(std::ostream& os, const ColumnType& t) {
    os << to_string(t.type);
    if (t.type == Type::decimal) os << '(' << t.precision << ',' << t.scale << ')';
    if (t.type == Type::text || t.type == Type::binary) {
        os << '(' << (t.length == 0 ? std::string("max") : std::to_string(t.length)) << ')';
    }
    if (t.type == Type::timestamp || t.type == Type::time) os << '(' << t.precision << ')';
    if (t.fixed_length) os << " fixed";
    if (t.national) os << " national";
    if (t.is_unsigned) os << " unsigned";
    if (t.row_version) os << " rowversion";
    if (t.legacy_datetime) os << " legacy-datetime";
    if (t.text_kind == ColumnType::TextKind::uuid) os << " uuid";
    if (t.text_kind == ColumnType::TextKind::xml) os << " xml";
    if (t.text_kind == ColumnType::TextKind::datetimeoffset)
        os << " datetimeoffset(" << t.precision << ")";
    if (!t.nullable) os << " not null";
    return os;
}

namespace {
enum class Kind { integer, decimal, floating, date, time, timestamp, text, binary };
Kind kind_of(Type t) {
    switch (t) {
    case Type::boolean:
    case Type::int8:
    case Type::int16:
    case Type::int32:
    case Type::int64: return Kind::integer;
    case Type::decimal: return Kind::decimal;
    case Type::float32:
    case Type::float64: return Kind::floating;
    case Type::date: return Kind::date;
    case Type::time: return Kind::time;
    case Type::timestamp: return Kind::timestamp;
    case Type::text: return Kind::text;
    case Type::binary: return Kind::binary;
    }
    return Kind::text;
}
}  // namespace

namespace {
/// Decimal digits an integer type needs (its largest value), 1 for a boolean.
int integer_digits(const ColumnType& t) {
    switch (t.type) {
    case Type::boolean: return 1;
    case Type::int8: return 3;
    case Type::int16: return 5;
    case Type::int32: return 10;
    default: return t.is_unsigned ? 20 : 19;
    }
}
int integer_rank(Type t) {
    switch (t) {
    case Type::boolean: return 0;
    case Type::int8: return 1;
    case Type::int16: return 2;
    case Type::int32: return 3;
    default: return 4;
    }
}
}  // namespace

std::string cannot_receive(const ColumnType& target, const ColumnType& source, bool enforced) {
    const Kind t = kind_of(target.type);
    const Kind s = kind_of(source.type);
    if (t != s) {
        bool ok = false;
        switch (t) {
        case Kind::text: ok = s != Kind::binary; break;
        case Kind::decimal:
            ok = s == Kind::integer && (!enforced || target.precision <= 0 ||
                                        target.precision - target.scale >= integer_digits(source));
            break;
        case Kind::integer: ok = s == Kind::decimal && source.scale == 0; break;
        case Kind::timestamp: ok = s == Kind::date; break;
        default: break;
        }
        return ok ? std::string() : "the values are of another kind or too large";
    }
    if (!enforced) return {};
    switch (t) {
    case Kind::integer:
        // A flag column (MariaDB tinyint(1)) into a boolean: values other than 0 and 1 are
        // refused one by one when written.
        if (source.type == Type::boolean || target.type == Type::boolean) return {};
        if (integer_rank(target.type) < integer_rank(source.type) ||
            (integer_rank(target.type) == integer_rank(source.type) &&
             target.is_unsigned != source.is_unsigned)) {
            return "a narrower integer would overflow or refuse some of its values";
        }
        return {};
    case Kind::decimal:
        if (target.precision <= 0 || source.precision <= 0) return {};
        if (target.scale < source.scale) {
            return "scale " + std::to_string(target.scale) + " would round values of scale " +
                   std::to_string(source.scale);
        }
        if (target.precision - target.scale < source.precision - source.scale) {
            return "it holds " + std::to_string(target.precision - target.scale) +
                   " digits before the point, the source up to " +
                   std::to_string(source.precision - source.scale);
        }
        return {};
    case Kind::floating:
        if (target.type == Type::float32 && source.type == Type::float64) {
            return "a single-precision float would round doubles";
        }
        return {};
    case Kind::text:
    case Kind::binary:
        if (target.length > 0 && source.length > target.length) {
            return "it holds " + std::to_string(target.length) + (t == Kind::text ? " characters" : " bytes") +
                   ", the source up to " + std::to_string(source.length);
        }
        return {};
    default: return {};
    }
}

bool can_receive(const ColumnType& target, const ColumnType& source) {
    return cannot_receive(target, source).empty();
}

// ---- Date --------------------------------------------------------------------------------

namespace {
bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
}  // namespace

int days_in_month(int year, int month) {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap(year)) return 29;
    return days[month - 1];
}

bool Date::valid() const {
    return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
           day <= days_in_month(year, month);
}

// Civil date <-> day count by 400-year eras (the proleptic Gregorian calendar repeats every
// 146097 days), with March as the first month so the leap day ends the year.
std::int64_t Date::days_since_epoch() const {
    const std::int64_t y = year - (month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t mp = (month + 9) % 12;
    const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

Date Date::from_days_since_epoch(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    const int y = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
    return Date{y, m, d};
}

Date Date::first_of_next_month() const {
    return month == 12 ? Date{year + 1, 1, 1} : Date{year, month + 1, 1};
}

Date Date::parse(std::string_view text, std::string_view what) {
    auto fail = [&]() -> Error {
        return Error(ErrorKind::config, std::string(what) + " '" + std::string(text) +
                                            "' is not a date: use YYYY-MM-DD, e.g. 2025-10-31");
    };
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') throw fail();
    auto num = [&](std::size_t pos, std::size_t len) {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (text[i] < '0' || text[i] > '9') throw fail();
            v = v * 10 + (text[i] - '0');
        }
        return v;
    };
    Date d{num(0, 4), num(5, 2), num(8, 2)};
    if (!d.valid()) {
        throw Error(ErrorKind::config, std::string(what) + " '" + std::string(text) +
                                           "' is not a calendar day: check month and day");
    }
    return d;
}

std::string Date::to_string() const {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year % 10000, month % 100, day % 100);
    return buf;
}

std::ostream& operator<<(std::ostream& os, const Date& d) { return os << d.to_string(); }

std::string Timestamp::to_string(int min_fraction_digits) const {
    char buf[48];
    int n = std::snprintf(buf, sizeof buf, "%s %02d:%02d:%02d", date.to_string().c_str(),
                          hour % 100, minute % 100, second % 100);
    int digits = 0;
    if (nanosecond != 0) digits = nanosecond % 1000000 == 0 ? 3 : nanosecond % 1000 == 0 ? 6 : 9;
    if (digits < min_fraction_digits) digits = min_fraction_digits;
    if (digits > 0) {
        char frac[16];
        std::snprintf(frac, sizeof frac, "%09u", nanosecond % 1000000000u);
        std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%.*s", digits, frac);
    }
    return buf;
}

std::ostream& operator<<(std::ostream& os, const Timestamp& t) { return os << t.to_string(); }

// ---- Value -------------------------------------------------------------------------------

bool operator==(const Value& a, const Value& b) {
    if (a.data.index() != b.data.index()) return false;
    if (const double* x = std::get_if<double>(&a.data)) {
        const double y = std::get<double>(b.data);
        return std::memcmp(x, &y, sizeof y) == 0;
    }
    return a.data == b.data;
}

std::ostream& operator<<(std::ostream& os, const Value& v) {
    switch (v.data.index()) {
    case 0: return os << "NULL";
    case 1: return os << std::get<std::int64_t>(v.data);
    case 2: {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", std::get<double>(v.data));
        return os << buf;
    }
    case 3: return os << std::get<Timestamp>(v.data);
    default: {
        const std::string& s = std::get<std::string>(v.data);
        bool printable = true;
        for (unsigned char c : s) printable = printable && (c >= 0x20 || c == '\t');
        if (printable) return os << '\'' << s << '\'';
        os << "0x";
        for (unsigned char c : s) os << std::hex << std::setw(2) << std::setfill('0') << int{c};
        return os << std::dec;
    }
    }
}

// ---- ColumnData --------------------------------------------------------------------------

namespace {
enum class Storage { ints, doubles, times, bytes };
Storage storage_of(Type t) {
    switch (t) {
    case Type::boolean:
    case Type::int8:
    case Type::int16:
    case Type::int32:
    case Type::int64: return Storage::ints;
    case Type::float32:
    case Type::float64: return Storage::doubles;
    case Type::date:
    case Type::time:
    case Type::timestamp: return Storage::times;
    case Type::decimal:
    case Type::text:
    case Type::binary: return Storage::bytes;
    }
    return Storage::bytes;
}
}  // namespace

ColumnData::ColumnData(Type type) : type_(type) {}

std::size_t ColumnData::byte_size() const {
    return nulls_.size() + ints_.size() * sizeof(std::int64_t) + doubles_.size() * sizeof(double) +
           times_.size() * sizeof(Timestamp) + bytes_.size() + ends_.size() * sizeof(std::size_t);
}

void ColumnData::clear() {
    nulls_.clear();
    ints_.clear();
    doubles_.clear();
    times_.clear();
    bytes_.clear();
    ends_.clear();
}

void ColumnData::append_null() {
    nulls_.push_back(1);
    switch (storage_of(type_)) {
    case Storage::ints: ints_.push_back(0); break;
    case Storage::doubles: doubles_.push_back(0); break;
    case Storage::times: times_.emplace_back(); break;
    case Storage::bytes: ends_.push_back(bytes_.size()); break;
    }
}

void ColumnData::append_int(std::int64_t v) {
    nulls_.push_back(0);
    ints_.push_back(v);
}

void ColumnData::append_double(double v) {
    nulls_.push_back(0);
    doubles_.push_back(v);
}

void ColumnData::append_timestamp(const Timestamp& v) {
    nulls_.push_back(0);
    times_.push_back(v);
}

void ColumnData::append_bytes(std::string_view v) {
    nulls_.push_back(0);
    bytes_.append(v.data(), v.size());
    ends_.push_back(bytes_.size());
}

void ColumnData::append(const Value& v) {
    const Storage s = storage_of(type_);
    if (v.is_null()) {
        append_null();
    } else if (s == Storage::ints && std::holds_alternative<std::int64_t>(v.data)) {
        append_int(std::get<std::int64_t>(v.data));
    } else if (s == Storage::doubles && std::holds_alternative<double>(v.data)) {
        append_double(std::get<double>(v.data));
    } else if (s == Storage::times && std::holds_alternative<Timestamp>(v.data)) {
        append_timestamp(std::get<Timestamp>(v.data));
    } else if (s == Storage::bytes && std::holds_alternative<std::string>(v.data)) {
        append_bytes(std::get<std::string>(v.data));
    } else {
        std::ostringstream os;
        os << "value " << v << " does not fit a " << to_string(type_) << " column";
        throw Error(ErrorKind::internal, os.str());
    }
}

Value ColumnData::value(std::size_t row) const {
    if (is_null(row)) return Value{};
    switch (storage_of(type_)) {
    case Storage::ints: return Value{ints_[row]};
    case Storage::doubles: return Value{doubles_[row]};
    case Storage::times: return Value{times_[row]};
    case Storage::bytes: return Value{std::string(bytes_at(row))};
    }
    return Value{};
}

// ---- Batch -------------------------------------------------------------------------------

Batch::Batch(const Schema& schema) {
    columns_.reserve(schema.size());
    for (const Column& c : schema) columns_.emplace_back(c.type.type);
}

std::size_t Batch::byte_size() const {
    std::size_t n = 0;
    for (const ColumnData& c : columns_) n += c.byte_size();
    return n;
}

void Batch::append_row(const std::vector<Value>& row) {
    if (row.size() != columns_.size()) {
        throw Error(ErrorKind::internal, "row has " + std::to_string(row.size()) +
                                             " values for " + std::to_string(columns_.size()) +
                                             " columns");
    }
    for (std::size_t i = 0; i < row.size(); ++i) columns_[i].append(row[i]);
}

void Batch::clear() {
    for (ColumnData& c : columns_) c.clear();
}

}  // namespace replicate
