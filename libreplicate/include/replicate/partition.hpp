#pragma once
/// \file partition.hpp
/// A unit of work: one table and one half-open date range (or the whole table).

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include <replicate/table_spec.hpp>
#include <replicate/types.hpp>

namespace replicate {

/// Half-open range [lo, hi) of calendar days.
struct DateRange {
    Date lo;
    Date hi;

    /// The range covering \p first to \p last, both included (what users type).
    /// Throws Error(kind config) if last is before first.
    static DateRange inclusive(Date first, Date last);
    friend bool operator==(const DateRange& a, const DateRange& b) {
        return a.lo == b.lo && a.hi == b.hi;
    }
    friend bool operator!=(const DateRange& a, const DateRange& b) { return !(a == b); }
};

std::ostream& operator<<(std::ostream& os, const DateRange& r);

/// Which rows of its table a partition holds.
enum class PartitionKind {
    range,        ///< the rows whose date column lies in a half-open range of days
    null_dates,   ///< the rows whose date column is NULL, which no range holds
    whole_table,  ///< every row (a full refresh)
};
/// "range", "null_dates", "whole_table" (as reports and plans print it).
std::string_view to_string(PartitionKind kind);

/// One table and the rows of it that one task copies: a range of days, the NULL-dated rows,
/// or the whole table (PartitionKind). Made by of_range(), of_null_dates(), of_whole_table().
/// Ranges are bound as typed parameters, never formatted into SQL.
struct Partition {
    TableSpec table;

    static Partition of_range(const TableSpec& table, const DateRange& days) {
        Partition p;
        p.table = table;
        p.kind_ = PartitionKind::range;
        p.range_ = days;
        return p;
    }
    static Partition of_null_dates(const TableSpec& table) {
        Partition p;
        p.table = table;
        p.kind_ = PartitionKind::null_dates;
        return p;
    }
    static Partition of_whole_table(const TableSpec& table) {
        Partition p;
        p.table = table;
        return p;
    }

    /// Which of the three kinds this partition is.
    PartitionKind kind() const { return kind_; }
    /// The days of a range partition; empty for the other kinds.
    const std::optional<DateRange>& range() const { return range_; }
    bool null_dates() const { return kind_ == PartitionKind::null_dates; }
    bool whole_table() const { return kind_ == PartitionKind::whole_table; }
    /// "2025-10-01..2025-11-01", "NULL dates" or "whole table", for logs and messages.
    std::string label() const;

    friend bool operator==(const Partition& a, const Partition& b) {
        return a.table == b.table && a.kind_ == b.kind_ && a.range_ == b.range_;
    }
    friend bool operator!=(const Partition& a, const Partition& b) { return !(a == b); }

private:
    PartitionKind kind_ = PartitionKind::whole_table;
    std::optional<DateRange> range_;  // set for PartitionKind::range only
};

std::ostream& operator<<(std::ostream& os, const Partition& p);

}  // namespace replicate
