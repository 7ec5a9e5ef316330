#include "registry.hpp"

#include "../text.hpp"

namespace replicate {

namespace detail {

const std::vector<DialectEntry>& registered_dialects() {
    static const std::vector<DialectEntry> all{sqlite_dialect_entry(), postgresql_dialect_entry(),
                                               mariadb_dialect_entry(), sqlserver_dialect_entry()};
    return all;
}

}  // namespace detail

std::unique_ptr<Dialect> make_dialect(std::string_view key) {
    for (const detail::DialectEntry& e : detail::registered_dialects()) {
        if (key == e.key) return e.make();
    }
    throw Error(ErrorKind::internal, "no dialect is registered as '" + std::string(key) + "'");
}

std::unique_ptr<Dialect> dialect_for_dbms_name(std::string_view dbms_name) {
    const std::string n = detail::lower(dbms_name);
    std::string supported;
    for (const detail::DialectEntry& e : detail::registered_dialects()) {
        if (e.serves(n)) return e.make();
        supported += std::string(supported.empty() ? "" : ", ") +
                     std::string(e.make()->display_name());
    }
    throw Error(ErrorKind::config, "unsupported DBMS '" + std::string(dbms_name) +
                                       "': libreplicate supports " + supported);
}

std::string dialect_key_for_connection(std::string_view connection) {
    const std::optional<std::string> driver = detail::connection_attribute(connection, "driver");
    if (!driver) return {};
    const std::string d = detail::lower(*driver);
    for (const detail::DialectEntry& e : detail::registered_dialects()) {
        if (e.drives(d)) return e.key;
    }
    return {};
}

}  // namespace replicate
