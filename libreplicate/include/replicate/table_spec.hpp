#pragma once
/// \file table_spec.hpp
/// What to copy: one source table, where it goes and how it is split.

#include <iosfwd>
#include <string>
#include <vector>

namespace replicate {

/// A schema-qualified table name. An empty schema means the connection's default.
struct QualifiedName {
    std::string schema;
    std::string table;

    /// "schema.table" or "table", unquoted, for messages and the ledger.
    std::string display() const;
    friend bool operator==(const QualifiedName& a, const QualifiedName& b) {
        return a.schema == b.schema && a.table == b.table;
    }
    friend bool operator!=(const QualifiedName& a, const QualifiedName& b) { return !(a == b); }
};

std::ostream& operator<<(std::ostream& os, const QualifiedName& n);

enum class TableMode {
    partitioned,   ///< copied range by range on a date column, each range replaced atomically
    full_refresh,  ///< loaded into staging, then swapped in atomically
};

/// One table of a plan. A plain value.
struct TableSpec {
    QualifiedName source;
    QualifiedName target;
    /// The date or datetime column ranges are cut on; empty for full_refresh.
    std::string partition_column;
    TableMode mode = TableMode::partitioned;
    /// The business's IANA time zone, in which partitions are calendar days ("" = the
    /// machine's), and the zone the date column's values are in when it differs (e.g. "UTC"
    /// for a column that holds UTC): each local day's bounds are then compared as that zone's
    /// times. Empty: the column holds business-local times.
    std::string business_zone;
    std::string date_column_zone;
    /// The date column is text in this format ("YYYY-MM-DD", ISO: it sorts as dates); empty
    /// for a date or datetime column.
    std::string date_column_format;

    friend bool operator==(const TableSpec& a, const TableSpec& b) {
        return a.source == b.source && a.target == b.target &&
               a.partition_column == b.partition_column &&
               a.mode == b.mode && a.business_zone == b.business_zone &&
               a.date_column_zone == b.date_column_zone &&
               a.date_column_format == b.date_column_format;
    }
    friend bool operator!=(const TableSpec& a, const TableSpec& b) { return !(a == b); }
};

std::ostream& operator<<(std::ostream& os, const TableSpec& t);

}  // namespace replicate
