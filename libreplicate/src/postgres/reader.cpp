#include "reader.hpp"

#include <replicate/calendar.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>

#include <replicate/error.hpp>

#include "../log.hpp"

namespace replicate::pg {

namespace {

// Type OIDs (pg_type.oid): fixed since PostgreSQL 7 and the same on every server.
constexpr Oid bool_oid = 16, bytea_oid = 17, char_oid = 18, name_oid = 19, int8_oid = 20,
              int2_oid = 21, int4_oid = 23, text_oid = 25, oid_oid = 26, float4_oid = 700,
              float8_oid = 701, bpchar_oid = 1042, varchar_oid = 1043, date_oid = 1082,
              time_oid = 1083, timestamp_oid = 1114, timestamptz_oid = 1184, timetz_oid = 1266,
              numeric_oid = 1700;

// The binary forms are big-endian.
std::uint16_t be16(const char* p) {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(p[0]) << 8) |
                                      static_cast<unsigned char>(p[1]));
}
std::uint32_t be32(const char* p) {
    return (std::uint32_t{be16(p)} << 16) | be16(p + 2);
}
std::uint64_t be64(const char* p) { return (std::uint64_t{be32(p)} << 32) | be32(p + 4); }

/// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
constexpr std::int64_t pg_epoch_days = 10957;

Timestamp from_pg_micros(std::int64_t us, const std::string& what) {
    if (us == INT64_MAX || us == INT64_MIN) {
        throw Error(ErrorKind::data, what + ": 'infinity' has no calendar value to copy");
    }
    std::int64_t days = us / 86400000000LL;
    std::int64_t rest = us % 86400000000LL;
    if (rest < 0) {
        rest += 86400000000LL;
        --days;
    }
    Timestamp t;
    t.date = Date::from_days_since_epoch(days + pg_epoch_days);
    t.hour = static_cast<int>(rest / 3600000000LL);
    t.minute = static_cast<int>(rest / 60000000LL % 60);
    t.second = static_cast<int>(rest / 1000000 % 60);
    t.nanosecond = static_cast<std::uint32_t>(rest % 1000000) * 1000;
    return t;
}

/// How a column of this OID is decoded, if it can be and fits \p type's storage.
std::optional<std::uint8_t> decoder_for(Oid oid, Type type) {
    const bool ints = type == Type::boolean || type == Type::int8 || type == Type::int16 ||
                      type == Type::int32 || type == Type::int64;
    const bool floats = type == Type::float32 || type == Type::float64;
    const bool times = type == Type::date || type == Type::time || type == Type::timestamp;
    const bool bytes = type == Type::decimal || type == Type::text || type == Type::binary;
    switch (oid) {
    case bool_oid: return ints ? std::optional<std::uint8_t>(0) : std::nullopt;
    case int2_oid: return ints ? std::optional<std::uint8_t>(1) : std::nullopt;
    case int4_oid:
    case oid_oid: return ints ? std::optional<std::uint8_t>(2) : std::nullopt;
    case int8_oid: return ints ? std::optional<std::uint8_t>(3) : std::nullopt;
    case float4_oid: return floats ? std::optional<std::uint8_t>(4) : std::nullopt;
    case float8_oid: return floats ? std::optional<std::uint8_t>(5) : std::nullopt;
    case numeric_oid: return type == Type::decimal ? std::optional<std::uint8_t>(6) : std::nullopt;
    case date_oid: return times ? std::optional<std::uint8_t>(7) : std::nullopt;
    case time_oid: return times ? std::optional<std::uint8_t>(8) : std::nullopt;
    case timestamp_oid: return times ? std::optional<std::uint8_t>(9) : std::nullopt;
    case bytea_oid:
    case text_oid:
    case varchar_oid:
    case bpchar_oid:
    case name_oid:
    case char_oid: return bytes ? std::optional<std::uint8_t>(10) : std::nullopt;
    default: return std::nullopt;
    }
}

}  // namespace

void append_numeric_text(std::string& out, const char* p, int length) {
    if (length < 8) throw Error(ErrorKind::internal, "short binary numeric");
    const int ndigits = static_cast<std::int16_t>(be16(p));
    const int weight = static_cast<std::int16_t>(be16(p + 2));
    const std::uint16_t sign = be16(p + 4);
    const int dscale = be16(p + 6);
    if (sign == 0xC000) {
        out += "NaN";
        return;
    }
    if (sign == 0xD000 || sign == 0xF000) {
        out += sign == 0xD000 ? "Infinity" : "-Infinity";
        return;
    }
    if (ndigits < 0 || length < 8 + 2 * ndigits) throw Error(ErrorKind::internal, "short binary numeric");
    auto digit = [&](int i) -> int { return i >= 0 && i < ndigits ? be16(p + 8 + 2 * i) : 0; };
    auto four = [&](int d) {
        out += static_cast<char>('0' + d / 1000);
        out += static_cast<char>('0' + d / 100 % 10);
        out += static_cast<char>('0' + d / 10 % 10);
        out += static_cast<char>('0' + d % 10);
    };
    if (sign == 0x4000) out += '-';
    // Integer part: base-10000 digits 0..weight, the first without leading zeros.
    if (weight < 0) {
        out += '0';
    } else {
        const int first = digit(0);
        char buf[8];
        const auto res = std::to_chars(buf, buf + sizeof buf, first);
        out.append(buf, res.ptr);
        for (int i = 1; i <= weight; ++i) four(digit(i));
    }
    if (dscale > 0) {
        out += '.';
        const std::size_t end = out.size() + static_cast<std::size_t>(dscale);
        for (int i = weight + 1; out.size() < end; ++i) four(digit(i));
        out.resize(end);
    }
}

std::string numeric_text(const char* p, int length) {
    std::string out;
    append_numeric_text(out, p, length);
    return out;
}

CursorReader::CursorReader(Connection& conn, const Dialect& d, const Partition& partition,
                           const Schema& schema, const ReadOptions& options)
    : conn_(conn),
      schema_(schema),
      options_(options),
      label_(partition.table.source.display() + " " + partition.label()) {
    const TableSpec& spec = partition.table;
    const std::string column = partition.whole_table() ? std::string() : spec.partition_column;
    const RowFilter filter = partition.null_dates() ? RowFilter::is_null : RowFilter::range;
    std::vector<std::optional<std::string>> params;
    if (partition.range()) {
        // Typed by the column they are compared with: a date, a timestamp, or text.
        const auto bounds = column_bounds(partition);
        params = {bound_text(bounds.first), bound_text(bounds.second)};
    }
    // Ask the server for the result's types first: a column of a type without a binary
    // decoder here is read as its text (or, for a time zone, as local time, as psqlODBC
    // shows it).
    const std::string plain = numbered_placeholders(d.select(spec.source, schema, column, filter));
    {
        Result prepared = conn_.check(
            Result(PQprepare(conn_.get(), "", plain.c_str(), static_cast<int>(params.size()), nullptr)),
            "reading " + label_ + " failed");
        Result described = conn_.check(Result(PQdescribePrepared(conn_.get(), "")),
                                       "reading " + label_ + " failed");
        if (PQnfields(described.get()) != static_cast<int>(schema.size())) {
            throw Error(ErrorKind::internal, label_ + ": the query returns " +
                                                 std::to_string(PQnfields(described.get())) +
                                                 " columns, expected " + std::to_string(schema.size()));
        }
        Schema cast = schema;
        std::string list;
        for (std::size_t i = 0; i < schema.size(); ++i) {
            const Oid oid = PQftype(described.get(), static_cast<int>(i));
            std::string expr = d.quote(schema[i].name);
            std::optional<std::uint8_t> dec = decoder_for(oid, schema[i].type.type);
            if (!dec && (oid == timestamptz_oid || oid == timetz_oid)) {
                expr = "CAST(" + expr + (oid == timetz_oid ? " AS time)" : " AS timestamp)");
                dec = decoder_for(oid == timetz_oid ? time_oid : timestamp_oid, schema[i].type.type);
            }
            if (!dec && decoder_for(text_oid, schema[i].type.type)) {
                expr = "CAST(" + expr + " AS text)";
                dec = decoder_for(text_oid, schema[i].type.type);
            }
            if (!dec) {
                throw Error(ErrorKind::config,
                            label_ + ": column '" + schema[i].name + "' (type oid " +
                                std::to_string(oid) + ") cannot be read through the native "
                                "PostgreSQL path as " + std::string(to_string(schema[i].type.type)) +
                                "; set [source] data_path = \"odbc\"");
            }
            decode_.push_back(static_cast<Decode>(*dec));
            list += (list.empty() ? "" : ", ") + expr;
        }
        std::string sql = "SELECT " + list + " FROM " + d.qualified(spec.source);
        const std::size_t where = plain.find(" WHERE ");
        if (where != std::string::npos) sql += plain.substr(where);
        // The cursor's name says what it reads, so that pg_stat_activity shows it while it
        // fetches (a name longer than 63 bytes is cut by the server, the same for every use).
        cursor_ = d.quote("replicate " + spec.source.display() + " " +
                          (partition.range() ? partition.range()->lo.to_string()
                                           : partition.null_dates() ? "NULL" : "all"));
        conn_.begin("BEGIN READ ONLY");
        conn_.exec("DECLARE " + cursor_ + " BINARY NO SCROLL CURSOR FOR " + sql, params,
                   "reading " + label_ + " failed");
        open_ = true;
    }
    REPLICATE_LOG(debug) << label_ << ": binary cursor over libpq";
}

CursorReader::~CursorReader() {
    if (!open_) return;
    // Ends the read transaction; a reader abandoned midway rolls back (it wrote nothing).
    conn_.rollback();
}

bool CursorReader::fetch() {
    result_ = conn_.exec("FETCH FORWARD " + std::to_string(fetch_rows_) + " FROM " + cursor_,
                         {}, "reading " + label_ + " failed");
    row_ = 0;
    rows_in_result_ = PQntuples(result_.get());
    if (rows_in_result_ == 0) {
        conn_.exec("CLOSE " + cursor_);
        conn_.commit();
        open_ = false;
        exhausted_ = true;
        result_.reset();
        return false;
    }
    // About 4 MiB of result per round trip, whatever the row width: few round trips for
    // narrow rows, bounded memory for wide ones.
    const std::size_t per_row = std::max<std::size_t>(
        1, PQresultMemorySize(result_.get()) / static_cast<std::size_t>(rows_in_result_));
    fetch_rows_ = static_cast<int>(std::clamp<std::size_t>((std::size_t{4} << 20) / per_row, 100,
                                                            std::max<std::size_t>(100, options_.batch_rows)));
    return true;
}

bool CursorReader::next(Batch& batch) {
    batch.clear();
    while (!exhausted_) {
        if (row_ >= rows_in_result_ && !fetch()) break;
        for (; row_ < rows_in_result_; ++row_) {
            if (batch.rows() >= options_.batch_rows ||
                (batch.rows() > 0 && batch.rows() % 256 == 0 && batch.byte_size() >= options_.batch_bytes)) {
                return true;
            }
            append_row(batch, row_);
        }
    }
    return batch.rows() > 0;
}

void CursorReader::append_row(Batch& batch, int r) {
    PGresult* res = result_.get();
    ++rows_read_;
    for (std::size_t c = 0; c < decode_.size(); ++c) {
        ColumnData& col = batch.column(c);
        const int ci = static_cast<int>(c);
        if (PQgetisnull(res, r, ci)) {
            col.append_null();
            continue;
        }
        const char* v = PQgetvalue(res, r, ci);
        const int n = PQgetlength(res, r, ci);
        switch (decode_[c]) {
        case Decode::boolean: col.append_int(v[0] != 0 ? 1 : 0); break;
        case Decode::int2: col.append_int(static_cast<std::int16_t>(be16(v))); break;
        case Decode::int4: col.append_int(static_cast<std::int32_t>(be32(v))); break;
        case Decode::int8: col.append_int(static_cast<std::int64_t>(be64(v))); break;
        case Decode::float4: {
            const std::uint32_t bits = be32(v);
            float f;
            std::memcpy(&f, &bits, sizeof f);
            col.append_double(static_cast<double>(f));
            break;
        }
        case Decode::float8: {
            const std::uint64_t bits = be64(v);
            double f;
            std::memcpy(&f, &bits, sizeof f);
            col.append_double(f);
            break;
        }
        case Decode::numeric:
            text_.clear();
            append_numeric_text(text_, v, n);
            col.append_bytes(text_);
            break;
        case Decode::date: {
            const auto days = static_cast<std::int32_t>(be32(v));
            if (days == INT32_MAX || days == INT32_MIN) {
                throw Error(ErrorKind::data, label_ + ", row " + std::to_string(rows_read_) +
                                                 ", column '" + schema_[c].name +
                                                 "': 'infinity' has no calendar value to copy");
            }
            Timestamp t;
            t.date = Date::from_days_since_epoch(days + pg_epoch_days);
            col.append_timestamp(t);
            break;
        }
        case Decode::time: {
            const auto us = static_cast<std::int64_t>(be64(v));
            Timestamp t;
            t.hour = static_cast<int>(us / 3600000000LL);
            t.minute = static_cast<int>(us / 60000000LL % 60);
            t.second = static_cast<int>(us / 1000000 % 60);
            t.nanosecond = static_cast<std::uint32_t>(us % 1000000) * 1000;
            col.append_timestamp(t);
            break;
        }
        case Decode::timestamp:
            col.append_timestamp(from_pg_micros(
                static_cast<std::int64_t>(be64(v)),
                label_ + ", row " + std::to_string(rows_read_) + ", column '" + schema_[c].name + "'"));
            break;
        case Decode::bytes: col.append_bytes(std::string_view(v, static_cast<std::size_t>(n))); break;
        }
    }
}

}  // namespace replicate::pg
