#pragma once
/// \file ledger.hpp
/// The record of partitions written, kept in the target next to the data.

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <replicate/partition.hpp>

namespace replicate {

/// Default name of the ledger table in the target schema.
inline constexpr const char* ledger_table_name = "replicate_ledger";

/// One committed partition. range_lo/range_hi are "YYYY-MM-DD" (half-open), both empty for a
/// whole-table refresh, both "NULL" for the rows with a NULL date.
struct LedgerEntry {
    std::string target_table;  ///< QualifiedName::display() of the target
    std::string range_lo;
    std::string range_hi;
    std::string source_table;
    std::int64_t rows = 0;
    std::string run_id;
    std::string finished_at;  ///< UTC, "YYYY-MM-DD HH:MM:SS"

    /// The entry a commit of \p partition with \p rows in run \p run_id writes.
    static LedgerEntry for_partition(const Partition& partition, std::int64_t rows,
                                     const std::string& run_id);
    /// True if this entry records \p partition (same target table, same range).
    bool matches(const Partition& partition) const;

    friend bool operator==(const LedgerEntry& a, const LedgerEntry& b);
};

std::ostream& operator<<(std::ostream& os, const LedgerEntry& e);

/// Default name of the run-history table in the target schema.
inline constexpr const char* run_table_name = "replicate_run";

/// One run of a plan, as kept in the run history.
struct RunRecord {
    std::string run_id;
    std::string command;      ///< what was run, secrets masked
    std::string started_at;   ///< UTC "YYYY-MM-DD HH:MM:SS"
    std::string finished_at;  ///< empty while running
    std::string status;       ///< running, ok, failed, cancelled
    std::int64_t partitions_ok = 0;
    std::int64_t partitions_failed = 0;
    std::int64_t rows = 0;
};

/// Now, UTC, "YYYY-MM-DD HH:MM:SS".
std::string utc_now();

/// Reads the ledger. Entries are written by a Sink in the same transaction as their data.
class Ledger {
public:
    virtual ~Ledger() = default;
    /// Entries for one target table; empty if the ledger table does not exist yet.
    virtual std::vector<LedgerEntry> entries(const QualifiedName& target_table) = 0;
};

}  // namespace replicate
