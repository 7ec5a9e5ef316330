#include "checksum.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <replicate/error.hpp>

#include "columns.hpp"
#include "text.hpp"

namespace replicate::detail {

namespace {

/// True when a value of a column of type \p source and one of type \p target can be compared
/// by their canonical encodings. A validated target column holds the source's kind of value,
/// except a text column, which may hold any value as text (Target::validate, can_receive).
bool comparable(Type source, Type target) {
    return (source == Type::text) == (target == Type::text) &&
           (source == Type::binary) == (target == Type::binary);
}

/// The column of \p schema named \p name (the one rule, ignoring case after an exact match),
/// and its index.
const Column* named(const Schema& schema, const std::string& name, std::size_t* index) {
    const Column* c = find_column(schema, name, false);
    if (c != nullptr) *index = static_cast<std::size_t>(c - schema.data());
    return c;
}

void put_u64(std::string& out, std::uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xffu);
    out.append(b, 8);
}

void put_bytes(std::string& out, char tag, std::string_view v) {
    out.push_back(tag);
    const auto n = static_cast<std::uint32_t>(v.size());
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((n >> (8 * i)) & 0xffu);
    out.append(b, 4);
    out.append(v.data(), v.size());
}

std::uint64_t nanos_of_day(const Timestamp& t) {
    return ((static_cast<std::uint64_t>(t.hour) * 60 + static_cast<std::uint64_t>(t.minute)) * 60 +
            static_cast<std::uint64_t>(t.second)) *
               1000000000ull +
           t.nanosecond;
}

}  // namespace

std::string canonical_decimal(std::string_view text) {
    bool negative = false;
    std::size_t i = 0;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    const std::size_t dot = text.find('.', i);
    std::string_view whole = text.substr(i, dot == std::string_view::npos ? std::string_view::npos : dot - i);
    std::string_view fraction =
        dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
    while (!whole.empty() && whole.front() == '0') whole.remove_prefix(1);
    while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
    if (whole.empty() && fraction.empty()) return "0";
    std::string out;
    out.reserve(text.size() + 1);
    if (negative) out.push_back('-');
    if (whole.empty()) {
        out.push_back('0');
    } else {
        out.append(whole.data(), whole.size());
    }
    if (!fraction.empty()) {
        out.push_back('.');
        out.append(fraction.data(), fraction.size());
    }
    return out;
}

std::string Checksum::text() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "xxh3:%016llx", static_cast<unsigned long long>(sum));
    return buf;
}

namespace {
bool left_out(const std::vector<std::string>& names, const std::string& name) {
    const std::string wanted = lower(name);
    return std::any_of(names.begin(), names.end(),
                       [&](const std::string& n) { return lower(n) == wanted; });
}
}  // namespace

RowHasher RowHasher::for_source(const Schema& source, const Schema& target,
                                const std::vector<std::string>& leave_out) {
    RowHasher h;
    for (std::size_t i = 0; i < source.size(); ++i) {
        std::size_t j = 0;
        const Column* t = named(target, source[i].name, &j);
        const ColumnType& s = source[i].type;
        if ((t != nullptr && !comparable(s.type, t->type.type)) ||
            left_out(leave_out, source[i].name)) {
            h.skipped_.push_back(source[i].name);
            continue;
        }
        const bool pads = s.fixed_length || (t != nullptr && t->type.fixed_length);
        h.parts_.push_back({i, s.type == Type::text && pads});
    }
    return h;
}

RowHasher RowHasher::for_target(const Schema& source, const Schema& target,
                                const std::vector<std::string>& leave_out) {
    RowHasher h;
    for (const Column& c : source) {
        std::size_t j = 0;
        const Column* t = named(target, c.name, &j);
        if (t == nullptr) {
            throw Error(ErrorKind::config, "cannot verify: the target has no column '" + c.name + "'");
        }
        if (!comparable(c.type.type, t->type.type) || left_out(leave_out, c.name)) {
            h.skipped_.push_back(c.name);
            continue;
        }
        const bool pads = c.type.fixed_length || t->type.fixed_length;
        h.parts_.push_back({j, t->type.type == Type::text && pads});
    }
    return h;
}

void RowHasher::add(const Batch& batch, Checksum& sum) {
    const std::size_t rows = batch.rows();
    char digits[32];
    for (std::size_t r = 0; r < rows; ++r) {
        row_.clear();
        for (const Part& part : parts_) {
            const ColumnData& col = batch.column(part.column);
            if (col.is_null(r)) {
                row_.push_back('\0');
                continue;
            }
            switch (col.type()) {
            case Type::boolean:
            case Type::int8:
            case Type::int16:
            case Type::int32:
            case Type::int64: {
                const int n = std::snprintf(digits, sizeof digits, "%lld",
                                            static_cast<long long>(col.int_at(r)));
                put_bytes(row_, 'N', std::string_view(digits, static_cast<std::size_t>(n)));
                break;
            }
            case Type::decimal: put_bytes(row_, 'N', canonical_decimal(col.bytes_at(r))); break;
            case Type::float32:
            case Type::float64: {
                double d = col.double_at(r);
                if (d == 0) d = 0;  // -0 as 0: SQLite keeps no negative zero
                if (std::isnan(d)) d = std::nan("");
                std::uint64_t bits = 0;
                std::memcpy(&bits, &d, sizeof bits);
                row_.push_back('F');
                put_u64(row_, bits);
                break;
            }
            case Type::date:
            case Type::timestamp: {
                const Timestamp& t = col.timestamp_at(r);
                row_.push_back('T');
                put_u64(row_, static_cast<std::uint64_t>(t.date.days_since_epoch()));
                put_u64(row_, col.type() == Type::date ? 0 : nanos_of_day(t));
                break;
            }
            case Type::time:
                row_.push_back('H');
                put_u64(row_, nanos_of_day(col.timestamp_at(r)));
                break;
            case Type::text: {
                std::string_view v = col.bytes_at(r);
                if (part.trim_spaces) {
                    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
                }
                put_bytes(row_, 'S', v);
                break;
            }
            case Type::binary: put_bytes(row_, 'B', col.bytes_at(r)); break;
            }
        }
        sum.sum += XXH3_64bits(row_.data(), row_.size());
    }
    sum.rows += static_cast<std::int64_t>(rows);
}

Verification make_verification(const Checksum& source, const Checksum& target) {
    Verification v;
    v.source_rows = source.rows;
    v.source_checksum = source.text();
    v.target_rows = target.rows;
    v.target_checksum = target.text();
    v.verified_at = utc_now();
    return v;
}

}  // namespace replicate::detail
