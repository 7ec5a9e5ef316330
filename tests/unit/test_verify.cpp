// Verification: the canonical row checksum and the orchestrator's --verify / --verify-only /
// repair flow on the in-memory target, where the target can be tampered with directly.
#include <algorithm>
#include <cmath>

#include <replicate/memory.hpp>
#include <replicate/orchestrator.hpp>

#include "../../libreplicate/src/checksum.hpp"
#include "helpers.hpp"

using namespace replicate;
using replicate::detail::Checksum;
using replicate::detail::RowHasher;
using test::d;

namespace {

Checksum sum_of(const Schema& source, const Schema& target, const std::vector<std::vector<Value>>& rows,
                bool target_side = false) {
    Batch b(target_side ? target : source);
    for (const auto& r : rows) b.append_row(r);
    RowHasher h = target_side ? RowHasher::for_target(source, target) : RowHasher::for_source(source, target);
    Checksum c;
    h.add(b, c);
    return c;
}

Value text(const char* s) { return Value{std::string(s)}; }
Value integer(std::int64_t v) { return Value{v}; }

}  // namespace

TEST_CASE("canonical decimals: one text per number") {
    using replicate::detail::canonical_decimal;
    CHECK(canonical_decimal("12.5000") == "12.5");
    CHECK(canonical_decimal("+007.50") == "7.5");
    CHECK(canonical_decimal("-0.000") == "0");
    CHECK(canonical_decimal("0") == "0");
    CHECK(canonical_decimal("-.25") == "-0.25");
    CHECK(canonical_decimal("100") == "100");
    CHECK(canonical_decimal("100.") == "100");
    CHECK(canonical_decimal("-12345678901234567890.1234567890") == "-12345678901234567890.123456789");
}

TEST_CASE("row checksums: order-independent, and every kind of damage changes them") {
    const Schema s{{"ID", {Type::int64}}, {"NAME", {Type::text, 20}}, {"AT", {Type::timestamp, 0, 3}},
                   {"AMOUNT", {Type::decimal, 0, 16, 4}}, {"RATE", {Type::float64}}};
    const std::vector<std::vector<Value>> rows{
        {integer(1), text("Kedai Ah Seng"), Value{Timestamp{d("2025-10-01"), 9, 30, 0, 125000000}},
         text("12.5000"), Value{0.1}},
        {integer(2), Value{}, Value{Timestamp{d("2025-10-02"), 0, 0, 0, 0}}, text("-3.0000"), Value{-0.0}},
        {integer(3), text("茶餐室 🍜"), Value{}, Value{}, Value{1e300}}};
    const Checksum base = sum_of(s, s, rows);
    CHECK(base.rows == 3);
    CHECK(base.text().rfind("xxh3:", 0) == 0);
    CHECK(base.text().size() == 21);

    auto reversed = rows;
    std::reverse(reversed.begin(), reversed.end());
    CHECK(sum_of(s, s, reversed) == base);

    SUBCASE("a changed value in any column") {
        for (std::size_t col = 0; col < s.size(); ++col) {
            auto changed = rows;
            Value& v = changed[0][col];
            if (col == 0) v = integer(7);
            if (col == 1) v = text("Kedai Ah Seng.");
            if (col == 2) v = Value{Timestamp{d("2025-10-01"), 9, 30, 0, 126000000}};  // +1 ms
            if (col == 3) v = text("12.5001");
            if (col == 4) v = Value{std::nextafter(0.1, 1.0)};  // one bit
            CHECK_MESSAGE(!(sum_of(s, s, changed) == base), "column " << s[col].name);
        }
    }
    SUBCASE("a missing row, a duplicated row, a NULL turned into ''") {
        CHECK(!(sum_of(s, s, {rows[0], rows[1]}) == base));
        auto doubled = rows;
        doubled.push_back(rows[2]);
        CHECK(!(sum_of(s, s, doubled) == base));
        auto blank = rows;
        blank[1][1] = text("");
        const Checksum c = sum_of(s, s, blank);
        CHECK(c.rows == base.rows);
        CHECK(!(c == base));
    }
    SUBCASE("two swapped values of one row change it, though the sums of columns would not") {
        auto swapped = rows;
        std::swap(swapped[0][1], swapped[2][1]);
        CHECK(!(sum_of(s, s, swapped) == base));
    }
}

TEST_CASE("row checksums compare values, not DBMS representations") {
    // The target keeps the same values in other types: a decimal as integer, a timestamp
    // column as date where the time is midnight, char(n) padded, columns in another order
    // and of another case, one column more.
    const Schema source{{"ID", {Type::decimal, 0, 10, 0}}, {"DAY", {Type::timestamp}},
                        {"CODE", {Type::text, 6, 0, 0, true}}, {"Q", {Type::int16}}};
    const Schema target{{"extra", {Type::text}}, {"q", {Type::int64}}, {"code", {Type::text, 6}},
                        {"day", {Type::date}}, {"id", {Type::int64}}};
    const Checksum src = sum_of(source, target,
                                {{text("42.000"), Value{Timestamp{d("2025-10-01")}}, text("AB    "), integer(-1)}});
    const Checksum dst = sum_of(source, target,
                                {{text("ignored"), integer(-1), text("AB"), Value{Timestamp{d("2025-10-01")}},
                                  integer(42)}},
                                true);
    CHECK(src == dst);

    // A column the target keeps as another kind is left out of both sides, by name.
    const Schema as_text{{"ID", {Type::decimal, 0, 10, 0}}, {"DAY", {Type::timestamp}},
                         {"CODE", {Type::text, 6}}, {"Q", {Type::text, 10}}};
    CHECK(RowHasher::for_source(source, as_text).skipped() == std::vector<std::string>{"Q"});
    CHECK(RowHasher::for_target(source, as_text).skipped() == std::vector<std::string>{"Q"});

    // A source column the target lacks cannot be verified.
    const Schema fewer{{"ID", {Type::int64}}};
    CHECK(test::error_kind([&] { RowHasher::for_target(source, fewer); }) == ErrorKind::config);
}

namespace {

Schema sales_schema() {
    return {{"ID", {Type::int64}}, {"SALE_DATE", {Type::timestamp}}, {"NOTE", {Type::text}}};
}

std::shared_ptr<MemoryDatabase> source_db() {
    auto db = std::make_shared<MemoryDatabase>();
    MemoryTable t{sales_schema(), {}};
    for (int m = 1; m <= 3; ++m) {
        for (int i = 0; i < 10; ++i) {
            t.rows.push_back({Value{std::int64_t{m * 100 + i}}, Value{Timestamp{Date{2025, m, 1 + i}, i, 0, 0, 0}},
                              i == 3 ? Value{} : Value{std::string("note ") + std::to_string(i)}});
        }
    }
    db->put({"", "S"}, t);
    return db;
}

Plan sales_plan() {
    Plan p;
    TableSpec t;
    t.source = {"", "S"};
    t.target = {"", "t_S"};
    t.partition_column = "SALE_DATE";
    p.tables.push_back(t);
    p.range = DateRange::inclusive(d("2025-01-01"), d("2025-03-31"));
    return p;
}

RunOptions quick() {
    RunOptions o;
    o.max_workers = 2;
    o.retry.base_delay = std::chrono::milliseconds(1);
    return o;
}

/// Applies \p edit to the target table's rows.
void tamper(MemoryDatabase& db, const std::function<void(std::vector<std::vector<Value>>&)>& edit) {
    MemoryTable t = db.get({"", "t_S"});
    edit(t.rows);
    db.put({"", "t_S"}, t);
}

}  // namespace

TEST_CASE("--verify: each copied partition is compared and recorded; --verify-only finds damage; repair fixes exactly it") {
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    MemorySourceFactory source(src);
    MemoryTarget target(dst);
    RunOptions options = quick();
    options.verify = true;
    const RunReport copied = Orchestrator(source, target, options).run(sales_plan());
    REQUIRE(copied.ok());
    REQUIRE(copied.partitions.size() == 3);
    for (const PartitionResult& r : copied.partitions) {
        REQUIRE(r.verification);
        CHECK(r.verification->match());
        CHECK(r.verification->source_rows == 10);
    }
    CHECK(copied.tables[0].partitions_verified == 3);
    for (const LedgerEntry& e : dst->ledger()) CHECK(e.verified == "match");

    // Damage February: the NULL note of row 203 becomes ''.
    tamper(*dst, [](auto& rows) {
        for (auto& r : rows) {
            if (std::get<std::int64_t>(r[0].data) == 203) r[2] = Value{std::string()};
        }
    });
    const RunReport checked = Orchestrator(source, target, quick()).verify(sales_plan());
    CHECK_FALSE(checked.ok());
    std::vector<std::string> bad;
    for (const PartitionResult& r : checked.partitions) {
        REQUIRE(r.verification);
        if (!r.verification->match()) bad.push_back(r.partition.label());
    }
    CHECK(bad == std::vector<std::string>{"2025-02-01..2025-03-01"});
    CHECK(checked.tables[0].partitions_mismatched == 1);

    // --resume does not skip the mismatching partition.
    RunOptions resume = quick();
    resume.resume = true;
    Plan again = sales_plan();
    const RunReport resumed = Orchestrator(source, target, resume).run(again);
    int copied_again = 0;
    for (const PartitionResult& r : resumed.partitions) copied_again += r.status == PartitionStatus::done;
    CHECK(copied_again == 1);
    CHECK(Orchestrator(source, target, quick()).verify(sales_plan()).ok());

    // Plan::only runs exactly the named partitions.
    tamper(*dst, [](auto& rows) { rows.erase(rows.begin()); });
    Plan repair = sales_plan();
    for (const PartitionResult& r : Orchestrator(source, target, quick()).verify(sales_plan()).partitions) {
        if (!r.verification->match()) repair.only.push_back(r.partition);
    }
    REQUIRE(repair.only.size() == 1);
    const RunReport fixed = Orchestrator(source, target, options).run(repair);
    REQUIRE(fixed.partitions.size() == 1);
    CHECK(fixed.partitions[0].partition == repair.only[0]);
    CHECK(fixed.ok());
    CHECK(Orchestrator(source, target, quick()).verify(sales_plan()).ok());
}

TEST_CASE("--verify-only of a table that was never copied is a config error") {
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    MemorySourceFactory source(src);
    MemoryTarget target(dst);
    CHECK(test::error_kind([&] { Orchestrator(source, target, quick()).verify(sales_plan()); }) ==
          ErrorKind::config);
}

TEST_CASE("RunMonitor: a run reports each partition's start, rows and end; the ETA follows the share done") {
    auto src = source_db();
    auto dst = std::make_shared<MemoryDatabase>();
    MemorySourceFactory source(src);
    MemoryTarget target(dst);
    RunMonitor monitor;
    RunOptions options = quick();
    options.monitor = &monitor;
    options.count_rows_first = true;
    REQUIRE(Orchestrator(source, target, options).run(sales_plan()).ok());
    const RunMonitor::Snapshot done = monitor.snapshot();
    CHECK(done.partitions == 3);
    CHECK(done.finished == 3);
    CHECK(done.failed == 0);
    CHECK(done.rows == 30);
    CHECK(done.active.empty());

    // Half of the work done in 10 s: 10 s left. An active partition counts by its estimate.
    RunMonitor::Snapshot snap;
    snap.partitions = 4;
    snap.finished = 1;
    snap.seconds = 10;
    RunMonitor::Active a;
    a.rows = 50;
    a.estimated_rows = 50;
    snap.active = {a, a};
    snap.active[1].rows = 0;
    snap.active[1].estimated_rows.reset();
    REQUIRE(snap.eta_seconds());
    CHECK(*snap.eta_seconds() == doctest::Approx(10.0));
    snap.finished = 0;
    snap.active.clear();
    CHECK_FALSE(snap.eta_seconds());
}
