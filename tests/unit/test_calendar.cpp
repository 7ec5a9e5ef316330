// A nightly run's dates in the business's time zone (Asia/Kuala_Lumpur, UTC+8, no DST).
#include <chrono>

#include <replicate/calendar.hpp>

#include "helpers.hpp"

using namespace replicate;
using test::d;

namespace {

/// The instant of \p day at hh:mm UTC.
std::chrono::system_clock::time_point utc(const char* day, int hh, int mm) {
    const std::int64_t days = Date::parse(day).days_since_epoch();
    return std::chrono::system_clock::time_point(std::chrono::seconds(days * 86400 + hh * 3600 + mm * 60));
}

}  // namespace

TEST_CASE("yesterday is the business's yesterday: 00:30 and 02:00 in UTC+8") {
    const std::string kl = "Asia/Kuala_Lumpur";
    // 00:30 on 2 Dec in Kuala Lumpur is 16:30 on 1 Dec UTC.
    const auto half_past_midnight = utc("2026-12-01", 16, 30);
    CHECK(local_date(half_past_midnight, kl) == d("2026-12-02"));
    CHECK(relative_range(local_date(half_past_midnight, kl), RelativeDays::yesterday) ==
          DateRange::inclusive(d("2026-12-01"), d("2026-12-01")));
    // 02:00 on 2 Dec in Kuala Lumpur is 18:00 on 1 Dec UTC: the previous tool took "yesterday"
    // in UTC, 30 Nov, the day before the business's yesterday.
    const auto two_am = utc("2026-12-01", 18, 0);
    CHECK(local_date(two_am, kl) == d("2026-12-02"));
    CHECK(local_date(two_am, "UTC") == d("2026-12-01"));
    CHECK(relative_range(local_date(two_am, kl), RelativeDays::yesterday).lo == d("2026-12-01"));
    CHECK(relative_range(local_date(two_am, "UTC"), RelativeDays::yesterday).lo == d("2026-11-30"));
    // 23:59 local on 1 Dec is still 1 Dec.
    CHECK(local_date(utc("2026-12-01", 15, 59), kl) == d("2026-12-01"));
}

TEST_CASE("relative ranges: today, yesterday, the last N days, lookback days before them") {
    const Date today = d("2026-03-01");
    CHECK(relative_range(today, RelativeDays::today) == DateRange::inclusive(today, today));
    CHECK(relative_range(today, RelativeDays::yesterday) ==
          DateRange::inclusive(d("2026-02-28"), d("2026-02-28")));
    CHECK(relative_range(today, RelativeDays::days_back, 7) ==
          DateRange::inclusive(d("2026-02-22"), d("2026-02-28")));
    CHECK(relative_range(today, RelativeDays::yesterday, 1, 3) ==
          DateRange::inclusive(d("2026-02-25"), d("2026-02-28")));
    CHECK(relative_range(d("2028-03-01"), RelativeDays::yesterday).lo == d("2028-02-29"));
    CHECK(test::error_kind([&] { relative_range(today, RelativeDays::days_back, 0); }) == ErrorKind::config);
    CHECK(test::error_kind([&] { relative_range(today, RelativeDays::yesterday, 1, -1); }) == ErrorKind::config);
    std::string message;
    CHECK(test::error_kind([&] { local_date(std::chrono::system_clock::now(), "Asia/Kuala_Lampur"); },
                           &message) == ErrorKind::config);
    CHECK(message.find("Asia/Kuala_Lampur") != std::string::npos);
    CHECK(zone_name("Asia/Kuala_Lumpur") == "Asia/Kuala_Lumpur");
}

TEST_CASE("a date column that holds UTC: each business day's bounds in UTC; text dates as ISO text") {
    TableSpec spec;
    spec.source = {"", "APP_4_SALESCREDITNOTE"};
    spec.partition_column = "DATETIMEUTC_BUSINESS_DATE";
    spec.business_zone = "Asia/Kuala_Lumpur";
    spec.date_column_zone = "UTC";
    const Partition october = Partition::of_range(spec, DateRange{d("2025-10-01"), d("2025-11-01")});
    const auto bounds = column_bounds(october);
    CHECK(bound_text(bounds.first) == "2025-09-30 16:00:00");
    CHECK(bound_text(bounds.second) == "2025-10-31 16:00:00");
    // The same zone on both sides, or none: midnights.
    spec.date_column_zone = "Asia/Kuala_Lumpur";
    CHECK(bound_text(column_bounds(Partition::of_range(spec, *october.range())).first) == "2025-10-01");
    spec.date_column_zone.clear();
    CHECK(bound_text(column_bounds(Partition::of_range(spec, *october.range())).second) == "2025-11-01");
    // A zone with daylight saving time: New York's 2 November 2025 starts at 04:00 UTC, the 3rd
    // at 05:00 (clocks went back that night).
    spec.business_zone = "America/New_York";
    spec.date_column_zone = "UTC";
    const auto ny = column_bounds(Partition::of_range(spec, DateRange{d("2025-11-02"), d("2025-11-03")}));
    CHECK(bound_text(ny.first) == "2025-11-02 04:00:00");
    CHECK(bound_text(ny.second) == "2025-11-03 05:00:00");

    // The checks: a UTC zone needs a datetime; a text column needs its format.
    spec.business_zone = "Asia/Kuala_Lumpur";
    const Schema datetime{{"DATETIMEUTC_BUSINESS_DATE", {Type::timestamp}}};
    const Schema day{{"DATETIMEUTC_BUSINESS_DATE", {Type::date}}};
    const Schema text{{"DATETIMEUTC_BUSINESS_DATE", {Type::text, 10}}};
    CHECK_NOTHROW(check_date_column(spec, datetime));
    CHECK(test::error_kind([&] { check_date_column(spec, day); }) == ErrorKind::config);
    spec.date_column_zone = "Mars/Olympus";
    CHECK(test::error_kind([&] { check_date_column(spec, datetime); }) == ErrorKind::config);
    spec.date_column_zone.clear();
    std::string message;
    CHECK(test::error_kind([&] { check_date_column(spec, text); }, &message) == ErrorKind::config);
    CHECK(message.find("date_column_format") != std::string::npos);
    spec.date_column_format = "YYYY-MM-DD";
    CHECK_NOTHROW(check_date_column(spec, text));
    CHECK(test::error_kind([&] { check_date_column(spec, datetime); }) == ErrorKind::config);
}
