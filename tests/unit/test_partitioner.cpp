#include <replicate/partitioner.hpp>

#include "helpers.hpp"

using namespace replicate;
using test::d;

namespace {
TableSpec sales() {
    TableSpec t;
    t.source = {"COM_5013", "APP_4_SALES"};
    t.target = {"dbo", "com_5013_APP_4_SALES"};
    t.partition_column = "DATETIME__SALES_DATE";
    return t;
}

std::vector<DateRange> ranges(const std::vector<Partition>& parts) {
    std::vector<DateRange> out;
    for (const Partition& p : parts) out.push_back(*p.range());
    return out;
}
}  // namespace

TEST_CASE("the user's end date is inclusive: --end-date 2025-10-31 covers all of Oct 31") {
    const DateRange r = DateRange::inclusive(d("2025-10-01"), d("2025-10-31"));
    CHECK(r.lo == d("2025-10-01"));
    CHECK(r.hi == d("2025-11-01"));
}

TEST_CASE("end before start is a config error naming both dates") {
    std::string msg;
    CHECK(test::error_kind([] { DateRange::inclusive(d("2025-10-31"), d("2025-10-01")); }, &msg) ==
          ErrorKind::config);
    CHECK(msg.find("2025-10-01") != std::string::npos);
    CHECK(msg.find("2025-10-31") != std::string::npos);
}

TEST_CASE("monthly partitions follow calendar month edges") {
    const auto parts =
        MonthlyPartitioner().split(sales(), DateRange::inclusive(d("2025-01-01"), d("2025-03-31")));
    CHECK(ranges(parts) == std::vector<DateRange>{{d("2025-01-01"), d("2025-02-01")},
                                                  {d("2025-02-01"), d("2025-03-01")},
                                                  {d("2025-03-01"), d("2025-04-01")}});
    for (const Partition& p : parts) CHECK(p.table == sales());
}

TEST_CASE("partial first and last months are clipped to the range") {
    const auto parts =
        MonthlyPartitioner().split(sales(), DateRange::inclusive(d("2024-12-15"), d("2025-02-10")));
    CHECK(ranges(parts) == std::vector<DateRange>{{d("2024-12-15"), d("2025-01-01")},
                                                  {d("2025-01-01"), d("2025-02-01")},
                                                  {d("2025-02-01"), d("2025-02-11")}});
}

TEST_CASE("leap years: February 2024 has 29 days, 2023 has 28, 1900 is not leap, 2000 is") {
    auto feb = [](const char* first, const char* last) {
        return ranges(MonthlyPartitioner().split(sales(), DateRange::inclusive(d(first), d(last))));
    };
    CHECK(feb("2024-02-01", "2024-02-29") ==
          std::vector<DateRange>{{d("2024-02-01"), d("2024-03-01")}});
    CHECK(test::error_kind([] { d("2023-02-29"); }) == ErrorKind::config);
    CHECK(test::error_kind([] { d("1900-02-29"); }) == ErrorKind::config);
    CHECK(d("2000-02-29").day == 29);
    CHECK(days_in_month(2024, 2) == 29);
    CHECK(days_in_month(2100, 2) == 28);
}

TEST_CASE("a one-day range is one partition of one day") {
    CHECK(ranges(MonthlyPartitioner().split(sales(), DateRange::inclusive(d("2025-10-31"), d("2025-10-31")))) ==
          std::vector<DateRange>{{d("2025-10-31"), d("2025-11-01")}});
}

TEST_CASE("a range inside one month is one partition") {
    CHECK(ranges(MonthlyPartitioner().split(sales(), DateRange::inclusive(d("2025-10-05"), d("2025-10-20")))) ==
          std::vector<DateRange>{{d("2025-10-05"), d("2025-10-21")}});
}

TEST_CASE("partitions tile the range: contiguous, no gap, no overlap, over many ranges") {
    const Date base = d("2023-11-20");
    for (int start = 0; start < 400; start += 7) {
        for (int len = 0; len < 500; len += 13) {
            const Date a = base.add_days(start);
            const Date b = a.add_days(len);
            const auto parts = MonthlyPartitioner().split(sales(), DateRange::inclusive(a, b));
            REQUIRE_FALSE(parts.empty());
            CHECK(parts.front().range()->lo == a);
            CHECK(parts.back().range()->hi == b.add_days(1));
            for (std::size_t i = 1; i < parts.size(); ++i) {
                CHECK(parts[i].range()->lo == parts[i - 1].range()->hi);
                CHECK(parts[i].range()->lo.day == 1);
            }
        }
    }
}

TEST_CASE("fixed-width partitions: daily") {
    const auto parts =
        FixedDaysPartitioner(1).split(sales(), DateRange::inclusive(d("2025-02-27"), d("2025-03-01")));
    CHECK(ranges(parts) == std::vector<DateRange>{{d("2025-02-27"), d("2025-02-28")},
                                                  {d("2025-02-28"), d("2025-03-01")},
                                                  {d("2025-03-01"), d("2025-03-02")}});
    CHECK(test::error_kind([] { FixedDaysPartitioner(0); }) == ErrorKind::config);
}

TEST_CASE("a full-refresh table is one whole-table partition whatever the range") {
    TableSpec item;
    item.source = {"", "APP_4_ITEM"};
    item.target = {"", "com_5013_APP_4_ITEM"};
    item.mode = TableMode::full_refresh;
    const auto parts =
        MonthlyPartitioner().split(item, DateRange::inclusive(d("2025-01-01"), d("2025-12-31")));
    REQUIRE(parts.size() == 1);
    CHECK(parts[0].whole_table());
    CHECK(parts[0].label() == "whole table");
}

TEST_CASE("dates: parsing is strict and day arithmetic round-trips") {
    for (const char* bad : {"2025-1-01", "2025/01/01", "20250101", "2025-13-01", "2025-00-10",
                            "2025-04-31", "abcd-ef-gh", "", "2025-01-01 "}) {
        CAPTURE(bad);
        CHECK(test::error_kind([&] { Date::parse(bad); }) == ErrorKind::config);
    }
    Date day = d("1899-12-25");
    for (int i = 0; i < 200 * 366; ++i) {
        const Date next = day.add_days(1);
        REQUIRE(Date::from_days_since_epoch(day.days_since_epoch()) == day);
        REQUIRE(next.days_since_epoch() == day.days_since_epoch() + 1);
        REQUIRE(next.valid());
        day = next;
    }
    CHECK(d("1970-01-01").days_since_epoch() == 0);
    CHECK(d("0001-01-01").valid());
    CHECK(d("9999-12-31").valid());
}

TEST_CASE("deal_shares: disjoint shares that cover every item once, balanced, the same every time") {
    const std::vector<std::int64_t> weights{500, 20, 20, 20, 300, 0, 0, 280, 90, 10, 10, 10, 0};
    for (int n = 1; n <= 6; ++n) {
        const std::vector<int> shares = deal_shares(weights, n);
        REQUIRE(shares.size() == weights.size());
        std::vector<std::int64_t> load(static_cast<std::size_t>(n), 0);
        std::vector<int> items(static_cast<std::size_t>(n), 0);
        for (std::size_t i = 0; i < weights.size(); ++i) {
            REQUIRE(shares[i] >= 0);
            REQUIRE(shares[i] < n);
            load[static_cast<std::size_t>(shares[i])] += weights[i];
            ++items[static_cast<std::size_t>(shares[i])];
        }
        // Greedy by weight: no share exceeds the average by more than the heaviest item.
        const std::int64_t total = 1260;
        for (std::int64_t l : load) CHECK(l <= total / n + 500);
        // Empty items are spread too, not all piled on share 0.
        if (n <= 3) {
            for (int c : items) CHECK(c >= 1);
        }
        CHECK(deal_shares(weights, n) == shares);  // deterministic
    }
    // Two processes, three shares each of the same weights: identical.
    CHECK(deal_shares({5, 5, 5, 5}, 2) == std::vector<int>{0, 1, 0, 1});
    CHECK(test::error_kind([] { deal_shares({1}, 0); }) == ErrorKind::config);
}

TEST_CASE("partition keys: TABLE:LO..HI, TABLE:NULL, TABLE") {
    TableSpec t;
    t.source = {"COM_5013", "APP_4_SALES"};
    t.partition_column = "D";
    CHECK(partition_key(Partition::of_range(t, DateRange{test::d("2025-10-01"), test::d("2025-11-01")})) ==
          "COM_5013.APP_4_SALES:2025-10-01..2025-11-01");
    CHECK(partition_key(Partition::of_null_dates(t)) == "COM_5013.APP_4_SALES:NULL");
    CHECK(partition_key(Partition::of_whole_table(t)) == "COM_5013.APP_4_SALES");
}

TEST_CASE("a partition says which of its three kinds it is") {
    TableSpec t;
    t.source = {"", "S"};
    t.partition_column = "D";
    const Partition month = Partition::of_range(t, DateRange{test::d("2025-10-01"), test::d("2025-11-01")});
    CHECK(month.kind() == PartitionKind::range);
    CHECK(to_string(month.kind()) == "range");
    CHECK(month.label() == "2025-10-01..2025-11-01");
    CHECK(Partition::of_null_dates(t).kind() == PartitionKind::null_dates);
    CHECK(Partition::of_null_dates(t).label() == "NULL dates");
    CHECK(Partition::of_whole_table(t).kind() == PartitionKind::whole_table);
    CHECK(Partition::of_whole_table(t).whole_table());
    CHECK(to_string(PartitionKind::whole_table) == "whole_table");
}
