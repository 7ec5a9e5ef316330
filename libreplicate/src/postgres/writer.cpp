#include "writer.hpp"

#include <replicate/calendar.hpp>

#include <charconv>
#include <cmath>

#include <replicate/error.hpp>

#include "../value_fit.hpp"

namespace replicate::pg {

namespace {

void append_two(std::string& out, int v) {
    out += static_cast<char>('0' + v / 10 % 10);
    out += static_cast<char>('0' + v % 10);
}

void append_date(std::string& out, const Date& d) {
    if (d.year < 1 || d.year > 9999) {
        throw Error(ErrorKind::data, "year " + std::to_string(d.year) + " is outside 1..9999");
    }
    append_two(out, d.year / 100);
    append_two(out, d.year % 100);
    out += '-';
    append_two(out, d.month);
    out += '-';
    append_two(out, d.day);
}

void append_time(std::string& out, const Timestamp& t) {
    append_two(out, t.hour);
    out += ':';
    append_two(out, t.minute);
    out += ':';
    append_two(out, t.second);
    if (t.nanosecond != 0) {
        char buf[16];
        std::snprintf(buf, sizeof buf, ".%09u", t.nanosecond);
        std::size_t n = 10;
        while (buf[n - 1] == '0') --n;
        out.append(buf, n);
    }
}

/// COPY text format: backslash, newline, carriage return and tab are escaped.
void append_escaped(std::string& out, std::string_view v) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        if (c != '\\' && c != '\n' && c != '\r' && c != '\t') continue;
        out.append(v.data() + start, i - start);
        out += '\\';
        out += c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        start = i + 1;
    }
    out.append(v.data() + start, v.size() - start);
}

}  // namespace

void append_copy_text(std::string& out, const ColumnData& col, std::size_t r, Type type) {
    if (col.is_null(r)) {
        out += "\\N";
        return;
    }
    switch (type) {
    case Type::boolean:
    case Type::int8:
    case Type::int16:
    case Type::int32:
    case Type::int64: {
        char buf[24];
        const auto res = std::to_chars(buf, buf + sizeof buf, col.int_at(r));
        out.append(buf, res.ptr);
        return;
    }
    case Type::float32:
    case Type::float64: {
        const double v = col.double_at(r);
        if (std::isnan(v)) {
            out += "NaN";
        } else if (std::isinf(v)) {
            out += v < 0 ? "-Infinity" : "Infinity";
        } else {
            char buf[32];
            const auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest round trip
            out.append(buf, res.ptr);
        }
        return;
    }
    case Type::date: append_date(out, col.timestamp_at(r).date); return;
    case Type::time: append_time(out, col.timestamp_at(r)); return;
    case Type::timestamp: {
        const Timestamp& t = col.timestamp_at(r);
        append_date(out, t.date);
        out += ' ';
        append_time(out, t);
        return;
    }
    case Type::decimal: out += col.bytes_at(r); return;
    case Type::text: append_escaped(out, col.bytes_at(r)); return;
    case Type::binary: {
        static const char hex[] = "0123456789abcdef";
        out += "\\\\x";
        for (unsigned char c : col.bytes_at(r)) {
            out += hex[c >> 4];
            out += hex[c & 15];
        }
        return;
    }
    }
}

namespace {

std::vector<std::optional<std::string>> texts(const std::vector<detail::SqlArg>& args) {
    std::vector<std::optional<std::string>> out;
    out.reserve(args.size());
    for (const detail::SqlArg& a : args) {
        out.emplace_back(std::holds_alternative<std::string>(a) ? std::get<std::string>(a)
                                                                : std::to_string(std::get<long long>(a)));
    }
    return out;
}

class CopyWriter final : public detail::RowWriter {
public:
    CopyWriter(Connection& conn, const Dialect& d, const QualifiedName& table, const Schema& schema,
               const std::string& label, const Schema& target_schema)
        : conn_(conn), table_(table), schema_(schema), target_schema_(target_schema), label_(label) {
        std::string cols;
        for (const Column& c : schema) {
            cols += (cols.empty() ? "" : ", ") + d.quote(c.name);
            const Column* t = nullptr;
            for (const Column& tc : target_schema_) {
                if (tc.name == c.name) t = &tc;
            }
            targets_.push_back(t);
        }
        conn_.exec("COPY " + d.qualified(table) + " (" + cols + ") FROM STDIN", {},
                   "writing " + label_ + " into " + table_.display() + " failed");
        buffer_.reserve(buffer_limit + 65536);
    }

    void insert(const Batch& batch) override {
        check(batch);
        const std::size_t n = batch.rows();
        const std::size_t cols = schema_.size();
        for (std::size_t r = 0; r < n; ++r) {
            for (std::size_t c = 0; c < cols; ++c) {
                if (c > 0) buffer_ += '\t';
                try {
                    append_copy_text(buffer_, batch.column(c), r, schema_[c].type.type);
                } catch (const Error& e) {
                    refuse(r, c, e.what());
                }
            }
            buffer_ += '\n';
            if (buffer_.size() >= buffer_limit) flush();
        }
        rows_ += static_cast<std::int64_t>(n);
    }

    void finish() override {
        flush();
        if (PQputCopyEnd(conn_.get(), nullptr) != 1) conn_.fail("ending the COPY into " + table_.display());
        Result r(PQgetResult(conn_.get()));
        conn_.check(std::move(r), "writing " + label_ + " into " + table_.display() + " failed");
        while (PGresult* more = PQgetResult(conn_.get())) PQclear(more);
    }

    std::int64_t rows() const override { return rows_; }

private:
    static constexpr std::size_t buffer_limit = std::size_t{1} << 20;

    void flush() {
        if (buffer_.empty()) return;
        if (PQputCopyData(conn_.get(), buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
            conn_.fail("writing " + label_ + " into " + table_.display() + " failed");
        }
        buffer_.clear();
    }

    [[noreturn]] void refuse(std::size_t row, std::size_t column, const std::string& why) const {
        throw Error(ErrorKind::data, "writing " + label_ + " into " + table_.display() + ", row " +
                                         std::to_string(rows_ + static_cast<std::int64_t>(row) + 1) +
                                         ", column '" + schema_[column].name + "': " + why);
    }

    /// Values the target column would round are refused before they are sent (the server's
    /// input functions round numerics and timestamps to the column's scale without a word).
    void check(const Batch& batch) const {
        for (std::size_t c = 0; c < schema_.size(); ++c) {
            const Column* t = targets_[c];
            if (t == nullptr) continue;
            const Type st = schema_[c].type.type;
            const ColumnData& col = batch.column(c);
            if (st == Type::timestamp && t->type.type == Type::timestamp) {
                for (std::size_t r = 0; r < batch.rows(); ++r) {
                    if (col.is_null(r)) continue;
                    const std::string why = detail::timestamp_misfit(col.timestamp_at(r), *t);
                    if (!why.empty()) refuse(r, c, why);
                }
            } else if (st == Type::decimal && t->type.type == Type::decimal && t->type.precision > 0) {
                for (std::size_t r = 0; r < batch.rows(); ++r) {
                    if (col.is_null(r)) continue;
                    const std::string why = detail::decimal_misfit(col.bytes_at(r), *t);
                    if (!why.empty()) refuse(r, c, why);
                }
            }
        }
    }

    Connection& conn_;
    QualifiedName table_;
    Schema schema_;
    Schema target_schema_;
    std::string label_;
    std::vector<const Column*> targets_;  // into target_schema_
    std::string buffer_;
    std::int64_t rows_ = 0;
};

class PgSession final : public detail::SinkSession {
public:
    explicit PgSession(std::unique_ptr<Connection> conn)
        : conn_(std::move(conn)), dialect_(&pg::dialect()) {}

    const Dialect& dialect() const override { return *dialect_; }
    const std::string& database() const override { return conn_->database(); }
    void begin() override { conn_->begin(); }
    void commit() override { conn_->commit(); }
    void rollback() noexcept override { conn_->rollback(); }
    bool in_transaction() const override { return conn_->in_transaction(); }
    void execute(const std::string& sql, const std::vector<detail::SqlArg>& args) override {
        conn_->exec(sql, texts(args));
    }
    std::vector<detail::TextRow> query(const std::string& sql,
                                       const std::vector<detail::SqlArg>& args) override {
        const Result r = conn_->exec(sql, texts(args));
        std::vector<detail::TextRow> out(static_cast<std::size_t>(PQntuples(r.get())));
        for (int i = 0; i < PQntuples(r.get()); ++i) {
            for (int c = 0; c < PQnfields(r.get()); ++c) {
                out[static_cast<std::size_t>(i)].push_back(
                    PQgetisnull(r.get(), i, c) ? std::nullopt
                                               : std::optional<std::string>(PQgetvalue(r.get(), i, c)));
            }
        }
        return out;
    }
    void delete_range(const QualifiedName& table, const std::string& column,
                      const std::pair<Timestamp, Timestamp>& bounds, const ColumnType&) override {
        // Untyped text parameters take the column's type: a date, a timestamp, or text.
        conn_->exec(dialect_->delete_rows(table, column),
                    {bound_text(bounds.first), bound_text(bounds.second)});
    }
    bool table_exists(const QualifiedName& table) override {
        const Query q = dialect_->table_exists_query(table);
        std::vector<detail::SqlArg> args(q.params.begin(), q.params.end());
        return !query(q.sql, args).empty();
    }
    std::unique_ptr<detail::RowWriter> writer(const QualifiedName& table, const Schema& schema,
                                              const std::string& label, const Schema& target_schema,
                                              bool) override {
        return std::make_unique<CopyWriter>(*conn_, *dialect_, table, schema, label, target_schema);
    }

private:
    std::unique_ptr<Connection> conn_;
    const Dialect* dialect_;
};

}  // namespace

std::unique_ptr<detail::SinkSession> make_sink_session(std::unique_ptr<Connection> conn) {
    return std::make_unique<PgSession>(std::move(conn));
}

}  // namespace replicate::pg
