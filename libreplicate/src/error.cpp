#include <replicate/error.hpp>

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

namespace {
bool is_secret_key(std::string key) {
    key.erase(std::remove_if(key.begin(), key.end(), [](unsigned char c) { return std::isspace(c); }),
              key.end());
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return key == "pwd" || key == "password" || key == "token" || key == "accesstoken" ||
           key == "clientsecret" || key == "secret";
}
}  // namespace

std::string mask_connection_string(std::string_view s) {
    // ODBC connection strings are "key=value;" pairs; a value may be braced ({...}, with "}}"
    // standing for one '}') and then may contain ';'.
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t eq = s.find('=', i);
        if (eq == std::string_view::npos) {
            out.append(s.substr(i));
            break;
        }
        const std::string key(s.substr(i, eq - i));
        std::size_t end = eq + 1;
        while (end < s.size() && s[end] == ' ') ++end;
        if (end < s.size() && s[end] == '{') {
            ++end;
            while (end < s.size()) {
                if (s[end] == '}') {
                    if (end + 1 < s.size() && s[end + 1] == '}') {
                        end += 2;
                        continue;
                    }
                    ++end;
                    break;
                }
                ++end;
            }
        }
        end = s.find(';', end);
        if (end == std::string_view::npos) end = s.size();
        out.append(key).append("=");
        if (is_secret_key(key)) {
            out.append("***");
        } else {
            out.append(s.substr(eq + 1, end - eq - 1));
        }
        if (end < s.size()) out.append(";");
        i = end + 1;
    }
    return out;
}

}  // namespace replicate
