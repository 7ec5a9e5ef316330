// replicate_reference: full refresh of the [[reference]] tables through a staging table.
#include <algorithm>
#include <iostream>

#include <boost/log/trivial.hpp>

#include <replicate/odbc/database.hpp>
#include <replicate/orchestrator.hpp>

#include "common/app.hpp"

namespace po = boost::program_options;
using namespace replicate;

int main(int argc, char** argv) {
    const std::string tool = "replicate_reference";
    app::CommonOptions common;
    bool full_table = false;
    int max_workers = 0;
    std::vector<std::string> tables;
    po::options_description desc("Options");
    desc.add_options()
        ("full-table", po::bool_switch(&full_table),
         "replace each table whole: load a staging table, then swap it in atomically")
        ("table", po::value(&tables)->value_name("NAME")->composing(),
         "refresh only this [[reference]] table (repeatable)")
        ("max-workers", po::value(&max_workers)->value_name("N"),
         "tables refreshed at once (default: [run] max_workers or 2)");
    app::add_common_options(desc, common);
    po::variables_map vm;
    const int early =
        app::parse_command_line(tool, "--config FILE --full-table [options]", argc, argv, desc, vm);
    if (early >= 0) return early;

    return app::guarded(tool, [&]() -> int {
        app::setup_logging(common);
        const JobConfig job = app::load_job(common);
        if (vm.count("max-workers") && (max_workers < 1 || max_workers > 64)) {
            throw Error(ErrorKind::config, "--max-workers must be between 1 and 64, got " +
                                               std::to_string(max_workers));
        }
        if (common.print_config) {
            std::cout << job.to_masked_toml() << "\n# command line\n# full-table = "
                      << (full_table ? "true" : "false") << "\n";
            return app::exit_ok;
        }
        if (!full_table) {
            throw Error(ErrorKind::config,
                        "nothing to do: pass --full-table (the only refresh mode today)");
        }
        if (job.reference.empty()) {
            throw Error(ErrorKind::config, common.config + " lists no [[reference]] tables");
        }
        for (const std::string& name : tables) {
            bool found = false;
            for (const ReferenceTableConfig& r : job.reference) found = found || r.table == name;
            if (!found) {
                std::string known;
                for (const ReferenceTableConfig& r : job.reference) known += (known.empty() ? "" : ", ") + r.table;
                throw Error(ErrorKind::config, "--table " + name + " is not a [[reference]] table of " +
                                                   common.config + " (configured: " + known + ")");
            }
        }
        // One whole-table partition per table; a plan of single-table steps keeps the
        // orchestrator's "tables in order" rule while each refresh is one task.
        Plan plan;
        for (const ReferenceTableConfig& r : job.reference) {
            if (tables.empty() || std::find(tables.begin(), tables.end(), r.table) != tables.end()) {
                plan.tables.push_back(job.reference_spec(r));
            }
        }
        app::install_signal_handlers();
        odbc::OdbcSourceFactory source(job.source);
        odbc::OdbcTarget target(job.target);
        Orchestrator orchestrator(source, target, app::run_options(job, max_workers));
        orchestrator.on_progress([](const PartitionResult& r) {
            BOOST_LOG_TRIVIAL(info) << r.partition.table.source.display() << ": " << to_string(r.status)
                      << ", " << r.rows << " rows in " << r.seconds << " s";
        });
        const RunReport report = orchestrator.run(plan);
        app::print_summary(report);
        return app::exit_code_for(report);
    });
}
