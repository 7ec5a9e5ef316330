#include <replicate/error.hpp>

#include "text.hpp"

#include <algorithm>
#include <cctype>

namespace replicate {

std::string_view to_string(ErrorKind k) {
    switch (k) {
    case ErrorKind::config: return "config";
    case ErrorKind::connection: return "connection";
    case ErrorKind::transient: return "transient";
    case ErrorKind::data: return "data";
    case ErrorKind::cancelled: return "cancelled";
    case ErrorKind::busy: return "busy";
    case ErrorKind::internal: return "internal";
    }
    return "?";
}

Error::Error(ErrorKind kind, std::string message, std::string sqlstate, long native_code)
    : std::runtime_error(std::move(message)),
      kind_(kind),
      sqlstate_(std::move(sqlstate)),
      native_code_(native_code) {}

Error Error::with_context(std::string_view context) const {
    return Error(kind_, std::string(context) + ": " + what(), sqlstate_, native_code_);
}

std::string mask_connection_string(std::string_view s) {
    std::string out;
    std::size_t copied = 0;
    for (const detail::ConnectionAttribute& a : detail::connection_attributes(s)) {
        if (!detail::is_secret_attribute(a.key)) continue;
        out.append(s.substr(copied, a.value_begin - copied)).append("***");
        copied = a.end;
    }
    out.append(s.substr(copied));
    return out;
}

}  // namespace replicate
