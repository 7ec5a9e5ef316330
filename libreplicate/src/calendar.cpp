#include <replicate/calendar.hpp>

#include <algorithm>
#include <sstream>

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

namespace {

/// \p day's midnight in \p from, as wall time in \p to.
Timestamp shifted_midnight(const Date& day, const date::time_zone* from, const date::time_zone* to) {
    const date::local_days local{date::year{day.year} / day.month / day.day};
    const auto instant = from->to_sys(local, date::choose::earliest);
    const auto there = to->to_local(instant);
    const auto days = date::floor<date::days>(there);
    const date::year_month_day ymd(days);
    const date::hh_mm_ss<std::chrono::seconds> tod(
        std::chrono::duration_cast<std::chrono::seconds>(there - days));
    Timestamp t;
    t.date = Date{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
                  static_cast<int>(static_cast<unsigned>(ymd.day()))};
    t.hour = static_cast<int>(tod.hours().count());
    t.minute = static_cast<int>(tod.minutes().count());
    t.second = static_cast<int>(tod.seconds().count());
    return t;
}

}  // namespace

std::pair<Timestamp, Timestamp> column_bounds(const Partition& partition) {
    const DateRange& r = *partition.range();
    const TableSpec& spec = partition.table;
    if (spec.date_column_zone.empty()) return {Timestamp{r.lo}, Timestamp{r.hi}};
    const date::time_zone* from = find_zone(spec.business_zone);
    const date::time_zone* to = find_zone(spec.date_column_zone);
    if (from == to) return {Timestamp{r.lo}, Timestamp{r.hi}};
    return {shifted_midnight(r.lo, from, to), shifted_midnight(r.hi, from, to)};
}

void check_date_column(const TableSpec& spec, const Schema& schema) {
    const auto it = std::find_if(schema.begin(), schema.end(),
                                 [&](const Column& c) { return c.name == spec.partition_column; });
    const std::string where = "date column '" + spec.partition_column + "' of " + spec.source.display();
    if (it == schema.end()) {
        throw Error(ErrorKind::config, where + " does not exist: fix date_column in the job file");
    }
    const Type t = it->type.type;
    std::ostringstream type;
    type << it->type;
    if (t == Type::text) {
        if (spec.date_column_format.empty()) {
            throw Error(ErrorKind::config, where + " is " + type.str() +
                                               ": name a date/datetime column, or give its format "
                                               "(date_column_format = \"YYYY-MM-DD\")");
        }
        return;
    }
    if (t != Type::date && t != Type::timestamp) {
        throw Error(ErrorKind::config,
                    where + " is " + type.str() + ", not a date or timestamp: name a date/datetime column");
    }
    if (!spec.date_column_format.empty()) {
        throw Error(ErrorKind::config, where + " is " + type.str() +
                                           ", not text: drop date_column_format");
    }
    if (!spec.date_column_zone.empty()) {
        if (t != Type::timestamp) {
            throw Error(ErrorKind::config, where + " is a date: date_column_zone needs a datetime "
                                                   "(a date has no time to move)");
        }
        find_zone(spec.date_column_zone);
        find_zone(spec.business_zone);
    }
}

std::string bound_text(const Timestamp& bound) {
    if (bound.hour == 0 && bound.minute == 0 && bound.second == 0 && bound.nanosecond == 0) {
        return bound.date.to_string();
    }
    return bound.to_string();
}

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
