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

}  // namespace replicate
