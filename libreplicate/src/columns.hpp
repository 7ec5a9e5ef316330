#pragma once
// The one rule for matching column names between schemas (source and target, a schema and a
// configured name).

#include <string_view>

#include <replicate/types.hpp>

namespace replicate::detail {

/// The column of \p columns named \p name: the exact name first, then, unless
/// \p case_sensitive (PostgreSQL's quoted names, Dialect::case_sensitive_names), ignoring
/// ASCII case. nullptr when there is none.
const Column* find_column(const Schema& columns, std::string_view name, bool case_sensitive);

}  // namespace replicate::detail
