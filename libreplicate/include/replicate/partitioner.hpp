#pragma once
/// \file partitioner.hpp
/// Splits a table and a requested range into Partitions.

#include <memory>
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

}  // namespace replicate
