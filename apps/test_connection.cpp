// test_connection: one screen telling whether source and target are reachable and usable.
#include <iostream>
#include <type_traits>

#include <replicate/calendar.hpp>
#include <replicate/ledger.hpp>
#include <replicate/odbc/database.hpp>

#include "common/app.hpp"

namespace po = boost::program_options;
using namespace replicate;

namespace {

struct Checker {
    int worst = app::exit_ok;
    void ok(const std::string& what) { std::cout << "  [ OK ] " << what << "\n"; }
    void info(const std::string& what) { std::cout << "  [INFO] " << what << "\n"; }
    /// Works, but costs the other side something: said, not failed.
    void warn(const std::string& what) { std::cout << "  [WARN] " << what << "\n"; }
    void fail(const std::string& what, const Error& e) {
        std::cout << "  [FAIL] " << what << ": " << e.what() << "\n";
        const int code = app::exit_code_for(e.kind());
        // Unreachable beats bad configuration beats a failed check.
        if (code == app::exit_unreachable || worst == app::exit_ok ||
            (code == app::exit_usage && worst == app::exit_failed)) {
            worst = code;
        }
    }
};

template <class Options>
std::unique_ptr<odbc::Database> connect(Checker& c, const std::string& side, const Options& endpoint) {
    const bool source = std::is_same<Options, SourceOptions>::value;
    std::cout << side << " (" << mask_connection_string(endpoint.connection) << ")\n";
    try {
        auto db = odbc::Database::connect(endpoint);
        const odbc::ServerInfo& i = db->info();
        c.ok("connected: " + i.dbms_name + " " + i.dbms_version + ", driver " + i.driver_name +
             " " + i.driver_version + ", database '" + i.database + "'");
        if (i.read_only) {
            c.info(*i.read_only ? "read-only database (a replica: good for a source)"
                                : "read-write database" +
                                      std::string(source ? " (a read-only replica would spare the primary)" : ""));
        } else {
            c.info("read-only or not: " + i.dbms_name + " cannot tell");
        }
        if (source && !i.reads.isolation.empty()) {
            if (i.reads.locking) {
                c.warn("reads are " + i.reads.isolation + ": " + i.reads.advice);
            } else {
                c.info("reads: " + i.reads.isolation + " (they block none of the source's writers)");
            }
        }
        return db;
    } catch (const Error& e) {
        c.fail("cannot connect", e);
        return nullptr;
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string tool = "test_connection";
    app::CommonOptions common;
    bool only_source = false;
    bool only_target = false;
    po::options_description desc("Options");
    desc.add_options()
        ("source", po::bool_switch(&only_source), "check the source only")
        ("target", po::bool_switch(&only_target), "check the target only");
    app::add_common_options(desc, common);
    po::variables_map vm;
    const int early =
        app::parse_command_line(tool, "--config FILE [--source] [--target]", argc, argv, desc, vm);
    if (early >= 0) return early;

    return app::guarded(tool, [&]() -> int {
        app::setup_logging(common);
        const JobConfig job = app::load_job(common);
        if (common.print_config) {
            std::cout << job.to_masked_toml();
            return app::exit_ok;
        }
        const bool check_source = only_source || !only_target;
        const bool check_target = only_target || !only_source;
        Checker c;
        if (check_source) {
            if (auto db = connect(c, "source", job.source)) {
                std::vector<std::pair<TableSpec, std::string>> specs;
                for (const auto& s : job.sales) specs.emplace_back(job.sales_spec(s), "sales");
                for (const auto& r : job.reference) specs.emplace_back(job.reference_spec(r), "reference");
                for (const auto& [spec, kind] : specs) {
                    const std::string what = kind + " table " + spec.source.display();
                    try {
                        const Schema schema = db->describe(spec.source);
                        db->read_probe(spec.source);
                        std::string detail = std::to_string(schema.size()) + " columns, readable";
                        if (spec.mode == TableMode::partitioned) {
                            check_date_column(spec, schema);
                            detail += ", date column " + spec.partition_column + " ok";
                        }
                        c.ok(what + ": " + detail);
                    } catch (const Error& e) {
                        c.fail(what, e);
                    }
                }
            }
        }
        if (check_target) {
            if (auto db = connect(c, "target", job.target)) {
                try {
                    db->write_probe(job.target.schema);
                    c.ok("create, insert, delete and drop a scratch table" +
                         (job.target.schema.empty() ? std::string() : " in schema " + job.target.schema));
                } catch (const Error& e) {
                    c.fail("create/insert/drop a scratch table", e);
                }
                const QualifiedName ledger{job.target.schema, ledger_table_name};
                try {
                    c.info(db->table_exists(ledger)
                               ? "ledger " + ledger.display() + " exists"
                               : "ledger " + ledger.display() + " absent (created by the first run)");
                } catch (const Error& e) {
                    c.fail("looking for the ledger", e);
                }
            }
        }
        std::cout << (c.worst == app::exit_ok ? "all checks passed\n" : "some checks failed\n");
        return c.worst;
    });
}
