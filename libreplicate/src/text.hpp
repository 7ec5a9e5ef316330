#pragma once
// Small string helpers shared by the implementation.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace replicate::detail {

std::string lower(std::string_view s);
/// \p s on one line: line breaks and tabs become single spaces, trailing space trimmed
/// (drivers such as psqlODBC return multi-line messages).
std::string single_line(std::string_view s);
/// \p s cut to at most \p max bytes (at a UTF-8 character boundary) with "..." when cut, for
/// messages that quote a long statement.
std::string shorten(std::string_view s, std::size_t max);
/// \p s with control characters shown as '?', for messages.
std::string printable(std::string_view s);
/// One "key=value" attribute of an ODBC connection string, where the parser found it.
struct ConnectionAttribute {
    std::string key;    ///< trimmed, lower case
    std::string value;  ///< trimmed; a braced value without its braces, "}}" as "}"
    std::size_t begin = 0;        ///< where the key starts
    std::size_t value_begin = 0;  ///< just after the '='
    std::size_t end = 0;          ///< at the ';' that ends it, or the end of the string
};
/// The attributes of an ODBC connection string in order: "key=value;" pairs, where a braced
/// value ({...}, "}}" standing for '}') may hold ';'. The one parser of connection strings.
std::vector<ConnectionAttribute> connection_attributes(std::string_view connection);
/// True for the keys whose values are secrets (PWD, Password, Token, AccessToken,
/// ClientSecret, Secret; any case, spaces ignored). The one list of them.
bool is_secret_attribute(std::string_view key);
/// The value of attribute \p key (case-insensitive) in an ODBC connection string, braces removed.
std::optional<std::string> connection_attribute(std::string_view connection, std::string_view key);
/// \p connection with "key=value" appended when the key is absent.
std::string with_default_attribute(std::string connection, std::string_view key,
                                   std::string_view value);
/// Parses "name(a)" or "name(a,b)": returns the lower-case base name and up to two numbers
/// (-1 when absent; "max" counts as 0).
struct TypeName {
    std::string base;
    long long first = -1;
    long long second = -1;
};
TypeName parse_type_name(std::string_view declared);

}  // namespace replicate::detail
