#pragma once
/// \file calendar.hpp
/// Business days in a time zone: what "today" and "yesterday" are for a nightly run.

#include <chrono>
#include <string>

#include <replicate/partition.hpp>
#include <replicate/types.hpp>

namespace replicate {

/// The calendar date at instant \p now in the IANA time zone \p zone ("Asia/Kuala_Lumpur"; empty:
/// the machine's zone). Throws Error(kind config) naming an unknown zone.
Date local_date(std::chrono::system_clock::time_point now, const std::string& zone);

/// The name of \p zone as the tz database has it, the machine's zone for "" (for summaries).
std::string zone_name(const std::string& zone);

/// Which days a nightly run copies, relative to the local date.
enum class RelativeDays {
    today,      ///< today so far
    yesterday,  ///< yesterday
    days_back,  ///< the last N days up to yesterday, both included
};

/// The days to copy: \p what relative to \p today, widened by \p lookback_days earlier days
/// (late voids and corrections). \p days is N for days_back (1 or more). Throws Error(kind
/// config) for N < 1 or negative lookback.
DateRange relative_range(Date today, RelativeDays what, int days = 1, int lookback_days = 0);

/// Where the date column of \p partition's table starts and ends the partition's range, in the
/// column's own time: midnights of the range's days, or, when TableSpec::date_column_zone
/// differs from the business zone, the instants the business days start there (Kuala Lumpur's
/// 1 October starts at 30 September 16:00 UTC). Requires a range partition.
std::pair<Timestamp, Timestamp> column_bounds(const Partition& partition);

/// Checks that \p spec's date column exists in \p schema and can cut ranges: a date or
/// datetime, or text with TableSpec::date_column_format; a datetime when date_column_zone is
/// set (which must name a known zone). Throws Error(kind config) naming the column and what to fix.
void check_date_column(const TableSpec& spec, const Schema& schema);

/// A bound as text for comparisons and literals: "YYYY-MM-DD" at midnight, else
/// "YYYY-MM-DD HH:MM:SS[.fff...]".
std::string bound_text(const Timestamp& bound);

}  // namespace replicate
