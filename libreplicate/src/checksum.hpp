#pragma once
// Order-independent checksums of a partition's rows, computed the same way on the source and
// on the target (--verify). Each row is encoded canonically (below) and hashed with XXH3-64;
// a partition's checksum is the row count and the sum of its row hashes modulo 2^64, so the
// order rows arrive in does not matter, while a changed value, a missing row or a duplicated
// row (its hash counted twice) changes it.
//
// The canonical encoding depends on the logical kind of a value, not on the DBMS or the
// driver, so a value read back from another DBMS encodes the same when it is the same value:
//   NULL                        0x00
//   boolean, integers, decimal  'N' length digits   (plain decimal text, no '+', no leading
//                                                    zeros, no trailing fraction zeros, "0"
//                                                    for any zero: 5, 5.0 and 5.000 are equal)
//   float32, float64            'F' 8 bytes         (the double's bits; -0 as 0, one NaN)
//   date, timestamp             'T' 8+8 bytes       (days since 1970-01-01, nanoseconds of
//                                                    the day: a date is its midnight)
//   time                        'H' 8 bytes         (nanoseconds of the day)
//   text                        'S' length bytes    (UTF-8; trailing spaces dropped where
//                                                    either side is char(n), which pads)
//   binary                      'B' length bytes
// Lengths are 4 bytes, little-endian. Columns are taken in source order and matched to the
// target's by name.

#include <cstdint>
#include <string>
#include <vector>

#include <replicate/ledger.hpp>
#include <replicate/types.hpp>

namespace replicate::detail {

/// A partition's rows and the sum of their hashes.
struct Checksum {
    std::int64_t rows = 0;
    std::uint64_t sum = 0;
    /// "xxh3:" and 16 hex digits.
    std::string text() const;
    friend bool operator==(const Checksum& a, const Checksum& b) {
        return a.rows == b.rows && a.sum == b.sum;
    }
};

/// Which columns of a batch are hashed, in which order, and how.
class RowHasher {
public:
    /// For the source side: every column of \p source, in order. \p target (the target
    /// table's columns) decides only the padding rule of char(n) columns.
    /// \p leave_out: source columns not compared (the target fills them itself).
    static RowHasher for_source(const Schema& source, const Schema& target,
                                const std::vector<std::string>& leave_out = {});
    /// For the target side: the target columns named like the source's, in source order.
    /// Throws Error(kind config) naming a source column the target lacks.
    static RowHasher for_target(const Schema& source, const Schema& target,
                                const std::vector<std::string>& leave_out = {});

    /// Adds the rows of \p batch to \p sum.
    void add(const Batch& batch, Checksum& sum);

    /// Source columns left out because the target keeps them as another kind of value (a
    /// number in a text column), or fills them itself: they cannot be compared value by value.
    const std::vector<std::string>& skipped() const { return skipped_; }

private:
    struct Part {
        std::size_t column = 0;  // index in the batch
        bool trim_spaces = false;
    };
    std::vector<Part> parts_;
    std::vector<std::string> skipped_;
    std::string row_;
};

/// The plain decimal text of \p text ("+007.500" -> "7.5", "-0.00" -> "0").
std::string canonical_decimal(std::string_view text);

/// A Verification from the two sides' checksums.
Verification make_verification(const Checksum& source, const Checksum& target);

}  // namespace replicate::detail
