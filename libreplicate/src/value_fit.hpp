#pragma once
// Whether a value fits a target column as it is. One rule for every writer (ODBC parameter
// arrays, PostgreSQL COPY): a value the target would round or could not hold is refused with
// the reason, never changed.

#include <string>
#include <string_view>

#include <replicate/types.hpp>

namespace replicate::detail {

/// True if SQL Server's datetime (ticks of 1/300 s: .000, .003, .007, .010, ...) or, for
/// \p native "smalldatetime", whole minutes hold \p t as it is.
bool on_legacy_grid(const Timestamp& t, const std::string& native);

/// Why timestamp column \p target would round \p t (its fraction has more digits than the
/// column keeps, or it is off a legacy datetime's grid); empty if it fits.
std::string timestamp_misfit(const Timestamp& t, const Column& target);

/// Why decimal column \p target would round the canonical decimal text \p v (more digits after
/// the point than its scale) or could not hold it (more before the point than its precision
/// leaves); empty if it fits or the column has no declared precision.
std::string decimal_misfit(std::string_view v, const Column& target);

/// Why text column \p target would turn characters of text column \p source into '?': the
/// target is non-Unicode (SQL Server char/varchar whose collation's code page is not 65001)
/// and the source is Unicode or of another code page (ColumnType::code_page). Empty if every
/// character arrives: a Unicode target, the same code page, or a source that is not text.
std::string code_page_misfit(const ColumnType& target, const ColumnType& source);

}  // namespace replicate::detail
