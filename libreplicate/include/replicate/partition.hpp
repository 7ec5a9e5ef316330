#pragma once
/// \file partition.hpp
/// A unit of work: one table and one half-open date range (or the whole table).

#include <iosfwd>
#include <optional>
#include <string>

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

/// One table and the rows of it that one task copies. Ranges are bound as typed parameters,
/// never formatted into SQL.
struct Partition {
    TableSpec table;
    /// Empty: the whole table (full refresh), or the NULL-dated rows when null_dates is set.
    std::optional<DateRange> range;
    /// The rows whose partition column is NULL, which no date range holds.
    bool null_dates = false;

    bool whole_table() const { return !range.has_value() && !null_dates; }
    /// "2025-10-01..2025-11-01", "NULL dates" or "whole table", for logs and messages.
    std::string label() const;

    friend bool operator==(const Partition& a, const Partition& b) {
        return a.table == b.table && a.range == b.range && a.null_dates == b.null_dates;
    }
    friend bool operator!=(const Partition& a, const Partition& b) { return !(a == b); }
};

std::ostream& operator<<(std::ostream& os, const Partition& p);

}  // namespace replicate
