#include <replicate/error.hpp>
#include <replicate/partition.hpp>
#include <replicate/partitioner.hpp>

#include <algorithm>
#include <ostream>

namespace replicate {

std::string QualifiedName::display() const { return schema.empty() ? table : schema + "." + table; }

std::ostream& operator<<(std::ostream& os, const QualifiedName& n) { return os << n.display(); }

std::ostream& operator<<(std::ostream& os, const TableSpec& t) {
    os << "TableSpec{" << t.source << " -> " << t.target;
    if (t.mode == TableMode::partitioned) {
        os << " on " << t.partition_column;
    } else {
        os << " full refresh";
    }
    return os << '}';
}

DateRange DateRange::inclusive(Date first, Date last) {
    if (last < first) {
        throw Error(ErrorKind::config, "end date " + last.to_string() + " is before start date " +
                                           first.to_string() + ": swap them");
    }
    return DateRange{first, last.add_days(1)};
}

std::ostream& operator<<(std::ostream& os, const DateRange& r) {
    return os << '[' << r.lo << ", " << r.hi << ')';
}

std::string_view to_string(PartitionKind kind) {
    switch (kind) {
    case PartitionKind::range: return "range";
    case PartitionKind::null_dates: return "null_dates";
    case PartitionKind::whole_table: return "whole_table";
    }
    return "?";
}

std::string Partition::label() const {
    switch (kind()) {
    case PartitionKind::null_dates: return "NULL dates";
    case PartitionKind::range: return range_->lo.to_string() + ".." + range_->hi.to_string();
    case PartitionKind::whole_table: break;
    }
    return "whole table";
}

std::ostream& operator<<(std::ostream& os, const Partition& p) {
    return os << "Partition{" << p.table.source << ' ' << p.label() << '}';
}

namespace {
std::vector<Partition> whole(const TableSpec& table) { return {Partition::of_whole_table(table)}; }
}  // namespace

std::vector<Partition> MonthlyPartitioner::split(const TableSpec& table,
                                                 const DateRange& range) const {
    if (table.mode == TableMode::full_refresh) return whole(table);
    std::vector<Partition> out;
    for (Date lo = range.lo; lo < range.hi;) {
        Date hi = lo.first_of_next_month();
        if (range.hi < hi) hi = range.hi;
        out.push_back(Partition::of_range(table, DateRange{lo, hi}));
        lo = hi;
    }
    return out;
}

FixedDaysPartitioner::FixedDaysPartitioner(int days) : days_(days) {
    if (days < 1) {
        throw Error(ErrorKind::config, "partition width must be at least 1 day, got " +
                                           std::to_string(days));
    }
}

std::vector<Partition> FixedDaysPartitioner::split(const TableSpec& table,
                                                   const DateRange& range) const {
    if (table.mode == TableMode::full_refresh) return whole(table);
    std::vector<Partition> out;
    for (Date lo = range.lo; lo < range.hi;) {
        Date hi = lo.add_days(days_);
        if (range.hi < hi) hi = range.hi;
        out.push_back(Partition::of_range(table, DateRange{lo, hi}));
        lo = hi;
    }
    return out;
}

std::vector<int> deal_shares(const std::vector<std::int64_t>& weights, int n) {
    if (n < 1) throw Error(ErrorKind::config, "the number of shares must be 1 or more");
    std::vector<std::size_t> order(weights.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return weights[a] > weights[b]; });
    std::vector<std::int64_t> load(static_cast<std::size_t>(n), 0);
    std::vector<int> share(weights.size(), 0);
    for (std::size_t i : order) {
        const auto lightest = std::min_element(load.begin(), load.end());
        share[i] = static_cast<int>(lightest - load.begin());
        *lightest += std::max<std::int64_t>(weights[i], 0) + 1;  // +1: empty items spread too
    }
    return share;
}

std::string partition_key(const Partition& partition) {
    const std::string table = partition.table.source.display();
    switch (partition.kind()) {
    case PartitionKind::null_dates: return table + ":NULL";
    case PartitionKind::whole_table: return table;
    case PartitionKind::range: break;
    }
    return table + ":" + partition.label();
}

}  // namespace replicate
