// replicate_reference: full refresh of the [[reference]] tables through a staging table.
#include <algorithm>
#include <iostream>

#include <boost/log/trivial.hpp>

#include <replicate/odbc/database.hpp>
#include <replicate/orchestrator.hpp>

#include "common/app.hpp"
#include "common/execute.hpp"
#include "common/report.hpp"

namespace po = boost::program_options;
using namespace replicate;

int main(int argc, char** argv) {
    const std::string tool = "replicate_reference";
    app::CommonOptions common;
    bool full_table = false;
    std::vector<std::string> tables;
    app::ReportContext reporting;
    app::ExecOptions exec;
    reporting.tool = tool;
    reporting.command = app::masked_command_line(argc, argv);
    po::options_description desc("Options");
    desc.add_options()
        ("full-table", po::bool_switch(&full_table),
         "replace each table whole: load a staging table, then swap it in atomically")
        ("table", po::value(&tables)->value_name("NAME")->composing(),
         "refresh only this [[reference]] table (repeatable)")
        ("report", po::value(&reporting.path)->value_name("FILE"),
         "write the run (or the error that stopped it) as JSON to FILE (docs/report.md)");
    app::add_exec_options(desc, exec);
    app::add_common_options(desc, common);
    po::variables_map vm;
    const int early =
        app::parse_command_line(tool, "--config FILE --full-table [options]", argc, argv, desc, vm);
    if (early >= 0) return early;

    return app::guarded_with_report(reporting, [&]() -> int {
        app::setup_logging(common);
        const JobConfig job = app::load_job(common);
        app::check_exec_options(exec);
        if (common.print_config) {
            std::cout << job.to_masked_toml() << "\n# command line\n# full-table = "
                      << (full_table ? "true" : "false") << "\n";
            return app::exit_ok;
        }
        if (!full_table) {
            throw Error(ErrorKind::config,
                        "nothing to do: pass --full-table (the only refresh mode today)");
        }
        std::vector<std::string> configured;
        for (const ReferenceTableConfig& r : job.reference) configured.push_back(r.table);
        const std::vector<std::string> selected =
            app::select_tables(tables, configured, "reference", common.config);
        // One whole-table partition per table; up to [run] max_workers tables refresh at once,
        // so the source never sees more than that many heavy reads.
        Plan plan;
        for (const ReferenceTableConfig& r : job.reference) {
            if (std::find(selected.begin(), selected.end(), r.table) != selected.end()) {
                plan.tables.push_back(job.reference_spec(r));
            }
        }
        app::install_signal_handlers();
        odbc::OdbcSourceFactory source(job.source);
        odbc::OdbcTarget target(job.target);
        RunOptions options = app::run_options(job, 0);
        options.command = reporting.command;
        reporting.settings = app::report_settings(job, options);
        exec.quiet = common.quiet;
        return app::execute(reporting, source, target, options, plan, exec);
    });
}
