#include "columns.hpp"

#include "text.hpp"

namespace replicate::detail {

const Column* find_column(const Schema& columns, std::string_view name, bool case_sensitive) {
    for (const Column& c : columns) {
        if (c.name == name) return &c;
    }
    if (case_sensitive) return nullptr;
    const std::string wanted = lower(name);
    for (const Column& c : columns) {
        if (lower(c.name) == wanted) return &c;
    }
    return nullptr;
}

}  // namespace replicate::detail
