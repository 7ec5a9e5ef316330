#include "value_fit.hpp"

#include <algorithm>

#include "text.hpp"

namespace replicate::detail {

namespace {

/// Fraction digits a nanosecond value needs (0 for whole seconds, up to 9).
int fraction_digits(std::uint32_t ns) {
    if (ns == 0) return 0;
    int digits = 9;
    while (ns % 10 == 0) {
        ns /= 10;
        --digits;
    }
    return digits;
}

/// Digits of a canonical decimal text before and after the point, leading zeros of the
/// integer part and trailing zeros of the fraction not counted.
struct DecimalDigits {
    int integer = 0;
    int fraction = 0;
};

DecimalDigits decimal_digits(std::string_view v) {
    DecimalDigits d;
    std::size_t i = (!v.empty() && (v[0] == '-' || v[0] == '+')) ? 1 : 0;
    const std::size_t point = v.find('.');
    const std::size_t int_end = point == std::string_view::npos ? v.size() : point;
    while (i < int_end && v[i] == '0') ++i;
    d.integer = static_cast<int>(int_end - i);
    if (point != std::string_view::npos) {
        std::size_t end = v.size();
        while (end > point + 1 && v[end - 1] == '0') --end;
        d.fraction = static_cast<int>(end - point - 1);
    }
    return d;
}

}  // namespace

bool on_legacy_grid(const Timestamp& t, const std::string& native) {
    if (native == "smalldatetime") return t.second == 0 && t.nanosecond == 0;
    if (t.nanosecond % 1000000 != 0) return false;
    const std::uint32_t ms = t.nanosecond / 1000000;
    return ms % 10 == 0 || ms % 10 == 3 || ms % 10 == 7;
}

std::string timestamp_misfit(const Timestamp& t, const Column& target) {
    // A datetime rounds 23:59:59.999 to the next day; timestamp(6) drops 100-ns ticks.
    const ColumnType& tt = target.type;
    const bool fits = tt.legacy_datetime ? on_legacy_grid(t, lower(tt.native_name))
                                         : fraction_digits(t.nanosecond) <= std::max(0, tt.precision);
    if (fits) return {};
    return t.to_string() + " does not fit " + tt.native_name +
           (tt.legacy_datetime ? "" : "(" + std::to_string(tt.precision) + ")") +
           " without rounding; use a wider type (e.g. datetime2(7))";
}

std::string decimal_misfit(std::string_view v, const Column& target) {
    const ColumnType& tt = target.type;
    if (tt.type != Type::decimal || tt.precision <= 0) return {};
    const DecimalDigits d = decimal_digits(v);
    if (d.fraction > tt.scale) {
        return std::string(v) + " has " + std::to_string(d.fraction) +
               " digits after the point; target column " + target.name + " (" + tt.native_name +
               ", scale " + std::to_string(tt.scale) + ") would round it: widen the target column";
    }
    if (d.integer > tt.precision - tt.scale) {
        return std::string(v) + " has " + std::to_string(d.integer) +
               " digits before the point; target column " + target.name + " (" + tt.native_name +
               "(" + std::to_string(tt.precision) + "," + std::to_string(tt.scale) + ")) holds " +
               std::to_string(tt.precision - tt.scale) + ": widen it";
    }
    return {};
}

namespace {
std::string code_page_text(const ColumnType& t) {
    if (t.code_page == 0) return "Unicode";
    return "code page " + std::to_string(t.code_page) +
           (t.collation.empty() ? std::string() : " (collation " + t.collation + ")");
}
}  // namespace

std::string code_page_misfit(const ColumnType& target, const ColumnType& source) {
    if (target.type != Type::text || source.type != Type::text) return {};
    const bool target_unicode = target.national || target.code_page == 0 || target.code_page == 65001;
    if (target_unicode) return {};
    const bool source_unicode = source.national || source.code_page == 0 || source.code_page == 65001;
    if (!source_unicode && source.code_page == target.code_page) return {};
    return "it is " + code_page_text(target) + " and the source column is " +
           (source_unicode ? std::string("Unicode") : code_page_text(source)) +
           ": characters the target's code page lacks would become '?' without an error";
}

}  // namespace replicate::detail
