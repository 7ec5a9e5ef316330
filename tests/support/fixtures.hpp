#pragma once
// Helpers shared by the integration tests: temporary directories, a direct SQLite handle
// (an independent checker: it does not go through ODBC or the library), whole-table reads
// through the library, and a Target wrapper that injects failures.

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <tuple>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <replicate/error.hpp>
#include <replicate/odbc/database.hpp>
#include <replicate/sink.hpp>

namespace fixtures {

/// A directory under $TMPDIR removed at the end of the test.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "replicate-test-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// A plain SQLite connection for setting up and checking databases.
class Sqlite {
public:
    explicit Sqlite(const std::string& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("cannot open " + path);
        sqlite3_busy_timeout(db_, 30000);
    }
    ~Sqlite() { sqlite3_close(db_); }
    void exec(const std::string& sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "?";
            sqlite3_free(err);
            throw std::runtime_error("sqlite: " + msg + " in: " + sql.substr(0, 200));
        }
    }
    long long scalar(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
            throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_) + " in: " + sql);
        }
        long long v = -1;
        if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
    }
    /// Every row of a query, each value rendered with its storage class ("integer:5").
    std::vector<std::string> dump(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
            throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_) + " in: " + sql);
        }
        std::vector<std::string> rows;
        while (sqlite3_step(st) == SQLITE_ROW) {
            std::string row;
            for (int c = 0; c < sqlite3_column_count(st); ++c) {
                const int type = sqlite3_column_type(st, c);
                row += std::to_string(type) + ":";
                const void* blob = sqlite3_column_blob(st, c);
                row.append(static_cast<const char*>(blob ? blob : ""),
                           static_cast<std::size_t>(sqlite3_column_bytes(st, c)));
                row += '\x1f';
            }
            rows.push_back(std::move(row));
        }
        sqlite3_finalize(st);
        return rows;
    }

    /// The first column of a query as SQLite's own doubles (sqlite3_column_double: the
    /// stored bits, no text conversion), with the second column as the row's key.
    std::map<long long, double> doubles(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
            throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_) + " in: " + sql);
        }
        std::map<long long, double> out;
        while (sqlite3_step(st) == SQLITE_ROW) out[sqlite3_column_int64(st, 1)] = sqlite3_column_double(st, 0);
        sqlite3_finalize(st);
        return out;
    }

private:
    sqlite3* db_ = nullptr;
};

inline std::string source_dir() { return REPLICATE_SOURCE_DIR; }

/// Builds the demo source database at \p path with examples/demo/make_source.sql.
inline void make_demo_source(const std::string& path) {
    std::ifstream in(source_dir() + "/examples/demo/make_source.sql");
    std::stringstream sql;
    sql << in.rdbuf();
    Sqlite db(path);
    db.exec(sql.str());
}

/// The demo source, generated once per process (it takes a few seconds) in a directory
/// removed at exit.
inline const std::string& shared_demo_source() {
    static TempDir dir;
    static const std::string path = [] {
        const std::string p = dir.file("demo-source.db");
        make_demo_source(p);
        return p;
    }();
    return path;
}

/// A test endpoint, usable as either side.
struct Endpoint {
    std::string connection;
    bool decimals_as_text = false;
    bool native_protocol = true;
    operator replicate::SourceOptions() const {
        replicate::SourceOptions o;
        o.connection = connection;
        o.native_protocol = native_protocol;
        return o;
    }
    operator replicate::TargetOptions() const {
        replicate::TargetOptions o;
        o.connection = connection;
        o.native_protocol = native_protocol;
        o.decimals_as_text = decimals_as_text;
        return o;
    }
    replicate::SourceOptions source() const { return *this; }
    replicate::TargetOptions target() const { return *this; }
};

inline Endpoint sqlite_endpoint(const std::string& path) { return Endpoint{"Driver=SQLite3;Database=" + path}; }

/// All rows of a table through the library's ODBC source, sorted, with its schema.
struct TableData {
    replicate::Schema schema;
    std::vector<std::vector<replicate::Value>> rows;
};

/// A strict order on Values for sorting rows (any consistent order will do).
inline bool value_less(const replicate::Value& a, const replicate::Value& b) {
    if (a.data.index() != b.data.index()) return a.data.index() < b.data.index();
    switch (a.data.index()) {
    case 1: return std::get<std::int64_t>(a.data) < std::get<std::int64_t>(b.data);
    case 2: {
        std::uint64_t x, y;
        std::memcpy(&x, &std::get<double>(a.data), sizeof x);
        std::memcpy(&y, &std::get<double>(b.data), sizeof y);
        return x < y;
    }
    case 3: {
        const auto& x = std::get<replicate::Timestamp>(a.data);
        const auto& y = std::get<replicate::Timestamp>(b.data);
        return std::make_tuple(x.date.year, x.date.month, x.date.day, x.hour, x.minute, x.second, x.nanosecond) <
               std::make_tuple(y.date.year, y.date.month, y.date.day, y.hour, y.minute, y.second, y.nanosecond);
    }
    case 4: return std::get<std::string>(a.data) < std::get<std::string>(b.data);
    default: return false;
    }
}

inline TableData read_table(replicate::SourceFactory& factory, const std::string& table) {
    auto source = factory.connect();
    TableData out;
    out.schema = source->describe({"", table});
    replicate::TableSpec spec;
    spec.source = {"", table};
    spec.mode = replicate::TableMode::full_refresh;
    // A read-again error (is_read_again: a long value wider than the rowset buffer taught the
    // next read a wider one) means: read the partition again, as the orchestrator does.
    for (int attempt = 1;; ++attempt) {
        out.rows.clear();
        try {
            auto reader = source->read(replicate::Partition::of_whole_table(spec), out.schema, {});
            replicate::Batch batch(out.schema);
            while (reader->next(batch)) {
                for (std::size_t r = 0; r < batch.rows(); ++r) {
                    std::vector<replicate::Value> row;
                    for (std::size_t c = 0; c < batch.column_count(); ++c)
                        row.push_back(batch.value(r, c));
                    out.rows.push_back(std::move(row));
                }
            }
            break;
        } catch (const replicate::Error& e) {
            if (!replicate::is_read_again(e) || attempt >= 5) throw;
            source = factory.connect();
        }
    }
    std::sort(out.rows.begin(), out.rows.end(), [](const auto& a, const auto& b) {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), value_less);
    });
    return out;
}

/// A decimal's text in one canonical form: no trailing fraction zeros, no "-0".
inline std::string canonical_decimal(std::string s) {
    if (s.find('.') != std::string::npos) {
        while (!s.empty() && s.back() == '0') s.pop_back();
        if (!s.empty() && s.back() == '.') s.pop_back();
    }
    if (s == "-0" || s.empty()) s = "0";
    return s;
}

/// Equality of values of a column of type \p t across DBMSs: decimals by exact value (the
/// text "1.5000" equals "1.5"), everything else bit for bit.
inline bool same_value(const replicate::Value& a, const replicate::Value& b, replicate::Type t) {
    if (t == replicate::Type::decimal && !a.is_null() && !b.is_null()) {
        return canonical_decimal(std::get<std::string>(a.data)) == canonical_decimal(std::get<std::string>(b.data));
    }
    return a == b;
}

inline TableData read_table(const replicate::SourceOptions& endpoint, const std::string& table) {
    replicate::odbc::OdbcSourceFactory factory(endpoint);
    return read_table(factory, table);
}

/// Checks that two tables hold the same columns and the same rows, value for value; reports
/// the first difference.
inline void check_same(const TableData& expected, const TableData& actual, const std::string& what) {
    INFO(what);
    REQUIRE(expected.schema.size() == actual.schema.size());
    for (std::size_t c = 0; c < expected.schema.size(); ++c) {
        CHECK(expected.schema[c].name == actual.schema[c].name);
    }
    REQUIRE(expected.rows.size() == actual.rows.size());
    for (std::size_t r = 0; r < expected.rows.size(); ++r) {
        for (std::size_t c = 0; c < expected.schema.size(); ++c) {
            if (!same_value(expected.rows[r][c], actual.rows[r][c], expected.schema[c].type.type)) {
                std::ostringstream os;
                os << "row " << r << " column " << expected.schema[c].name << ": expected "
                   << expected.rows[r][c] << ", got " << actual.rows[r][c];
                FAIL(os.str());
            }
        }
    }
}

/// A Target that fails chosen partitions (by label) on begin, for partial-run tests.
class FailingTarget : public replicate::Target {
public:
    FailingTarget(replicate::Target& inner, std::function<bool(const replicate::Partition&)> fail)
        : inner_(inner), fail_(std::move(fail)) {}
    void validate(const replicate::TableSpec& t, const replicate::Schema& s) override { inner_.validate(t, s); }
    void prepare(const replicate::TableSpec& t, const replicate::Schema& s) override { inner_.prepare(t, s); }
    replicate::Ledger& ledger() override { return inner_.ledger(); }
    std::unique_ptr<replicate::Sink> open_sink(const std::string& run_id) override {
        struct S : replicate::Sink {
            std::unique_ptr<replicate::Sink> in;
            std::function<bool(const replicate::Partition&)> fail;
            void begin(const replicate::Partition& p, const replicate::Schema& s) override {
                if (fail(p)) throw replicate::Error(replicate::ErrorKind::data, "injected failure");
                in->begin(p, s);
            }
            void write(const replicate::Batch& b) override { in->write(b); }
            void commit(const replicate::LedgerEntry& e) override { in->commit(e); }
        };
        auto s = std::make_unique<S>();
        s->in = inner_.open_sink(run_id);
        s->fail = fail_;
        return s;
    }

private:
    replicate::Target& inner_;
    std::function<bool(const replicate::Partition&)> fail_;
};

}  // namespace fixtures
