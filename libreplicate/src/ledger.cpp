#include <replicate/ledger.hpp>

#include <ctime>
#include <ostream>

namespace replicate {

LedgerEntry LedgerEntry::for_partition(const Partition& partition, std::int64_t rows,
                                       const std::string& run_id) {
    LedgerEntry e;
    e.target_table = partition.table.target.display();
    e.source_table = partition.table.source.display();
    if (partition.range()) {
        e.range_lo = partition.range()->lo.to_string();
        e.range_hi = partition.range()->hi.to_string();
    } else if (partition.null_dates()) {
        e.range_lo = e.range_hi = "NULL";
    }
    e.rows = rows;
    e.run_id = run_id;
    e.finished_at = utc_now();
    return e;
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &utc);
    return buf;
}

bool LedgerEntry::matches(const Partition& partition) const {
    if (target_table != partition.table.target.display()) return false;
    if (partition.null_dates()) return range_lo == "NULL" && range_hi == "NULL";
    if (!partition.range()) return range_lo.empty() && range_hi.empty();
    return range_lo == partition.range()->lo.to_string() && range_hi == partition.range()->hi.to_string();
}

bool done_in(const std::vector<LedgerEntry>& entries, const Partition& partition) {
    for (const LedgerEntry& e : entries) {
        if (e.matches(partition)) return e.verified != "mismatch";
    }
    return false;
}

bool operator==(const LedgerEntry& a, const LedgerEntry& b) {
    return a.target_table == b.target_table && a.range_lo == b.range_lo &&
           a.range_hi == b.range_hi && a.source_table == b.source_table && a.rows == b.rows &&
           a.run_id == b.run_id && a.finished_at == b.finished_at && a.verified == b.verified;
}

std::ostream& operator<<(std::ostream& os, const LedgerEntry& e) {
    return os << "LedgerEntry{" << e.target_table << " [" << e.range_lo << ", " << e.range_hi
              << ") rows=" << e.rows << " run=" << e.run_id << '}';
}

}  // namespace replicate
