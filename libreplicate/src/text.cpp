#include "text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace replicate::detail {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string shorten(std::string_view s, std::size_t max) {
    if (s.size() <= max) return std::string(s);
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
    return std::string(s.substr(0, cut)) + "...";
}

std::string single_line(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool space = false;
    for (char c : s) {
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            space = !out.empty();
            continue;
        }
        if (space) out.push_back(' ');
        space = false;
        out.push_back(c);
    }
    return out;
}

std::string printable(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    return out;
}

namespace {
std::string trim(std::string_view s) {
    std::size_t b = 0;
    std::size_t e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}
}  // namespace

std::vector<ConnectionAttribute> connection_attributes(std::string_view s) {
    std::vector<ConnectionAttribute> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t eq = s.find('=', i);
        if (eq == std::string_view::npos) break;
        ConnectionAttribute a;
        a.begin = i;
        a.key = lower(trim(s.substr(i, eq - i)));
        std::size_t v = eq + 1;
        while (v < s.size() && s[v] == ' ') ++v;
        a.value_begin = eq + 1;
        std::size_t end;
        if (v < s.size() && s[v] == '{') {
            end = v + 1;
            while (end < s.size()) {
                if (s[end] == '}') {
                    if (end + 1 < s.size() && s[end + 1] == '}') {
                        a.value.push_back('}');
                        end += 2;
                        continue;
                    }
                    ++end;
                    break;
                }
                a.value.push_back(s[end++]);
            }
            end = s.find(';', end);
        } else {
            end = s.find(';', v);
            a.value = trim(s.substr(v, end == std::string_view::npos ? end : end - v));
        }
        a.end = end == std::string_view::npos ? s.size() : end;
        out.push_back(std::move(a));
        if (end == std::string_view::npos) break;
        i = end + 1;
    }
    return out;
}

std::optional<std::string> connection_attribute(std::string_view s, std::string_view key) {
    const std::string wanted = lower(key);
    for (ConnectionAttribute& a : connection_attributes(s)) {
        if (a.key == wanted) return std::move(a.value);
    }
    return std::nullopt;
}

bool is_secret_attribute(std::string_view key) {
    std::string k;
    for (char c : key) {
        if (!std::isspace(static_cast<unsigned char>(c))) k.push_back(c);
    }
    k = lower(k);
    for (const char* secret : {"pwd", "password", "token", "accesstoken", "clientsecret", "secret"}) {
        if (k == secret) return true;
    }
    return false;
}

std::string with_default_attribute(std::string connection, std::string_view key,
                                   std::string_view value) {
    if (connection_attribute(connection, key)) return connection;
    if (!connection.empty() && connection.back() != ';') connection.push_back(';');
    connection.append(key).append("=").append(value);
    return connection;
}

TypeName parse_type_name(std::string_view declared) {
    TypeName t;
    const std::string s = lower(declared);
    const std::size_t open = s.find('(');
    t.base = trim(s.substr(0, open));
    if (open == std::string::npos) return t;
    const std::size_t close = s.find(')', open);
    const std::string args = s.substr(open + 1, close == std::string::npos ? close : close - open - 1);
    auto number = [](const std::string& a) -> long long {
        const std::string v = trim(a);
        if (v == "max") return 0;
        char* end = nullptr;
        const long long n = std::strtoll(v.c_str(), &end, 10);
        return end != v.c_str() ? n : -1;
    };
    const std::size_t comma = args.find(',');
    t.first = number(args.substr(0, comma));
    if (comma != std::string::npos) t.second = number(args.substr(comma + 1));
    // Words after the parentheses ("unsigned") stay in the base for the caller to see.
    if (close != std::string::npos && close + 1 < s.size()) t.base += " " + trim(s.substr(close + 1));
    return t;
}

}  // namespace replicate::detail
