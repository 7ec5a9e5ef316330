#pragma once
// The data plane: typed column-wise buffers, array fetch and parameter-array insert on raw
// ODBC. Values never pass through double unless they are doubles, nor through text unless the
// dialect stores them as text.

#include <sql.h>
#include <sqlext.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <string>
#include <vector>

#include <replicate/partition.hpp>
#include <replicate/source.hpp>

#include "connection.hpp"
#include "../sink_session.hpp"
#include "../value_fit.hpp"

namespace replicate::odbc::detail {

/// Finds \p name among \p columns by the one rule (columns.hpp), case-sensitively where
/// \p dialect's names are.
const Column* find_column(const Schema& columns, const std::string& name, const Dialect& dialect);

/// Makes a driver's decimal text canonical: "-.5" -> "-0.5", "1.5e-05" -> "0.000015".
std::string normalize_decimal(std::string_view text);

/// Decodes the exact-double text "r<m>p<e>" (m * 2^e), "rinf" or "r-inf" that a dialect's
/// select expression renders; false if \p text is not in that form.
bool tagged_double(std::string_view text, double& out);

/// The decimal text a double stored in a decimal(p, \p scale) column stands for: the decimal
/// at that scale when the double is it (within one unit in the last place, at most 15
/// significant digits), else every digit of the double. Infinity is a data error.
std::string decimal_from_double(double v, int scale);

/// UTF-8 to UTF-16 (native byte order, as SQLWCHAR) and back. Invalid UTF-8 is a data error.
std::u16string utf8_to_utf16(std::string_view utf8);
std::string utf16_to_utf8(const char16_t* units, std::size_t count);

using replicate::detail::on_legacy_grid;

/// The shortest "%.{15,16,17}g" rendering of \p v that reads back as the same double ("-0",
/// "inf", "nan" included).
std::string shortest_double(double v);

/// True for parameter SQL types whose ColumnSize is the length of their longest value (text
/// and binary); a decimal keeps its declared precision (a 38-digit value's text, with sign
/// and point, is 40 characters: as ColumnSize msodbcsql refuses it with HY104), a time its
/// declared size.
bool parameter_sized_by_value(SQLSMALLINT sql_type);

/// The SQL type and ColumnSize of a text or binary parameter whose values are at most
/// \p longest long (UTF-16 units for wide text, bytes otherwise), bound on \p driver as
/// \p sql_type (a bounded or long text or binary type). The SQL Server drivers get a bounded
/// type within its limit (nvarchar 4000 units, varchar and varbinary 8000 bytes) and their own
/// form of (max) above it (DriverQuirks::long_parameters); other drivers keep \p sql_type.
/// Fixed-length types are declared variable: a binary(n) or char(n) column pads the value as
/// it stores it, and a value keeps its own length on the way.
std::pair<SQLSMALLINT, SQLULEN> declared_parameter(const replicate::detail::DriverQuirks& driver,
                                                   SQLSMALLINT sql_type, SQLULEN longest);

/// A datetimeoffset as a driver renders it ("2025-01-05 10:11:12.1234567 +05:30", a 'T' or
/// no space before the offset accepted) in one spelling: "YYYY-MM-DD hh:mm:ss" with
/// \p precision fraction digits and " +hh:mm". Empty if \p text is not one (or a digit beyond
/// \p precision is not 0).
std::string canonical_datetimeoffset(std::string_view text, int precision);
/// A GUID's text in lower case (drivers render it upper case, PostgreSQL lower).
std::string canonical_uuid(std::string_view text);

/// Streams one partition of a table in batches bounded by rows and bytes.
class OdbcBatchReader final : public BatchReader {
public:
    OdbcBatchReader(Connection& conn, const Partition& partition, const Schema& schema,
                    const ReadOptions& options);
    bool next(Batch& batch) override;
    /// Rows per fetch (SQL_ATTR_ROW_ARRAY_SIZE); 1 where some column is read one row at a time.
    SQLULEN rowset() const { return rowset_; }

private:
    struct Bound {
        std::size_t column;  // index in the schema (and the batch)
        SQLSMALLINT c_type;
        SQLLEN width;
        std::vector<char> buffer;
        std::vector<SQLLEN> indicator;
        /// A long column bound in the rowset: its key in LongValueWidths (empty otherwise).
        std::string long_key;
    };
    struct Unbound {
        std::size_t column;
        SQLSMALLINT c_type;
    };

    bool fetch_rowset();
    /// Executes the query (again, after the last key read, when reading in chunks).
    void execute_query();
    void append_row(Batch& batch, SQLULEN r);
    /// Reading in chunks: remembers the key of the batch's last row, where the next chunk starts.
    void remember_last_key(const Batch& batch);
    void append_long(Batch& batch, const Unbound& u);
    /// A GUID or datetimeoffset column's text in its one spelling (ColumnType::text_kind).
    std::string kind_text(std::size_t column, std::string_view text) const;
    [[noreturn]] void truncated(std::size_t column, SQLLEN length) const;
    /// A long column's value did not fit its rowset buffer: the width to use next is learned,
    /// and the read fails as transient, to be read again (nothing was cut).
    [[noreturn]] void long_value_overflow(const Bound& b, SQLLEN length) const;

    Connection& conn_;
    Schema schema_;
    ReadOptions options_;
    std::string label_;
    Statement stmt_;
    Params params_;
    std::vector<Bound> bound_;
    std::vector<Unbound> unbound_;
    std::vector<SQLUSMALLINT> status_;
    SQLULEN rowset_ = 1;
    SQLULEN fetched_ = 0;
    SQLULEN position_ = 0;
    bool exhausted_ = false;
    std::int64_t rows_read_ = 0;
    std::vector<char> chunk_;
    std::string sql_;
    // Reading in key order, a bounded number of rows per query, inside one snapshot, where
    // the driver would hold a whole result in memory (MariaDB Connector/ODBC 3.1.15).
    bool chunked_ = false;
    std::size_t chunk_rows_ = 0;
    std::size_t chunk_read_ = 0;
    std::string next_sql_;
    std::vector<std::size_t> key_columns_;
    std::vector<std::string> last_key_;
    Params key_params_;
    bool snapshot_ = false;

public:
    ~OdbcBatchReader() override;
};

/// Inserts batches with parameter arrays into one table.
class Inserter final : public replicate::detail::RowWriter {
public:
    /// \p target_schema, when known, lets data errors name the column that does not fit.
    Inserter(Connection& conn, const QualifiedName& table, const Schema& schema,
             std::string label, Schema target_schema = {}, bool table_lock = false);
    void insert(const Batch& batch) override;
    std::int64_t rows() const override { return rows_; }

private:
    /// How a value becomes the bytes of a SQL_C_CHAR parameter.
    /// iso_datetime: "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS.fffffff", which SQL Server reads the
    /// same whatever SET DATEFORMAT and LANGUAGE say (for a date or datetime2 column).
    enum class Text { raw, datetime, number, utf16, decimal_as_double, iso_datetime };
    struct Param {
        SQLSMALLINT c_type;
        SQLSMALLINT sql_type;
        SQLULEN size;
        SQLSMALLINT digits;
        Text text = Text::raw;
        SQLLEN width = 0;
        SQLULEN column_size = 0;  // of the current chunk
        // The type the column asks for; sql_type is what the current chunk is declared as
        // (declared_parameter(): bounded or (max) by the chunk's longest value).
        SQLSMALLINT base_type = 0;
        // Grown, never zero-filled: every byte the driver reads is written first.
        std::unique_ptr<char[]> buffer;
        std::size_t capacity = 0;
        std::vector<SQLLEN> indicator;
        char* reserve(std::size_t bytes) {
            if (capacity < bytes) {
                buffer.reset(new char[bytes]);
                capacity = bytes;
            }
            return buffer.get();
        }
    };
    /// The buffer width column \p c needs for row \p r of \p batch.
    std::size_t width_of(const Batch& batch, std::size_t c, std::size_t r) const;
    void execute_chunk(const Batch& batch, std::size_t begin, std::size_t end);
    void insert_rows(const Batch& batch);
    /// Binds rows [first, first + n) of the filled buffers and executes; throws with the
    /// failing row named (\p begin: the chunk's first batch row).
    void execute_rows(const Batch& batch, std::size_t begin, std::size_t first, std::size_t n);
    std::string describe_row(const Batch& batch, std::size_t row) const;
    /// Where the driver counts an array's rows (DriverQuirks::counts_array_rows): the rows
    /// [first, first + n) landed, each once, or the partition fails (an array the server
    /// refused in bulk without a word is inserted again row by row, naming the refused row).
    void check_inserted(const Batch& batch, std::size_t begin, std::size_t first, std::size_t n,
                        const std::string& rows_text);
    void check_timestamps(const Batch& batch) const;
    /// Refuses decimals the target column would round (more fraction digits than its scale)
    /// or could not hold (more integer digits than its precision allows).
    void check_decimals(const Batch& batch) const;
    [[noreturn]] void refuse(std::size_t row, std::size_t column, const std::string& why) const;

    Connection& conn_;
    QualifiedName table_;
    Schema schema_;
    Schema target_schema_;
    /// The target column of each source column (same index), or nullptr when not known.
    std::vector<const Column*> target_columns_;
    std::string label_;
    std::string sql_;
    Statement stmt_;
    std::vector<Param> params_;
    std::vector<SQLUSMALLINT> status_;
    SQLULEN processed_ = 0;
    std::int64_t rows_ = 0;
};

}  // namespace replicate::odbc::detail
