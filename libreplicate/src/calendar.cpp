#include <replicate/calendar.hpp>

#include <date/tz.h>

#include <replicate/error.hpp>

namespace replicate {

namespace {

const date::time_zone* find_zone(const std::string& zone) {
    try {
        return zone.empty() ? date::current_zone() : date::locate_zone(zone);
    } catch (const std::exception& e) {
        throw Error(ErrorKind::config,
                    "unknown time zone '" + zone + "' (" + e.what() +
                        "): set [run] time_zone to an IANA name such as \"Asia/Kuala_Lumpur\"");
    }
}

}  // namespace

Date local_date(std::chrono::system_clock::time_point now, const std::string& zone) {
    const date::zoned_time<std::chrono::system_clock::duration> local(find_zone(zone), now);
    const date::year_month_day ymd(date::floor<date::days>(local.get_local_time()));
    return Date{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
                static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

std::string zone_name(const std::string& zone) { return std::string(find_zone(zone)->name()); }

DateRange relative_range(Date today, RelativeDays what, int days, int lookback_days) {
    if (lookback_days < 0) {
        throw Error(ErrorKind::config, "[run] lookback_days must be 0 or more, got " +
                                           std::to_string(lookback_days));
    }
    Date first;
    Date last;
    switch (what) {
    case RelativeDays::today: first = last = today; break;
    case RelativeDays::yesterday: first = last = today.add_days(-1); break;
    case RelativeDays::days_back:
        if (days < 1) {
            throw Error(ErrorKind::config,
                        "--days-back must be 1 or more, got " + std::to_string(days));
        }
        last = today.add_days(-1);
        first = today.add_days(-days);
        break;
    }
    return DateRange::inclusive(first.add_days(-lookback_days), last);
}

}  // namespace replicate
