#pragma once
// Reads one partition from PostgreSQL through a binary cursor: the server sends each value in
// its binary form (no text rendering and parsing of numbers and times), in fetches of a
// bounded size, with the range bound as parameters.

#include <replicate/source.hpp>

#include "pq.hpp"

namespace replicate::pg {

class CursorReader final : public BatchReader {
public:
    CursorReader(Connection& conn, const Dialect& dialect, const Partition& partition,
                 const Schema& schema, const ReadOptions& options);
    ~CursorReader() override;
    bool next(Batch& batch) override;

private:
    enum class Decode : std::uint8_t {
        boolean, int2, int4, int8, float4, float8, numeric, date, time, timestamp, bytes
    };
    bool fetch();
    void append_row(Batch& batch, int row);

    Connection& conn_;
    Schema schema_;
    ReadOptions options_;
    std::string label_;
    std::string cursor_;
    std::vector<Decode> decode_;
    Result result_;
    int row_ = 0;
    int rows_in_result_ = 0;
    int fetch_rows_ = 1000;
    bool open_ = false;
    bool exhausted_ = false;
    std::int64_t rows_read_ = 0;
    std::string text_;  // a numeric's text, reused
};

/// PostgreSQL's binary numeric as the text the server would print ("-12.3400", "NaN").
std::string numeric_text(const char* data, int length);
/// The same, appended to \p out.
void append_numeric_text(std::string& out, const char* data, int length);

}  // namespace replicate::pg
