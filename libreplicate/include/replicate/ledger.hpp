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

/// A partition compared on both sides (--verify): the row counts and the order-independent
/// checksums of the rows' content, computed by the library over a canonical encoding of each
/// value (the same code for both sides; docs/verify.md).
struct Verification {
    std::int64_t source_rows = 0;
    std::string source_checksum;  ///< "xxh3:" and 16 hex digits
    std::int64_t target_rows = 0;
    std::string target_checksum;
    std::string verified_at;  ///< UTC "YYYY-MM-DD HH:MM:SS"
    /// Source columns left out of both checksums (the target keeps them as another kind of
    /// value, such as a number in a text column).
    std::vector<std::string> skipped_columns;
    bool match() const {
        return source_rows == target_rows && source_checksum == target_checksum;
    }
};

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
    /// The last verification of the partition: "match", "mismatch", or empty when none was
    /// recorded. --resume does not skip a mismatching partition.
    std::string verified;

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

/// True when --resume may skip \p partition: the ledger records it, and its last verification,
/// if any, matched.
bool done_in(const std::vector<LedgerEntry>& entries, const Partition& partition);

}  // namespace replicate
