#pragma once
/// \file partitioner.hpp
/// Splits a table and a requested range into Partitions.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <replicate/partition.hpp>

namespace replicate {

/// Turns a TableSpec and a requested range into Partitions. Implementations are stateless and
/// thread-safe.
class Partitioner {
public:
    virtual ~Partitioner() = default;
    /// Partitions in ascending order that together cover \p range exactly once. A full-refresh
    /// table yields one whole-table partition whatever the range.
    virtual std::vector<Partition> split(const TableSpec& table, const DateRange& range) const = 0;
};

/// Calendar months: the first and last partitions are clipped to the range.
class MonthlyPartitioner final : public Partitioner {
public:
    std::vector<Partition> split(const TableSpec& table, const DateRange& range) const override;
};

/// Fixed widths of \p days days (1 = daily), starting at the range's first day.
class FixedDaysPartitioner final : public Partitioner {
public:
    explicit FixedDaysPartitioner(int days);
    std::vector<Partition> split(const TableSpec& table, const DateRange& range) const override;

private:
    int days_;
};

/// Deals items of the given weights (a plan's partitions and their estimated rows) into \p n
/// shares balanced by weight: heaviest first, each to the lightest share so far (ties: the
/// lower share number, then the earlier item). Deterministic: the same weights give the same
/// shares in every process, so N processes that each take share k cover every item exactly
/// once. Returns each item's share, 0..n-1. Throws Error(kind config) unless n >= 1.
std::vector<int> deal_shares(const std::vector<std::int64_t>& weights, int n);

/// "TABLE:LO..HI" for a date range (half-open, as --plan-json and the logs print it),
/// "TABLE:NULL" for the NULL-dated rows, "TABLE" for a whole table.
std::string partition_key(const Partition& partition);

}  // namespace replicate
