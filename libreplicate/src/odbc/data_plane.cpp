#include "data_plane.hpp"

#include "../columns.hpp"

#include <replicate/calendar.hpp>

#include "../value_fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "../log.hpp"
#include "../text.hpp"

namespace replicate::odbc::detail {

bool parameter_sized_by_value(SQLSMALLINT sql_type) {
    switch (sql_type) {
    case SQL_CHAR:
    case SQL_VARCHAR:
    case SQL_LONGVARCHAR:
    case SQL_WCHAR:
    case SQL_WVARCHAR:
    case SQL_WLONGVARCHAR:
    case SQL_BINARY:
    case SQL_VARBINARY:
    case SQL_LONGVARBINARY: return true;
    default: return false;
    }
}

std::pair<SQLSMALLINT, SQLULEN> declared_parameter(const replicate::detail::DriverQuirks& driver,
                                                   SQLSMALLINT sql_type, SQLULEN longest) {
    using Long = replicate::detail::DriverQuirks::LongParameters;
    const SQLULEN size = std::max<SQLULEN>(1, longest);
    if (driver.long_parameters == Long::long_types) {
        if (sql_type == SQL_BINARY) sql_type = SQL_VARBINARY;
        return {sql_type, size};
    }
    // SQLBindParameter (SQL Server Native Client ODBC): "if the SQL data type is SQL_WVARCHAR,
    // ColumnSize should not be greater than 4000"; longer data is SQL_SS_LENGTH_UNLIMITED.
    SQLSMALLINT bounded = SQL_VARBINARY;
    SQLSMALLINT long_type = SQL_LONGVARBINARY;
    SQLULEN limit = 8000;
    switch (sql_type) {
        case SQL_WCHAR:
        case SQL_WVARCHAR:
        case SQL_WLONGVARCHAR:
            bounded = SQL_WVARCHAR;
            long_type = SQL_WLONGVARCHAR;
            limit = 4000;
            break;
        case SQL_CHAR:
        case SQL_VARCHAR:
        case SQL_LONGVARCHAR:
            bounded = SQL_VARCHAR;
            long_type = SQL_LONGVARCHAR;
            break;
        default:
            break;
    }
    if (size <= limit) return {bounded, size};
    if (driver.long_parameters == Long::size_unlimited) return {bounded, 0};
    return {long_type, size};
}

std::string canonical_datetimeoffset(std::string_view s, int precision) {
    precision = std::max(0, std::min(precision, 7));
    const auto digits = [&](std::size_t at, std::size_t n) {
        if (at + n > s.size()) return false;
        for (std::size_t i = at; i < at + n; ++i) {
            if (s[i] < '0' || s[i] > '9') return false;
        }
        return true;
    };
    // YYYY-MM-DD hh:mm:ss
    if (!digits(0, 4) || s.size() < 19 || s[4] != '-' || !digits(5, 2) || s[7] != '-' ||
        !digits(8, 2) || (s[10] != ' ' && s[10] != 'T') || !digits(11, 2) || s[13] != ':' ||
        !digits(14, 2) || s[16] != ':' || !digits(17, 2)) {
        return {};
    }
    std::string out(s.substr(0, 10));
    out += ' ';
    out.append(s.substr(11, 8));
    std::size_t at = 19;
    std::string fraction;
    if (at < s.size() && s[at] == '.') {
        ++at;
        while (at < s.size() && s[at] >= '0' && s[at] <= '9') fraction.push_back(s[at++]);
    }
    for (std::size_t i = static_cast<std::size_t>(precision); i < fraction.size(); ++i) {
        if (fraction[i] != '0') return {};
    }
    fraction.resize(static_cast<std::size_t>(precision), '0');
    if (!fraction.empty()) out += "." + fraction;
    if (at < s.size() && s[at] == ' ') ++at;
    if (at + 6 != s.size() || (s[at] != '+' && s[at] != '-') || !digits(at + 1, 2) ||
        s[at + 3] != ':' || !digits(at + 4, 2)) {
        return {};
    }
    out += ' ';
    out.append(s.substr(at, 6));
    return out;
}

std::string canonical_uuid(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

namespace {

constexpr std::size_t max_rowset = 1000;
constexpr std::size_t long_chunk = 64 * 1024;
// A long column (varchar(max), nvarchar(max), varbinary(max), text, blob) is bound in the
// rowset with this many bytes per value at first; a longer value teaches the table's reads a
// wider buffer (up to long_bound_max), past which its values are read one row at a time.
constexpr SQLLEN long_bound_first = 32 * 1024;
constexpr SQLLEN long_bound_max = SQLLEN{4} << 20;  // a learned width is at most this
// Parameter buffers of one insert call are capped; wider rows insert in smaller chunks.
constexpr std::size_t insert_buffer_budget = std::size_t{16} << 20;

/// Parses "HH:MM:SS[.fffffffff]" into the time part of a Timestamp; false if malformed.
bool parse_time(std::string_view s, Timestamp& t) {
    if (s.size() < 8 || s[2] != ':' || s[5] != ':') return false;
    auto two = [&](std::size_t p) { return (s[p] - '0') * 10 + (s[p + 1] - '0'); };
    t.hour = two(0);
    t.minute = two(3);
    t.second = two(6);
    t.nanosecond = 0;
    if (s.size() > 9 && s[8] == '.') {
        std::uint32_t ns = 0;
        std::size_t digits = 0;
        for (std::size_t i = 9; i < s.size() && digits < 9; ++i, ++digits) {
            if (s[i] < '0' || s[i] > '9') return false;
            ns = ns * 10 + static_cast<std::uint32_t>(s[i] - '0');
        }
        for (; digits < 9; ++digits) ns *= 10;
        t.nanosecond = ns;
    }
    return true;
}

/// Digits of a decimal text from its first non-zero digit to its last one ("0.0120" -> 2,
/// "1200" -> 2): how many a double must keep for the value to survive.
int significant_digits(std::string_view v) {
    int count = 0;
    int pending_zeros = 0;
    bool started = false;
    for (char c : v) {
        if (c < '0' || c > '9') continue;
        if (c == '0') {
            if (started) ++pending_zeros;
            continue;
        }
        count += started ? pending_zeros + 1 : 1;
        pending_zeros = 0;
        started = true;
    }
    return count;
}

/// A real (float4) column holds floats; drivers that parse the server's shortest float text
/// as a double (psqlODBC: "3.4028235e+38") land next to it, and rounding to float recovers it.
double as_float(double v) { return static_cast<double>(static_cast<float>(v)); }

std::string time_text(const Timestamp& t) {
    const std::string full = t.to_string();
    return full.substr(11);  // "HH:MM:SS[.fff...]"
}

}  // namespace

std::string normalize_decimal(std::string_view in) {
    std::string s(in);
    const std::size_t e = s.find_first_of("eE");
    if (e != std::string::npos) {
        // Exponent form (SQLite's REAL rendering): shift the point by the exponent.
        const int exp = std::stoi(s.substr(e + 1));
        std::string mant = s.substr(0, e);
        bool neg = false;
        if (!mant.empty() && (mant[0] == '-' || mant[0] == '+')) {
            neg = mant[0] == '-';
            mant.erase(0, 1);
        }
        std::size_t point = mant.find('.');
        if (point == std::string::npos) point = mant.size();
        std::string digits = mant.substr(0, point) + (point < mant.size() ? mant.substr(point + 1) : "");
        long pos = static_cast<long>(point) + exp;
        if (pos <= 0) {
            digits.insert(0, static_cast<std::size_t>(-pos) + 1, '0');
            pos = 1;
        } else if (pos > static_cast<long>(digits.size())) {
            digits.append(static_cast<std::size_t>(pos) - digits.size(), '0');
        }
        std::string out = digits.substr(0, static_cast<std::size_t>(pos));
        if (static_cast<std::size_t>(pos) < digits.size()) {
            out += "." + digits.substr(static_cast<std::size_t>(pos));
        }
        const std::size_t nz = out.find_first_not_of('0');
        if (nz == std::string::npos) {
            out = "0";
        } else if (nz > 0 && out[nz] != '.') {
            out.erase(0, nz);
        } else if (nz > 1 && out[nz] == '.') {
            out.erase(0, nz - 1);
        }
        return neg ? "-" + out : out;
    }
    if (!s.empty() && s[0] == '.') return "0" + s;
    if (s.size() > 1 && (s[0] == '-' || s[0] == '+') && s[1] == '.') return s.substr(0, 1) + "0" + s.substr(1);
    return s;
}

const Column* find_column(const Schema& columns, const std::string& name, const Dialect& dialect) {
    return replicate::detail::find_column(columns, name, dialect.case_sensitive_names());
}

bool tagged_double(std::string_view text, double& out) {
    if (text.size() < 2 || text[0] != 'r') return false;
    if (text == "rinf" || text == "r-inf") {
        out = text[1] == '-' ? -HUGE_VAL : HUGE_VAL;
        return true;
    }
    const std::size_t p = text.find('p');
    if (p == std::string_view::npos) return false;
    const std::string m(text.substr(1, p - 1));
    const std::string e(text.substr(p + 1));
    char* end_m = nullptr;
    char* end_e = nullptr;
    const long long mantissa = std::strtoll(m.c_str(), &end_m, 10);
    const long exponent = std::strtol(e.c_str(), &end_e, 10);
    if (m.empty() || e.empty() || *end_m != '\0' || *end_e != '\0') return false;
    // |mantissa| < 2^55: exact as a double; ldexp is exact for in-range results.
    out = std::ldexp(static_cast<double>(mantissa), static_cast<int>(exponent));
    return true;
}

std::string decimal_from_double(double v, int scale) {
    if (!std::isfinite(v)) {
        throw Error(ErrorKind::data, "a decimal column holds " + shortest_double(v) +
                                         ", which no decimal type can hold");
    }
    // A double that is (within one unit in the last place) the decimal with the column's scale
    // is that decimal: SQLite's own text-to-REAL conversion is not always correctly rounded,
    // so '123.45' may be stored one unit off. Only where that decimal has at most 15
    // significant digits, which a double always tells apart; anything else keeps every digit
    // of the double, and the target then refuses it rather than round it.
    scale = std::max(0, std::min(scale, 60));
    const int size = std::snprintf(nullptr, 0, "%.*f", scale, v);
    std::string fixed(static_cast<std::size_t>(size) + 1, '\0');
    std::snprintf(fixed.data(), fixed.size(), "%.*f", scale, v);
    fixed.pop_back();
    const int significant = significant_digits(fixed);
    if (significant <= 15) {
        const double back = std::strtod(fixed.c_str(), nullptr);
        if (back == v || std::nextafter(back, HUGE_VAL) == v || std::nextafter(back, -HUGE_VAL) == v) {
            if (significant == 0 && fixed[0] == '-') fixed.erase(0, 1);
            return normalize_decimal(fixed);
        }
    }
    return normalize_decimal(shortest_double(v));
}

std::u16string utf8_to_utf16(std::string_view in) {
    std::u16string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size();) {
        const auto b = static_cast<unsigned char>(in[i]);
        char32_t cp = 0;
        std::size_t n = 0;
        if (b < 0x80) {
            cp = b;
            n = 1;
        } else if ((b & 0xe0) == 0xc0) {
            cp = b & 0x1f;
            n = 2;
        } else if ((b & 0xf0) == 0xe0) {
            cp = b & 0x0f;
            n = 3;
        } else if ((b & 0xf8) == 0xf0) {
            cp = b & 0x07;
            n = 4;
        } else {
            throw Error(ErrorKind::data, "text is not valid UTF-8 (byte " + std::to_string(i) + ")");
        }
        if (i + n > in.size()) throw Error(ErrorKind::data, "text ends inside a UTF-8 sequence");
        for (std::size_t k = 1; k < n; ++k) {
            const auto c = static_cast<unsigned char>(in[i + k]);
            if ((c & 0xc0) != 0x80) {
                throw Error(ErrorKind::data, "text is not valid UTF-8 (byte " + std::to_string(i + k) + ")");
            }
            cp = (cp << 6) | (c & 0x3f);
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out.push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
            out.push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
        } else {
            out.push_back(static_cast<char16_t>(cp));
        }
        i += n;
    }
    return out;
}

std::string utf16_to_utf8(const char16_t* units, std::size_t count) {
    std::string out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        char32_t cp = units[i];
        if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < count && units[i + 1] >= 0xdc00 && units[i + 1] < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (units[i + 1] - 0xdc00);
            ++i;
        }
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else {
            out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        }
    }
    return out;
}

std::string shortest_double(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
    char buf[40];
    for (int digits = 15; digits <= 17; ++digits) {
        std::snprintf(buf, sizeof buf, "%.*g", digits, v);
        const double back = std::strtod(buf, nullptr);
        if (back == v && std::signbit(back) == std::signbit(v)) break;
    }
    return buf;
}

// ---- reader ------------------------------------------------------------------------------

OdbcBatchReader::OdbcBatchReader(Connection& conn, const Partition& partition, const Schema& schema,
                                 const ReadOptions& options)
    : conn_(conn),
      schema_(schema),
      options_(options),
      label_(partition.table.source.display() + " " + partition.label()),
      stmt_(conn.statement()) {
    if (options_.batch_rows == 0) options_.batch_rows = 1;
    // Bounded columns are bound; unbounded (long) ones are read with SQLGetData, which ODBC
    // allows only after the last bound column and, portably, one row at a time.
    Schema ordered;
    std::size_t row_width = 0;
    const bool enforced = conn.dialect().enforces_lengths();
    for (std::size_t i = 0; i < schema.size(); ++i) {
        const ColumnType& t = schema[i].type;
        SQLSMALLINT c_type = SQL_C_CHAR;
        SQLLEN width = 0;
        switch (t.type) {
        case Type::boolean:
        case Type::int8:
        case Type::int16:
        case Type::int32:
        case Type::int64:
            c_type = SQL_C_SBIGINT;
            width = sizeof(std::int64_t);
            break;
        case Type::float32:
        case Type::float64:
            // Never SQL_C_FLOAT: MariaDB Connector/ODBC corrupts memory on float array fetch.
            if (conn.dialect().floats_as_text()) {
                width = 48;
            } else {
                c_type = SQL_C_DOUBLE;
                width = sizeof(double);
            }
            break;
        case Type::date:
            c_type = SQL_C_TYPE_DATE;
            width = sizeof(SQL_DATE_STRUCT);
            break;
        case Type::timestamp:
            c_type = SQL_C_TYPE_TIMESTAMP;
            width = sizeof(SQL_TIMESTAMP_STRUCT);
            break;
        case Type::time: width = 32; break;  // text: SQL_TIME_STRUCT has no fraction
        case Type::decimal: width = t.precision > 0 ? t.precision + 32 : 200; break;
        case Type::text:
            if (conn.driver().wide_text) {
                // The declared length in UTF-16 units, plus the terminator: SQL Server's
                // nvarchar(n) holds n units and varchar(n) n bytes (at most n units in any
                // code page); where n counts characters (PostgreSQL, MariaDB) a character
                // outside the BMP takes two units.
                c_type = SQL_C_WCHAR;
                const SQLLEN units = static_cast<SQLLEN>(t.length) *
                                     conn.dialect().utf16_units_per_declared_character();
                width = t.length > 0 && enforced ? (units + 1) * 2 : 0;
            } else {
                // Up to 4 UTF-8 bytes per character, plus the terminator.
                width = t.length > 0 && enforced ? static_cast<SQLLEN>(t.length) * 4 + 1 : 0;
            }
            break;
        case Type::binary:
            c_type = SQL_C_BINARY;
            width = enforced ? static_cast<SQLLEN>(t.length) : 0;
            break;
        }
        std::string long_key;
        if (width == 0 && enforced && (t.type == Type::text || t.type == Type::binary)) {
            // A long column: bound in the rowset too, as wide as this table's reads learned
            // (LongValueWidths), so one varchar(max) no longer makes every fetch one row.
            long_key = partition.table.source.display() + "\n" + schema[i].name;
            ConnectionRegistry* registry = conn.registry();
            const std::optional<SQLLEN> learned =
                registry != nullptr ? registry->long_widths.get(long_key) : std::nullopt;
            if (registry != nullptr) width = learned.value_or(long_bound_first);
        }
        if (width == 0) {
            unbound_.push_back(Unbound{i, c_type});
        } else {
            bound_.push_back(Bound{i, c_type, width, {}, {}, long_key});
            row_width += static_cast<std::size_t>(width) + sizeof(SQLLEN);
        }
    }
    // Some column read one row at a time makes every fetch one row: a long column bound in it
    // would gain nothing and could only overflow, so it is read that way too.
    if (!unbound_.empty()) {
        std::vector<Bound> kept;
        for (Bound& b : bound_) {
            if (b.long_key.empty()) {
                kept.push_back(std::move(b));
            } else {
                row_width -= static_cast<std::size_t>(b.width) + sizeof(SQLLEN);
                unbound_.push_back(Unbound{b.column, b.c_type});
            }
        }
        bound_ = std::move(kept);
        // SQLGetData reads unbound columns in ascending order: keep the schema's order.
        std::sort(unbound_.begin(), unbound_.end(),
                  [](const Unbound& a, const Unbound& b) { return a.column < b.column; });
    }
    for (const Bound& b : bound_) ordered.push_back(schema[b.column]);
    for (const Unbound& u : unbound_) ordered.push_back(schema[u.column]);

    if (unbound_.empty()) {
        const std::size_t by_bytes = std::max<std::size_t>(1, options_.batch_bytes / 4 /
                                                                  std::max<std::size_t>(1, row_width));
        rowset_ = std::min({max_rowset, options_.batch_rows, by_bytes});
    } else {
        rowset_ = 1;
        chunk_.resize(long_chunk);
    }

    const Dialect& d = conn.dialect();
    const TableSpec& spec = partition.table;
    const std::string column = partition.whole_table() ? std::string() : spec.partition_column;
    const bool literal = partition.range() && conn.driver().streams_only_without_parameters;
    const std::pair<Timestamp, Timestamp> bounds =
        partition.range() ? column_bounds(partition) : std::pair<Timestamp, Timestamp>{};
    const RowFilter filter = partition.null_dates() ? RowFilter::is_null : RowFilter::range;
    const std::pair<Timestamp, Timestamp>* literal_bounds = literal ? &bounds : nullptr;
    sql_ = d.select(spec.source, ordered, column, filter, literal_bounds);
    if (partition.range() && !literal) {
        // The column select() compares, found by the same rule.
        const Column* col = find_column(schema, column, d);
        const ColumnType ct = col != nullptr ? col->type : ColumnType{Type::timestamp};
        const RangeBinding binding = d.range_binding(ct);
        params_.add_bound(bounds.first, binding, ct);
        params_.add_bound(bounds.second, binding, ct);
    }

    // A driver that keeps whole results in memory reads the partition in primary-key order,
    // a bounded number of rows per query, all in one snapshot: the rows are those one query
    // would return, and memory stays bounded by the chunk.
    if (conn.driver().buffers_results) {
        std::vector<std::pair<int, std::size_t>> key;
        for (std::size_t i = 0; i < schema.size(); ++i) {
            if (schema[i].key_position > 0) key.emplace_back(schema[i].key_position, i);
        }
        std::sort(key.begin(), key.end());
        const bool all_bound = std::all_of(key.begin(), key.end(), [&](const auto& k) {
            return std::any_of(bound_.begin(), bound_.end(), [&](const Bound& b) { return b.column == k.second; });
        });
        if (!key.empty() && all_bound) {
            chunked_ = true;
            std::string keys;
            std::string marks;
            for (const auto& k : key) {
                key_columns_.push_back(k.second);
                keys += (keys.empty() ? "" : ", ") + d.quote(schema[k.second].name);
                marks += marks.empty() ? "?" : ", ?";
            }
            const std::size_t width = std::max<std::size_t>(1, row_width + unbound_.size() * 256);
            chunk_rows_ = std::clamp<std::size_t>(options_.batch_bytes / width, 1000, 50000);
            const std::string order = " ORDER BY " + keys + " " + d.limit_clause(chunk_rows_);
            const std::string after = key.size() == 1 ? keys + " > ?" : "(" + keys + ") > (" + marks + ")";
            // A whole table's SELECT has no WHERE clause of its own.
            const std::string next = (column.empty() ? " WHERE " : " AND ") + after;
            sql_ = d.select(spec.source, ordered, column, filter, literal_bounds, order);
            next_sql_ = d.select(spec.source, ordered, column, filter, literal_bounds, next + order);
            for (const std::string& stmt : d.snapshot_begin()) conn_.execute(stmt);
            snapshot_ = true;
        } else {
            REPLICATE_LOG(warning) << label_ << ": no primary key to read it in chunks; the driver ("
                                   << conn.info().driver_name << ") holds the whole partition in memory";
        }
    }

    const SQLHSTMT h = stmt_.get();
    conn_.check(SQLSetStmtAttr(h, SQL_ATTR_ROW_BIND_TYPE,
                               reinterpret_cast<SQLPOINTER>(SQL_BIND_BY_COLUMN), 0),
                SQL_HANDLE_STMT, h, "cannot set column-wise binding");
    conn_.check(SQLSetStmtAttr(h, SQL_ATTR_ROW_ARRAY_SIZE, reinterpret_cast<SQLPOINTER>(rowset_), 0),
                SQL_HANDLE_STMT, h, "cannot set the fetch size");
    status_.resize(rowset_);
    conn_.check(SQLSetStmtAttr(h, SQL_ATTR_ROW_STATUS_PTR, status_.data(), 0), SQL_HANDLE_STMT, h,
                "cannot set the row status array");
    conn_.check(SQLSetStmtAttr(h, SQL_ATTR_ROWS_FETCHED_PTR, &fetched_, 0), SQL_HANDLE_STMT, h,
                "cannot set the rows-fetched pointer");
    SQLUSMALLINT n = 0;
    for (Bound& b : bound_) {
        ++n;
        b.buffer.resize(static_cast<std::size_t>(b.width) * rowset_);
        b.indicator.resize(rowset_);
        conn_.check(SQLBindCol(h, n, b.c_type, b.buffer.data(), b.width, b.indicator.data()),
                    SQL_HANDLE_STMT, h, "cannot bind column " + schema[b.column].name);
    }
    REPLICATE_LOG(debug) << label_ << ": " << sql_ << " (rowset " << rowset_ << ")";
    execute_query();
}

OdbcBatchReader::~OdbcBatchReader() {
    if (!snapshot_) return;
    try {
        SQLFreeStmt(stmt_.get(), SQL_CLOSE);  // an open result would block the COMMIT
        for (const std::string& stmt : conn_.dialect().snapshot_end()) conn_.execute(stmt);
    } catch (const std::exception& e) {
        REPLICATE_LOG(debug) << label_ << ": ending the read snapshot failed: " << e.what();
    }
}

void OdbcBatchReader::execute_query() {
    const SQLHSTMT h = stmt_.get();
    const bool again = chunked_ && !last_key_.empty();
    SQLFreeStmt(h, SQL_CLOSE);
    SQLFreeStmt(h, SQL_RESET_PARAMS);
    if (again) {
        Params all = params_;
        for (const std::string& k : last_key_) all.add_text(k);
        key_params_ = std::move(all);
        key_params_.bind(h, conn_);
    } else if (!params_.empty()) {
        params_.bind(h, conn_);
    }
    chunk_read_ = 0;
    const std::string& sql = again ? next_sql_ : sql_;
    const Connection::Running running(conn_, h);
    conn_.check(conn_.exec_direct(h, sql), SQL_HANDLE_STMT, h,
                "reading " + label_ + " failed");
}

bool OdbcBatchReader::fetch_rowset() {
    position_ = 0;
    fetched_ = 0;
    SQLRETURN rc = SQL_NO_DATA;
    {
        const Connection::Running running(conn_, stmt_.get());
        rc = SQLFetch(stmt_.get());
    }
    if (rc == SQL_NO_DATA && chunked_ && chunk_read_ >= chunk_rows_) {
        // A full chunk: the next one starts after the last key read.
        execute_query();
        const Connection::Running running(conn_, stmt_.get());
        rc = SQLFetch(stmt_.get());
    }
    if (rc == SQL_NO_DATA) {
        exhausted_ = true;
        return false;
    }
    conn_.check(rc, SQL_HANDLE_STMT, stmt_.get(), "reading " + label_ + " failed");
    chunk_read_ += fetched_;
    return fetched_ > 0;
}

void OdbcBatchReader::truncated(std::size_t column, SQLLEN length) const {
    std::ostringstream os;
    os << label_ << ", row " << rows_read_ + 1 << ", column '" << schema_[column].name
       << "': value of " << (length == SQL_NO_TOTAL ? std::string("unknown") : std::to_string(length))
       << " bytes is longer than the " << schema_[column].type
       << " the driver reported; nothing was truncated, the partition was stopped";
    throw Error(ErrorKind::data, os.str());
}

namespace {
/// The width a long column's buffer needs next for a value of \p length bytes that did not fit
/// \p width: a power of two above it, up to long_bound_max; past that, or where the driver
/// cannot say how long the value is and the buffer is already the widest, 0 (one row at a time).
/// Four times the reported length: not every driver reports a cut value's whole length
/// (MariaDB Connector/ODBC does not for SQL_C_WCHAR; msodbcsql says SQL_NO_TOTAL), so one
/// retry should reach it or go to reading row by row, which holds any length.
SQLLEN next_long_width(SQLLEN width, SQLLEN length) {
    (void)width;
    if (length == SQL_NO_TOTAL || length > long_bound_max / 4) return 0;
    SQLLEN next = long_bound_first;
    while (next < 4 * (length + 2)) next *= 2;
    return next;
}
}  // namespace

void OdbcBatchReader::long_value_overflow(const Bound& b, SQLLEN length) const {
    const SQLLEN next = next_long_width(b.width, length);
    // Every long column of the fetched rowset learns at once, so one attempt more suffices.
    if (ConnectionRegistry* registry = conn_.registry()) {
        for (const Bound& other : bound_) {
            if (other.long_key.empty()) continue;
            bool overflowed = false;
            SQLLEN widest = 0;
            for (SQLULEN r = 0; r < fetched_; ++r) {
                const SQLLEN ind = other.indicator[r];
                const SQLLEN room = other.width - (other.c_type == SQL_C_BINARY ? 0 : 1);
                if (ind == SQL_NULL_DATA || (ind != SQL_NO_TOTAL && ind <= room)) continue;
                const SQLLEN w = next_long_width(other.width, ind);
                if (overflowed && (w == 0 || widest == 0)) {
                    widest = 0;
                } else {
                    widest = overflowed ? std::max(widest, w) : w;
                }
                overflowed = true;
            }
            if (!overflowed && &other == &b) {  // not in the rowset's indicators: as found
                overflowed = true;
                widest = next;
            }
            if (overflowed) registry->long_widths.set(other.long_key, widest);
        }
    }
    std::ostringstream os;
    os << label_ << ", row " << rows_read_ + 1 << ", column '" << schema_[b.column].name
       << "': a value of "
       << (length == SQL_NO_TOTAL ? std::string("unknown length")
                                  : std::to_string(length) + " bytes")
       << " is longer than the " << b.width
       << "-byte rowset buffer; nothing was cut: the partition is read "
       << "again, "
       << (next > 0 ? "with " + std::to_string(next) + "-byte buffers"
                    : std::string("one row at a time"));
    throw Error(ErrorKind::transient, os.str(), std::string(read_again_sqlstate));
}

void OdbcBatchReader::append_row(Batch& batch, SQLULEN r) {
    if (status_[r] == SQL_ROW_ERROR) {
        // FreeTDS marks a row whose long binary value did not fit its buffer as an error.
        for (const Bound& b : bound_) {
            const SQLLEN ind = b.indicator[r];
            if (!b.long_key.empty() && ind != SQL_NULL_DATA &&
                (ind == SQL_NO_TOTAL || ind > b.width - (b.c_type == SQL_C_BINARY ? 0 : 1))) {
                long_value_overflow(b, ind);
            }
        }
        throw Error(ErrorKind::data, label_ + ", row " + std::to_string(rows_read_ + 1) +
                                         ": the driver could not read this row");
    }
    for (const Bound& b : bound_) {
        ColumnData& col = batch.column(b.column);
        const SQLLEN ind = b.indicator[r];
        if (ind == SQL_NULL_DATA) {
            col.append_null();
            continue;
        }
        const char* p = b.buffer.data() + static_cast<std::size_t>(b.width) * r;
        switch (b.c_type) {
        case SQL_C_SBIGINT: {
            std::int64_t v;
            std::memcpy(&v, p, sizeof v);
            col.append_int(v);
            break;
        }
        case SQL_C_DOUBLE: {
            double v;
            std::memcpy(&v, p, sizeof v);
            col.append_double(schema_[b.column].type.type == Type::float32 ? as_float(v) : v);
            break;
        }
        case SQL_C_TYPE_DATE: {
            SQL_DATE_STRUCT d;
            std::memcpy(&d, p, sizeof d);
            col.append_timestamp(Timestamp{Date{d.year, d.month, d.day}});
            break;
        }
        case SQL_C_TYPE_TIMESTAMP: {
            SQL_TIMESTAMP_STRUCT t;
            std::memcpy(&t, p, sizeof t);
            col.append_timestamp(Timestamp{Date{t.year, t.month, t.day}, t.hour, t.minute,
                                           t.second, t.fraction});
            break;
        }
        case SQL_C_BINARY:
            if ((ind == SQL_NO_TOTAL || ind > b.width) && !b.long_key.empty())
                long_value_overflow(b, ind);
            if (ind == SQL_NO_TOTAL || ind > b.width) truncated(b.column, ind);
            col.append_bytes(std::string_view(p, static_cast<std::size_t>(ind)));
            break;
        case SQL_C_WCHAR: {
            if ((ind == SQL_NO_TOTAL || ind >= b.width) && !b.long_key.empty())
                long_value_overflow(b, ind);
            if (ind == SQL_NO_TOTAL || ind >= b.width) truncated(b.column, ind);
            std::u16string units(static_cast<std::size_t>(ind) / 2, u'\0');
            std::memcpy(units.data(), p, units.size() * 2);
            const std::string text = utf16_to_utf8(units.data(), units.size());
            if (schema_[b.column].type.text_kind != ColumnType::TextKind::plain) {
                col.append_bytes(kind_text(b.column, text));
            } else {
                col.append_bytes(text);
            }
            break;
        }
        default: {  // SQL_C_CHAR
            if ((ind == SQL_NO_TOTAL || ind >= b.width) && !b.long_key.empty())
                long_value_overflow(b, ind);
            if (ind == SQL_NO_TOTAL || ind >= b.width) truncated(b.column, ind);
            const std::string_view text(p, static_cast<std::size_t>(ind));
            const ColumnType& ct = schema_[b.column].type;
            const Type type = ct.type;
            double exact = 0;
            if (type == Type::decimal) {
                col.append_bytes(tagged_double(text, exact) ? decimal_from_double(exact, ct.scale)
                                                            : normalize_decimal(text));
            } else if (type == Type::float32 || type == Type::float64) {
                double v = 0;
                if (tagged_double(text, exact)) {
                    v = exact;
                } else {
                    const std::string digits(text);
                    char* end = nullptr;
                    v = std::strtod(digits.c_str(), &end);
                    if (end == digits.c_str() || *end != '\0') {
                        throw Error(ErrorKind::data, label_ + ", column '" + schema_[b.column].name +
                                                         "': '" + digits + "' is not a number");
                    }
                }
                col.append_double(type == Type::float32 ? as_float(v) : v);
            } else if (type == Type::time) {
                Timestamp t;
                if (!parse_time(text, t)) {
                    throw Error(ErrorKind::data, label_ + ", column '" + schema_[b.column].name +
                                                     "': '" + std::string(text) +
                                                     "' is not a time of day");
                }
                col.append_timestamp(t);
            } else if (ct.text_kind != ColumnType::TextKind::plain) {
                col.append_bytes(kind_text(b.column, text));
            } else {
                col.append_bytes(text);
            }
        }
        }
    }
    for (const Unbound& u : unbound_) append_long(batch, u);
    ++rows_read_;
}

std::string OdbcBatchReader::kind_text(std::size_t column, std::string_view text) const {
    const ColumnType& t = schema_[column].type;
    if (t.text_kind == ColumnType::TextKind::uuid) return canonical_uuid(text);
    if (t.text_kind == ColumnType::TextKind::datetimeoffset) {
        std::string out = canonical_datetimeoffset(text, t.precision);
        if (out.empty()) {
            throw Error(ErrorKind::data, label_ + ", row " + std::to_string(rows_read_ + 1) +
                                             ", column '" + schema_[column].name +
                                             "': the driver gave '" + std::string(text) +
                                             "', which is no datetimeoffset");
        }
        return out;
    }
    return std::string(text);
}

void OdbcBatchReader::remember_last_key(const Batch& batch) {
    last_key_.clear();
    const std::size_t row = batch.rows() - 1;
    for (std::size_t k : key_columns_) {
        const ColumnData& col = batch.column(k);
        switch (schema_[k].type.type) {
        case Type::boolean:
        case Type::int8:
        case Type::int16:
        case Type::int32:
        case Type::int64: last_key_.push_back(std::to_string(col.int_at(row))); break;
        case Type::float32:
        case Type::float64: last_key_.push_back(shortest_double(col.double_at(row))); break;
        case Type::date: last_key_.push_back(col.timestamp_at(row).date.to_string()); break;
        case Type::time: last_key_.push_back(time_text(col.timestamp_at(row))); break;
        case Type::timestamp: last_key_.push_back(col.timestamp_at(row).to_string()); break;
        default: last_key_.emplace_back(col.bytes_at(row)); break;
        }
    }
}

void OdbcBatchReader::append_long(Batch& batch, const Unbound& u) {
    const SQLUSMALLINT n = static_cast<SQLUSMALLINT>(bound_.size() + 1 +
                                                     static_cast<std::size_t>(&u - unbound_.data()));
    std::string value;
    bool null = false;
    const bool text = u.c_type == SQL_C_CHAR || u.c_type == SQL_C_WCHAR;
    for (;;) {
        SQLLEN ind = 0;
        const SQLRETURN rc = SQLGetData(stmt_.get(), n, u.c_type, chunk_.data(),
                                        static_cast<SQLLEN>(chunk_.size()), &ind);
        if (rc == SQL_NO_DATA) break;
        conn_.check(rc, SQL_HANDLE_STMT, stmt_.get(),
                    "reading " + label_ + ", column '" + schema_[u.column].name + "' failed");
        if (ind == SQL_NULL_DATA) {
            null = true;
            break;
        }
        const std::size_t room = chunk_.size() - (u.c_type == SQL_C_WCHAR ? 2 : text ? 1 : 0);
        const bool more = rc == SQL_SUCCESS_WITH_INFO &&
                          (ind == SQL_NO_TOTAL || static_cast<std::size_t>(ind) > room);
        value.append(chunk_.data(), more ? room : static_cast<std::size_t>(ind));
        if (!more) break;
    }
    ColumnData& col = batch.column(u.column);
    if (!null && u.c_type == SQL_C_WCHAR) {
        std::u16string units(value.size() / 2, u'\0');
        std::memcpy(units.data(), value.data(), units.size() * 2);
        value = utf16_to_utf8(units.data(), units.size());
    }
    if (null) {
        col.append_null();
    } else if (schema_[u.column].type.type == Type::decimal) {
        double exact = 0;
        col.append_bytes(tagged_double(value, exact)
                             ? decimal_from_double(exact, schema_[u.column].type.scale)
                             : normalize_decimal(value));
    } else {
        col.append_bytes(value);
    }
}

bool OdbcBatchReader::next(Batch& batch) {
    batch.clear();
    while (batch.rows() < options_.batch_rows && batch.byte_size() < options_.batch_bytes) {
        if (position_ >= fetched_) {
            if (exhausted_ || !fetch_rowset()) break;
        }
        const std::size_t before = batch.rows();
        while (position_ < fetched_ && batch.rows() < options_.batch_rows) {
            if (status_[position_] != SQL_ROW_NOROW) append_row(batch, position_);
            ++position_;
        }
        // Once per rowset, not per row: the next chunk starts after the last row read.
        if (chunked_ && batch.rows() > before) remember_last_key(batch);
    }
    return batch.rows() > 0;
}

// ---- inserter ----------------------------------------------------------------------------

namespace {
/// The INSERT for \p schema's columns into \p table, each value's marker as the dialect wants it
/// for the target column of that name (Dialect::value_parameter).
std::string insert_statement(const Dialect& d, const QualifiedName& table, const Schema& schema,
                             const Schema& target_schema, bool table_lock) {
    std::vector<std::string> markers;
    for (const Column& c : schema) {
        const Column* t = find_column(target_schema, c.name, d);
        markers.push_back(d.value_parameter(t != nullptr ? &t->type : nullptr));
    }
    return d.insert(table, schema, table_lock, &markers);
}
}  // namespace

Inserter::Inserter(Connection& conn, const QualifiedName& table, const Schema& schema,
                   std::string label, Schema target_schema, bool table_lock)
    : conn_(conn),
      table_(table),
      schema_(schema),
      target_schema_(std::move(target_schema)),
      label_(std::move(label)),
      sql_(insert_statement(conn.dialect(), table, schema, target_schema_, table_lock)),
      stmt_(conn.statement()) {
    const bool text_times = conn.dialect().timestamps_as_text();
    for (const Column& c : schema_) {
        // The target column of the same name, by the rule validation used.
        const Column* target = find_column(target_schema_, c.name, conn.dialect());
        target_columns_.push_back(target);
        const NumberStorage numbers = conn.dialect().number_storage(target ? target->type : c.type);
        const ColumnType& t = c.type;
        Param p{SQL_C_CHAR, SQL_VARCHAR, 0, 0, Text::raw};
        switch (t.type) {
        case Type::boolean: p = {SQL_C_SBIGINT, SQL_BIT, 1, 0}; break;
        // SQL_TINYINT is unsigned on SQL Server (0..255): a signed 8-bit source (-128..127)
        // goes as smallint, which every target's column for it holds.
        case Type::int8:
            p = t.is_unsigned ? Param{SQL_C_SBIGINT, SQL_TINYINT, 3, 0}
                              : Param{SQL_C_SBIGINT, SQL_SMALLINT, 5, 0};
            break;
        case Type::int16: p = {SQL_C_SBIGINT, SQL_SMALLINT, 5, 0}; break;
        case Type::int32: p = {SQL_C_SBIGINT, SQL_INTEGER, 10, 0}; break;
        case Type::int64: p = {SQL_C_SBIGINT, SQL_BIGINT, 19, 0}; break;
        case Type::float32:
        case Type::float64: {
            const bool single = t.type == Type::float32;
            p = numbers == NumberStorage::text
                    ? Param{SQL_C_CHAR, SQL_VARCHAR, 32, 0, Text::number}
                    : Param{SQL_C_DOUBLE, single ? SQLSMALLINT{SQL_REAL} : SQLSMALLINT{SQL_DOUBLE},
                            single ? SQLULEN{7} : SQLULEN{15}, 0};
            break;
        }
        case Type::decimal:
            switch (numbers) {
            case NumberStorage::text:
                p = {SQL_C_CHAR, SQL_VARCHAR, static_cast<SQLULEN>(t.precision + 2), 0};
                break;
            case NumberStorage::binary_double:
                p = {SQL_C_DOUBLE, SQL_DOUBLE, 15, 0, Text::decimal_as_double};
                break;
            case NumberStorage::native:
                p = {SQL_C_CHAR, SQL_DECIMAL, static_cast<SQLULEN>(t.precision > 0 ? t.precision : 38),
                     static_cast<SQLSMALLINT>(t.scale)};
                break;
            }
            break;
        case Type::date:
            p = text_times ? Param{SQL_C_CHAR, SQL_VARCHAR, 10, 0, Text::datetime}
                           : Param{SQL_C_TYPE_DATE, SQL_TYPE_DATE, 10, 0};
            break;
        case Type::timestamp:
            p = text_times ? Param{SQL_C_CHAR, SQL_VARCHAR, 29, 0, Text::datetime}
                           : Param{SQL_C_TYPE_TIMESTAMP, SQL_TYPE_TIMESTAMP,
                                   static_cast<SQLULEN>(t.precision > 0 ? 20 + t.precision : 19),
                                   static_cast<SQLSMALLINT>(t.precision)};
            break;
        case Type::time:
            p = text_times ? Param{SQL_C_CHAR, SQL_VARCHAR, 18, 0, Text::datetime}
                           : Param{SQL_C_CHAR, conn.driver().time_sql_type,
                                   static_cast<SQLULEN>(t.precision > 0 ? 9 + t.precision : 8),
                                   static_cast<SQLSMALLINT>(t.precision), Text::datetime};
            break;
        case Type::text:
            if (conn.driver().wide_text) {
                p = {SQL_C_WCHAR,
                     t.length == 0 ? SQLSMALLINT{SQL_WLONGVARCHAR} : SQLSMALLINT{SQL_WVARCHAR},
                     static_cast<SQLULEN>(t.length), 0, Text::utf16};
                // Text into a uniqueidentifier column is declared SQL_GUID: the driver converts
                // it (Converting data from C to SQL data types). A datetimeoffset column gets its
                // text through the dialect's CAST in the statement (value_parameter()): FreeTDS
                // cannot convert text with an offset into a datetimeoffset parameter (22018).
                if (target != nullptr && target->type.text_kind == ColumnType::TextKind::uuid) {
                    p = {SQL_C_WCHAR, SQL_GUID, 36, 0, Text::utf16};
                }
            } else {
                p = {SQL_C_CHAR,
                     t.length == 0 ? SQLSMALLINT{SQL_LONGVARCHAR} : SQLSMALLINT{SQL_VARCHAR},
                     static_cast<SQLULEN>(t.length), 0};
            }
            break;
        case Type::binary:
            p = {SQL_C_BINARY,
                 t.length == 0 ? SQLSMALLINT{SQL_LONGVARBINARY}
                               : (t.fixed_length ? SQLSMALLINT{SQL_BINARY} : SQLSMALLINT{SQL_VARBINARY}),
                 static_cast<SQLULEN>(t.length), 0};
            break;
        }
        // An integer into a boolean column (a MariaDB tinyint(1) flag into PostgreSQL boolean)
        // goes as a bit; check_decimals() refuses values other than 0 and 1.
        if (target && target->type.type == Type::boolean && p.c_type == SQL_C_SBIGINT) {
            p = {SQL_C_SBIGINT, SQL_BIT, 1, 0};
        }
        p.base_type = p.sql_type;
        params_.push_back(std::move(p));
    }
    conn_.check(conn_.prepare(stmt_.get(), sql_), SQL_HANDLE_STMT, stmt_.get(),
                "cannot prepare the insert into " + table_.display());
}

void Inserter::check_timestamps(const Batch& batch) const {
    const bool end_of_day = conn_.dialect().holds_end_of_day();
    for (std::size_t c = 0; c < schema_.size(); ++c) {
        if (schema_[c].type.type == Type::time && !end_of_day) {
            // PostgreSQL's time holds 24:00:00; SQL Server's ends at 23:59:59.9999999, and a
            // server may wrap 24:00:00 to 00:00:00 (Babelfish does) instead of refusing it.
            const ColumnData& col = batch.column(c);
            for (std::size_t r = 0; r < batch.rows(); ++r) {
                if (!col.is_null(r) && col.timestamp_at(r).hour > 23) {
                    refuse(r, c,
                           time_text(col.timestamp_at(r)) + " is past the last time of day " +
                               table_.display() +
                               " can hold (23:59:59.9999999); nothing was written");
                }
            }
            continue;
        }
        if (schema_[c].type.type != Type::timestamp) continue;
        const Column* target = target_columns_[c];
        if (target == nullptr || target->type.type != Type::timestamp) continue;
        const ColumnData& col = batch.column(c);
        for (std::size_t r = 0; r < batch.rows(); ++r) {
            if (col.is_null(r)) continue;
            const std::string why = replicate::detail::timestamp_misfit(col.timestamp_at(r), *target);
            if (!why.empty()) refuse(r, c, why);
        }
    }
}

void Inserter::refuse(std::size_t row, std::size_t column, const std::string& why) const {
    std::ostringstream os;
    os << "writing " << label_ << " into " << table_.display() << ", row "
       << rows_ + static_cast<std::int64_t>(row) + 1 << ", column '" << schema_[column].name
       << "': " << why;
    throw Error(ErrorKind::data, os.str());
}

void Inserter::check_decimals(const Batch& batch) const {
    for (std::size_t c = 0; c < schema_.size(); ++c) {
        if (params_[c].sql_type == SQL_BIT && schema_[c].type.type != Type::boolean) {
            const ColumnData& col = batch.column(c);
            for (std::size_t r = 0; r < batch.rows(); ++r) {
                if (!col.is_null(r) && col.int_at(r) != 0 && col.int_at(r) != 1) {
                    refuse(r, c, std::to_string(col.int_at(r)) + " is not 0 or 1, and target column " +
                                     schema_[c].name + " is boolean");
                }
            }
        }
        if (schema_[c].type.type != Type::decimal) continue;
        const Column* target = target_columns_[c];
        const ColumnData& col = batch.column(c);
        const bool to_double = params_[c].text == Text::decimal_as_double;
        const bool to_decimal = target != nullptr && target->type.type == Type::decimal &&
                                target->type.precision > 0 && !to_double &&
                                params_[c].sql_type == SQL_DECIMAL;
        if (!to_double && !to_decimal) continue;
        for (std::size_t r = 0; r < batch.rows(); ++r) {
            if (col.is_null(r)) continue;
            const std::string_view v = col.bytes_at(r);
            if (to_double) {
                const int significant = significant_digits(v);
                if (significant > 15) {
                    refuse(r, c, std::string(v) + " has " + std::to_string(significant) +
                                     " significant digits; " + target->type.native_name +
                                     " holds numbers exactly up to 15. Nothing was rounded. Set "
                                     "[target] decimal_storage = \"text\" to keep such values "
                                     "as exact text (compared as text), or use another target");
                }
                continue;
            }
            const std::string why = replicate::detail::decimal_misfit(v, *target);
            if (!why.empty()) refuse(r, c, why);
        }
    }
}

void Inserter::insert(const Batch& batch) {
    if (batch.rows() == 0) return;
    check_timestamps(batch);
    check_decimals(batch);
    // A date the driver would encode wrongly from its struct (DriverQuirks::
    // struct_dates_exact_from) sends its column as ISO text for this batch.
    const int exact_from = conn_.driver().struct_dates_exact_from;
    std::vector<std::pair<std::size_t, Param>> restore;
    for (std::size_t c = 0; exact_from != 0 && c < params_.size(); ++c) {
        Param& p = params_[c];
        if (p.c_type != SQL_C_TYPE_DATE && p.c_type != SQL_C_TYPE_TIMESTAMP) continue;
        const ColumnData& col = batch.column(c);
        bool early = false;
        for (std::size_t r = 0; r < batch.rows() && !early; ++r) {
            if (col.is_null(r)) continue;
            const Date& d = col.timestamp_at(r).date;
            early = d.year * 10000 + d.month * 100 + d.day < exact_from;
        }
        if (!early) continue;
        Param text{SQL_C_CHAR, SQL_VARCHAR, 27, 0, Text::iso_datetime};
        text.base_type = SQL_VARCHAR;
        restore.emplace_back(c, std::move(p));
        p = std::move(text);
    }
    try {
        insert_rows(batch);
    } catch (...) {
        for (auto& [c, p] : restore) params_[c] = std::move(p);
        throw;
    }
    for (auto& [c, p] : restore) params_[c] = std::move(p);
}

void Inserter::insert_rows(const Batch& batch) {
    const std::size_t n = batch.rows();
    // Rows go in chunks whose buffers stay within the budget; each variable-length column is
    // as wide as its longest value in the chunk, so one long value widens only its chunk.
    const std::size_t cols = params_.size();
    std::vector<std::size_t> widths(cols);
    std::vector<bool> variable(cols);
    for (std::size_t c = 0; c < cols; ++c) {
        variable[c] = params_[c].c_type != SQL_C_SBIGINT && params_[c].c_type != SQL_C_DOUBLE &&
                      params_[c].c_type != SQL_C_TYPE_DATE &&
                      params_[c].c_type != SQL_C_TYPE_TIMESTAMP &&
                      params_[c].text != Text::datetime && params_[c].text != Text::number &&
                      params_[c].text != Text::iso_datetime;
    }
    for (std::size_t begin = 0; begin < n;) {
        std::size_t row_width = cols * sizeof(SQLLEN);
        for (std::size_t c = 0; c < cols; ++c) {
            widths[c] = variable[c] ? 1 : width_of(batch, c, begin);
            row_width += widths[c];
        }
        std::size_t end = begin;
        while (end < n) {
            std::size_t grown = row_width;
            for (std::size_t c = 0; c < cols; ++c) {
                if (!variable[c]) continue;
                const std::size_t w = width_of(batch, c, end);
                if (w > widths[c]) grown += w - widths[c];
            }
            if (end > begin && grown * (end - begin + 1) > insert_buffer_budget) break;
            for (std::size_t c = 0; c < cols; ++c) {
                if (variable[c]) widths[c] = std::max(widths[c], width_of(batch, c, end));
            }
            row_width = grown;
            ++end;
        }
        for (std::size_t c = 0; c < cols; ++c) params_[c].width = static_cast<SQLLEN>(widths[c]);
        execute_chunk(batch, begin, end);
        begin = end;
    }
}

std::size_t Inserter::width_of(const Batch& batch, std::size_t c, std::size_t r) const {
    const Param& p = params_[c];
    switch (p.c_type) {
    case SQL_C_SBIGINT: return sizeof(std::int64_t);
    case SQL_C_DOUBLE: return sizeof(double);
    case SQL_C_TYPE_DATE: return sizeof(SQL_DATE_STRUCT);
    case SQL_C_TYPE_TIMESTAMP: return sizeof(SQL_TIMESTAMP_STRUCT);
    default: break;
    }
    if (p.text == Text::datetime || p.text == Text::number || p.text == Text::iso_datetime)
        return 40;
    const ColumnData& col = batch.column(c);
    const std::size_t len = col.is_null(r) ? 0 : col.bytes_at(r).size();
    // UTF-16 needs at most 2 bytes per UTF-8 byte.
    return p.text == Text::utf16 ? 2 * len + 2 : len + 1;
}

void Inserter::execute_chunk(const Batch& batch, std::size_t begin, std::size_t end) {
    const std::size_t rows = end - begin;
    for (std::size_t c = 0; c < params_.size(); ++c) {
        Param& p = params_[c];
        const ColumnData& col = batch.column(c);
        char* const buffer = p.reserve(static_cast<std::size_t>(p.width) * rows);
        p.indicator.assign(rows, 0);
        p.column_size = p.size;
        for (std::size_t i = 0; i < rows; ++i) {
            const std::size_t r = begin + i;
            char* dst = buffer + static_cast<std::size_t>(p.width) * i;
            if (col.is_null(r)) {
                p.indicator[i] = SQL_NULL_DATA;
                continue;
            }
            switch (p.c_type) {
            case SQL_C_SBIGINT: {
                const std::int64_t v = col.int_at(r);
                std::memcpy(dst, &v, sizeof v);
                break;
            }
            case SQL_C_DOUBLE: {
                double v = 0;
                if (p.text == Text::decimal_as_double) {
                    // At most 15 significant digits (check_decimals): strtod's correctly
                    // rounded double gives the same digits back.
                    // Canonical decimal text of at most 15 significant digits: no allocation.
                    const std::string_view digits = col.bytes_at(r);
                    char text[128];
                    const std::size_t len = std::min(digits.size(), sizeof text - 1);
                    std::memcpy(text, digits.data(), len);
                    text[len] = '\0';
                    v = std::strtod(text, nullptr);
                } else {
                    v = col.double_at(r);
                    if (std::isnan(v) && !conn_.dialect().holds_nan()) {
                        refuse(i, c, "NaN cannot be stored in " + table_.display() +
                                         " (the DBMS would store NULL); nothing was written");
                    }
                }
                std::memcpy(dst, &v, sizeof v);
                break;
            }
            case SQL_C_TYPE_DATE: {
                const Date& d = col.timestamp_at(r).date;
                const SQL_DATE_STRUCT st{static_cast<SQLSMALLINT>(d.year),
                                         static_cast<SQLUSMALLINT>(d.month),
                                         static_cast<SQLUSMALLINT>(d.day)};
                std::memcpy(dst, &st, sizeof st);
                break;
            }
            case SQL_C_TYPE_TIMESTAMP: {
                const Timestamp& t = col.timestamp_at(r);
                SQL_TIMESTAMP_STRUCT st{};
                st.year = static_cast<SQLSMALLINT>(t.date.year);
                st.month = static_cast<SQLUSMALLINT>(t.date.month);
                st.day = static_cast<SQLUSMALLINT>(t.date.day);
                st.hour = static_cast<SQLUSMALLINT>(t.hour);
                st.minute = static_cast<SQLUSMALLINT>(t.minute);
                st.second = static_cast<SQLUSMALLINT>(t.second);
                st.fraction = t.nanosecond;
                std::memcpy(dst, &st, sizeof st);
                break;
            }
            default: {
                std::string text_value;
                std::string_view v;
                if (p.text == Text::datetime) {
                    const Timestamp& t = col.timestamp_at(r);
                    const Type type = schema_[c].type.type;
                    // Milliseconds at least, the way SQL Server and sqliteodbc write datetimes,
                    // so text-stored values sort and compare alike.
                    text_value = type == Type::date ? t.date.to_string()
                                 : type == Type::time ? time_text(t)
                                                      : t.to_string(3);
                    v = text_value;
                } else if (p.text == Text::iso_datetime) {
                    const Timestamp& t = col.timestamp_at(r);
                    text_value = t.date.to_string();
                    if (schema_[c].type.type != Type::date) {
                        char clock[32];
                        std::snprintf(clock, sizeof clock, "T%02d:%02d:%02d.%07u", t.hour, t.minute,
                                      t.second, t.nanosecond / 100);
                        text_value += clock;
                    }
                    v = text_value;
                } else if (p.text == Text::number) {
                    text_value = shortest_double(col.double_at(r));
                    v = text_value;
                } else if (p.text == Text::utf16) {
                    const std::u16string units = utf8_to_utf16(col.bytes_at(r));
                    text_value.assign(reinterpret_cast<const char*>(units.data()), units.size() * 2);
                    v = text_value;
                    // Column size of a wide parameter counts UTF-16 units.
                    p.column_size = std::max<SQLULEN>(p.column_size, units.size());
                    std::memcpy(dst, v.data(), v.size());
                    p.indicator[i] = static_cast<SQLLEN>(v.size());
                    break;
                } else {
                    v = col.bytes_at(r);
                }
                std::memcpy(dst, v.data(), v.size());
                p.indicator[i] = static_cast<SQLLEN>(v.size());
                // A text or binary parameter is as long as its longest value; a decimal,
                // time or number keeps its declared size (a decimal's text may be longer than
                // its precision: 38 digits, a sign and a point are 40 > 38, HY104).
                if (parameter_sized_by_value(p.base_type)) {
                    p.column_size = std::max<SQLULEN>(p.column_size, v.size());
                }
            }
            }
        }
        if (parameter_sized_by_value(p.base_type)) {
            const auto declared = declared_parameter(conn_.driver(), p.base_type, p.column_size);
            p.sql_type = declared.first;
            p.column_size = declared.second;
        } else if (p.column_size == 0) {
            p.column_size = 1;
        }
    }
    // sqliteodbc takes a binary column's length from the first row of a parameter array: a
    // chunk whose binary lengths differ goes one row at a time.
    bool one_by_one = false;
    if (conn_.driver().binary_arrays_need_equal_lengths) {
        for (const Param& p : params_) {
            if (p.c_type != SQL_C_BINARY) continue;
            for (std::size_t i = 1; i < rows && !one_by_one; ++i) {
                one_by_one = p.indicator[i] != p.indicator[0];
            }
        }
    }
    if (one_by_one) {
        for (std::size_t i = 0; i < rows; ++i) execute_rows(batch, begin, i, 1);
    } else {
        execute_rows(batch, begin, 0, rows);
    }
    rows_ += static_cast<std::int64_t>(rows);
}

void Inserter::execute_rows(const Batch& batch, std::size_t begin, std::size_t first,
                            std::size_t n) {
    const SQLHSTMT h = stmt_.get();
    for (std::size_t c = 0; c < params_.size(); ++c) {
        Param& p = params_[c];
        conn_.check(SQLBindParameter(h, static_cast<SQLUSMALLINT>(c + 1), SQL_PARAM_INPUT, p.c_type,
                                     p.sql_type, p.column_size, p.digits,
                                     p.buffer.get() + static_cast<std::size_t>(p.width) * first,
                                     p.width, p.indicator.data() + first),
                    SQL_HANDLE_STMT, h, "cannot bind column " + schema_[c].name);
    }
    status_.assign(n, SQL_PARAM_UNUSED);
    conn_.check(SQLSetStmtAttr(h, SQL_ATTR_PARAM_BIND_TYPE,
                               reinterpret_cast<SQLPOINTER>(SQL_PARAM_BIND_BY_COLUMN), 0),
                SQL_HANDLE_STMT, h, "cannot set column-wise parameters");
    conn_.check(SQLSetStmtAttr(h, SQL_ATTR_PARAMSET_SIZE, reinterpret_cast<SQLPOINTER>(n), 0),
                SQL_HANDLE_STMT, h, "cannot set the parameter array size");
    conn_.check(SQLSetStmtAttr(h, SQL_ATTR_PARAM_STATUS_PTR, status_.data(), 0), SQL_HANDLE_STMT,
                h, "cannot set the parameter status array");
    conn_.check(SQLSetStmtAttr(h, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed_, 0), SQL_HANDLE_STMT,
                h, "cannot set the processed-rows pointer");
    processed_ = 0;
    const Connection::Running running(conn_, h);
    const SQLRETURN rc = SQLExecute(h);
    const bool wide = conn_.driver().wide_text;
    // Which rows of the partition this execution carried, for messages that cannot name one.
    const std::string rows_text =
        n == 1 ? "row " + std::to_string(rows_ + static_cast<std::int64_t>(first) + 1) + describe_row(batch, begin + first)
               : "rows " + std::to_string(rows_ + static_cast<std::int64_t>(first) + 1) + "-" +
                     std::to_string(rows_ + static_cast<std::int64_t>(first + n)) + " of the partition";
    if (rc == SQL_NO_DATA) {
        // SQLExecute: SQL_NO_DATA is "no rows affected". An INSERT of n rows that affected
        // none is no success (FreeTDS answers so when the session has SET NOCOUNT ON).
        throw Error(ErrorKind::internal,
                    "writing " + label_ + " into " + table_.display() + ", " + rows_text +
                        ": the driver returned SQL_NO_DATA (no row inserted) for " +
                        replicate::detail::shorten(sql_, 120) +
                        "; nothing of the partition was committed");
    }
    std::size_t failed = n;
    for (std::size_t i = 0; i < n; ++i) {
        if (status_[i] == SQL_PARAM_ERROR) {
            failed = i;
            break;
        }
    }
    if (rc == SQL_SUCCESS_WITH_INFO && failed == n) {
        // Every warning on an INSERT is judged, and none is taken for success: a driver that
        // cut a string (01004) or rounded a fraction (01S07), a server that cut or changed a
        // value (MariaDB's 1265 "Data truncated", 1264, 1366 as 01000), a 22xxx: a value would
        // have changed, so the partition fails instead.
        for (const Diagnostic& d : diagnostics(SQL_HANDLE_STMT, h, wide)) {
            std::string where = "writing " + label_ + " into " + table_.display();
            if (d.row > 0 && static_cast<std::size_t>(d.row) <= n) {
                where += ", row " + std::to_string(rows_ + static_cast<std::int64_t>(first) + d.row) +
                         describe_row(batch, begin + first + static_cast<std::size_t>(d.row) - 1);
            } else {
                where += ", " + rows_text;
            }
            throw Error(ErrorKind::data,
                        where + ": the driver reported [" + d.sqlstate + "/" + std::to_string(d.native) +
                            "] " + replicate::detail::single_line(d.message) +
                            "; a value may have changed, so nothing was written",
                        d.sqlstate, d.native);
        }
    }
    if (!SQL_SUCCEEDED(rc) || failed < n) {
        Error e = conn_.error(SQL_HANDLE_STMT, h, "insert failed", rc);
        if (failed == n) {
            for (const Diagnostic& d : diagnostics(SQL_HANDLE_STMT, h, wide)) {
                if (d.row > 0 && static_cast<std::size_t>(d.row) <= n) {
                    failed = static_cast<std::size_t>(d.row) - 1;
                    break;
                }
            }
        }
        std::string where = "writing " + label_ + " into " + table_.display();
        if (failed < n) {
            const std::size_t row = begin + first + failed;
            where += ", row " + std::to_string(rows_ + static_cast<std::int64_t>(first + failed) + 1) +
                     describe_row(batch, row);
        } else {
            // No row named: say which rows and which statement.
            where += ", " + rows_text + " (" + replicate::detail::shorten(sql_, 120) + ")";
        }
        throw e.with_context(where);
    }
    check_inserted(batch, begin, first, n, rows_text);
}

void Inserter::check_inserted(const Batch& batch, std::size_t begin, std::size_t first, std::size_t n,
                              const std::string& rows_text) {
    if (!conn_.driver().counts_array_rows) return;
    SQLLEN inserted = -1;
    if (!SQL_SUCCEEDED(SQLRowCount(stmt_.get(), &inserted)) || inserted < 0) return;
    if (static_cast<std::size_t>(inserted) == n) return;
    if (inserted == 0 && n > 1) {
        // Nothing of the array landed and nothing was said: row by row, so that the row the
        // server refuses is named with the server's words (and the others counted one each).
        for (std::size_t i = 0; i < n; ++i) execute_rows(batch, begin, first + i, 1);
        return;
    }
    throw Error(ErrorKind::data,
                "writing " + label_ + " into " + table_.display() + ", " + rows_text + ": the server " +
                    "inserted " + std::to_string(inserted) + " of " + std::to_string(n) +
                    " rows and reported no error (SQLRowCount); nothing of the partition was committed");
}

std::string Inserter::describe_row(const Batch& batch, std::size_t row) const {
    // Names the columns whose value is longer than the target column, when that is known.
    std::string out;
    for (std::size_t c = 0; c < schema_.size(); ++c) {
        const ColumnData& col = batch.column(c);
        if (col.is_null(row) || (col.type() != Type::text && col.type() != Type::binary)) continue;
        for (const Column& t : target_schema_) {
            if (t.name != schema_[c].name || t.type.length == 0) continue;
            if (static_cast<std::int64_t>(col.bytes_at(row).size()) > t.type.length) {
                out += (out.empty() ? " (column '" : ", '") + t.name + "' holds " +
                       std::to_string(col.bytes_at(row).size()) + " bytes for " + t.type.native_name;
            }
        }
    }
    return out.empty() ? out : out + ")";
}

}  // namespace replicate::odbc::detail
