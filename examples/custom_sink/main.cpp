// Embedding libreplicate with a custom sink: month-by-month CSV export.
//
// The library does the partitioning, the parallel reads from any ODBC source, retries and
// the run report; this program only says where rows go. Each month becomes one CSV file,
// published atomically: rows go to a temporary file that is renamed into place on commit(),
// and removed if the partition fails. commit() is handed the month's ledger entry (rows, run
// id), which it keeps next to the file; the files present are the ledger, so a rerun with
// resume skips the months already exported.
//
// Usage: csv_export "ODBC connection string" TABLE DATE_COLUMN FIRST_DAY LAST_DAY OUT_DIR

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>

#include <replicate/replicate.hpp>

namespace fs = std::filesystem;
using namespace replicate;

namespace {

std::string csv_field(const Value& v, Type type) {
    if (v.is_null()) return "";
    std::ostringstream os;
    if (type == Type::binary) {
        static const char* hex = "0123456789abcdef";
        std::string out = "0x";
        for (unsigned char c : std::get<std::string>(v.data)) {
            out += hex[c >> 4];
            out += hex[c & 15];
        }
        return out;
    }
    if (const auto* s = std::get_if<std::string>(&v.data); s && type == Type::text) {
        std::string out = "\"";
        for (char c : *s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        return out + "\"";
    }
    if (const auto* s = std::get_if<std::string>(&v.data)) return *s;  // decimal: exact text
    os << v;
    return os.str();
}

std::string file_name(const Partition& p) {
    return p.table.target.table + "__" + (p.range() ? p.range()->lo.to_string() + "_" + p.range()->hi.to_string()
                                                  : std::string("all")) + ".csv";
}

class CsvSink : public Sink {
public:
    explicit CsvSink(fs::path dir) : dir_(std::move(dir)) {}
    ~CsvSink() override {
        if (!temp_.empty()) fs::remove(temp_);  // rollback: the partition never appears
    }
    void begin(const Partition& p, const Schema& schema) override {
        partition_ = p;
        schema_ = schema;
        temp_ = dir_ / (file_name(p) + ".partial");
        out_.open(temp_, std::ios::trunc);
        for (std::size_t c = 0; c < schema.size(); ++c) out_ << (c ? "," : "") << schema[c].name;
        out_ << "\n";
    }
    void write(const Batch& batch) override {
        for (std::size_t r = 0; r < batch.rows(); ++r) {
            for (std::size_t c = 0; c < batch.column_count(); ++c) {
                out_ << (c ? "," : "") << csv_field(batch.value(r, c), schema_[c].type.type);
            }
            out_ << "\n";
        }
        if (!out_) throw Error(ErrorKind::internal, "cannot write " + temp_.string());
    }
    void commit(const LedgerEntry& entry) override {
        out_.close();
        if (!out_) throw Error(ErrorKind::internal, "cannot write " + temp_.string());
        // The ledger entry first, then the data: the rename of the data publishes both (an entry
        // without its file is ignored by entries()).
        const fs::path ledger = dir_ / (file_name(partition_) + ".ledger");
        {
            std::ofstream l(ledger.string() + ".partial", std::ios::trunc);
            l << entry.rows << "\t" << entry.run_id << "\t" << entry.finished_at << "\n";
            if (!l) throw Error(ErrorKind::internal, "cannot write " + ledger.string());
        }
        fs::rename(ledger.string() + ".partial", ledger);
        fs::rename(temp_, dir_ / file_name(partition_));
        temp_.clear();
    }

private:
    fs::path dir_;
    fs::path temp_;
    std::ofstream out_;
    Partition partition_;
    Schema schema_;
};

class CsvTarget : public Target, public Ledger {
public:
    explicit CsvTarget(fs::path dir) : dir_(std::move(dir)) { fs::create_directories(dir_); }
    void validate(const TableSpec&, const Schema&) override {}
    void prepare(const TableSpec&, const Schema&) override {}
    std::unique_ptr<Sink> open_sink(const std::string&) override { return std::make_unique<CsvSink>(dir_); }
    Ledger& ledger() override { return *this; }
    std::vector<LedgerEntry> entries(const QualifiedName& table) override {
        // A month is done when its file exists: "<table>__<lo>_<hi>.csv".
        std::vector<LedgerEntry> out;
        const std::string prefix = table.table + "__";
        for (const auto& f : fs::directory_iterator(dir_)) {
            const std::string name = f.path().filename().string();
            if (name.rfind(prefix, 0) != 0 || f.path().extension() != ".csv") continue;
            LedgerEntry e;
            e.target_table = table.display();
            const std::string range = name.substr(prefix.size(), name.size() - prefix.size() - 4);
            if (range != "all") {
                e.range_lo = range.substr(0, 10);
                e.range_hi = range.substr(11, 10);
            }
            std::ifstream l(f.path().string() + ".ledger");
            l >> e.rows >> e.run_id;
            out.push_back(e);
        }
        return out;
    }

private:
    fs::path dir_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 7) {
        std::cerr << "usage: csv_export CONNECTION TABLE DATE_COLUMN FIRST_DAY LAST_DAY OUT_DIR\n";
        return 2;
    }
    try {
        SourceOptions source_config;
        source_config.connection = argv[1];
        odbc::OdbcSourceFactory source(source_config);
        CsvTarget target(argv[6]);

        TableSpec table;
        table.source = {"", argv[2]};
        table.target = {"", argv[2]};
        table.partition_column = argv[3];
        Plan plan;
        plan.tables.push_back(table);
        plan.range = DateRange::inclusive(Date::parse(argv[4], "FIRST_DAY"), Date::parse(argv[5], "LAST_DAY"));

        RunOptions options;
        options.max_workers = 2;
        options.resume = true;
        const RunReport report = Orchestrator(source, target, options).run(plan);
        for (const PartitionResult& r : report.partitions) {
            std::cout << r.partition.label() << " " << to_string(r.status) << " " << r.rows << "\n";
        }
        return report.ok() ? 0 : 1;
    } catch (const Error& e) {
        std::cerr << "csv_export: " << e.what() << "\n";
        return e.kind() == ErrorKind::config ? 2 : e.kind() == ErrorKind::connection ? 3 : 1;
    }
}
