// replicate_all_sales: copies the [[sales]] tables month by month over a date range.
#include <algorithm>
#include <tuple>
#include <iostream>

#include <boost/log/trivial.hpp>

#include <replicate/odbc/database.hpp>
#include <replicate/calendar.hpp>
#include <replicate/orchestrator.hpp>

#include "common/app.hpp"
#include "common/execute.hpp"
#include "common/report.hpp"
#include "common/scale_out.hpp"

namespace po = boost::program_options;
using namespace replicate;

int main(int argc, char** argv) {
    const std::string tool = "replicate_all_sales";
    app::CommonOptions common;
    std::string start;
    std::string end;
    int max_workers = 0;
    std::vector<std::string> tables;
    bool resume = false;
    bool include_null_dates = false;
    bool today = false;
    bool yesterday = false;
    int days_back = 0;
    bool plan_only = false;
    std::vector<std::string> partition_keys;
    std::string shard;
    std::string plan_file;
    app::ReportContext reporting;
    app::ExecOptions exec;
    reporting.tool = tool;
    reporting.command = app::masked_command_line(argc, argv);
    po::options_description desc("Options");
    desc.add_options()
        ("start-date", po::value(&start)->value_name("YYYY-MM-DD"), "first day to copy (included)")
        ("end-date", po::value(&end)->value_name("YYYY-MM-DD"), "last day to copy (included)")
        ("today", po::bool_switch(&today), "copy today so far, in [run] time_zone")
        ("yesterday", po::bool_switch(&yesterday),
         "copy yesterday, in [run] time_zone (plus [run] lookback_days days before it)")
        ("days-back", po::value(&days_back)->value_name("N"),
         "copy the last N days up to yesterday, both included, in [run] time_zone")
        ("plan-json", po::bool_switch(&plan_only),
         "print the run's partitions (key, table, range, estimated rows) as JSON and exit")
        ("partition", po::value(&partition_keys)->value_name("TABLE:LO..HI")->composing(),
         "run exactly this partition, as --plan-json prints its key (repeatable); no dates needed")
        ("shard", po::value(&shard)->value_name("K/N"),
         "run the K-th (0..N-1) of N disjoint shares of the plan, balanced by estimated rows")
        ("plan", po::value(&plan_file)->value_name("FILE"),
         "with --shard: deal the shares from this --plan-json file instead of counting now, so "
         "that every process sees the same estimates")
        ("max-workers", po::value(&max_workers)->value_name("N"),
         "months copied at once = source connections (default: [run] max_workers or 2)")
        ("table", po::value(&tables)->value_name("NAME")->composing(),
         "copy only this [[sales]] table (repeatable)")
        ("resume", po::bool_switch(&resume),
         "skip months the ledger records as done for the same table and range")
        ("include-null-dates", po::bool_switch(&include_null_dates),
         "also copy the rows whose date column is NULL, as one more partition per table")
        ("report", po::value(&reporting.path)->value_name("FILE"),
         "write the run (or the error that stopped it) as JSON to FILE (docs/report.md)");
    app::add_exec_options(desc, exec);
    app::add_common_options(desc, common);
    po::variables_map vm;
    const int early = app::parse_command_line(
        tool, "--config FILE --start-date YYYY-MM-DD --end-date YYYY-MM-DD [options]", argc, argv,
        desc, vm);
    if (early >= 0) return early;

    return app::guarded_with_report(reporting, [&]() -> int {
        app::setup_logging(common);
        const JobConfig job = app::load_job(common);
        app::check_max_workers(vm, max_workers);
        app::check_exec_options(exec);
        if (common.print_config) {
            std::cout << job.to_masked_toml() << "\n# command line\n# start-date = " << start
                      << "\n# end-date = " << end << "\n# max-workers = "
                      << (max_workers > 0 ? max_workers : job.run.max_workers)
                      << "\n# resume = " << (resume ? "true" : "false") << "\n";
            return app::exit_ok;
        }
        const int relative = int(today) + int(yesterday) + int(vm.count("days-back") > 0);
        const bool keyed = !partition_keys.empty();
        if (keyed && (relative > 0 || !start.empty() || !end.empty() || !tables.empty() ||
                      !shard.empty())) {
            throw Error(ErrorKind::config, "--partition names its table and range: drop the dates, "
                                           "--table and --shard");
        }
        if (!plan_file.empty() && shard.empty()) {
            throw Error(ErrorKind::config, "--plan FILE goes with --shard K/N");
        }
        int shard_k = -1;
        int shard_n = 0;
        if (!shard.empty()) std::tie(shard_k, shard_n) = app::parse_shard(shard);
        if (keyed) {
            // The dates come from the keys.
        } else if (relative > 1 || (relative == 1 && (!start.empty() || !end.empty()))) {
            throw Error(ErrorKind::config, "give either --start-date/--end-date or one of --today, "
                                           "--yesterday, --days-back N");
        }
        DateRange range;
        std::string dates_note;
        nlohmann::json relative_json;
        if (relative == 1) {
            const RelativeDays what = today       ? RelativeDays::today
                                      : yesterday ? RelativeDays::yesterday
                                                  : RelativeDays::days_back;
            const std::string zone = zone_name(job.run.time_zone);
            range = relative_range(local_date(std::chrono::system_clock::now(), job.run.time_zone),
                                   what, days_back, job.run.lookback_days);
            const char* said = today ? "today" : yesterday ? "yesterday" : "--days-back";
            dates_note = "dates: " + range.lo.to_string() + " to " +
                         range.hi.add_days(-1).to_string() + " (" + said +
                         (what == RelativeDays::days_back ? " " + std::to_string(days_back) : "") +
                         " in " + zone +
                         (job.run.lookback_days > 0
                              ? ", with " + std::to_string(job.run.lookback_days) + " lookback day(s)"
                              : std::string()) +
                         ")";
            relative_json = {{"days", said},
                             {"time_zone", zone},
                             {"lookback_days", job.run.lookback_days}};
        } else if (!keyed) {
            if (start.empty() || end.empty()) {
                throw Error(ErrorKind::config,
                            "--start-date and --end-date are required (YYYY-MM-DD), or one of "
                            "--today, --yesterday, --days-back N");
            }
            range = DateRange::inclusive(Date::parse(start, "--start-date"),
                                         Date::parse(end, "--end-date"));
        }
        exec.note = dates_note;
        std::vector<std::string> configured;
        for (const SalesTableConfig& t : job.sales) configured.push_back(t.table);
        const std::vector<std::string> selected =
            app::select_tables(tables, configured, "sales", common.config);
        Plan plan;
        plan.range = range;
        for (const SalesTableConfig& t : job.sales) {
            if (std::find(selected.begin(), selected.end(), t.table) != selected.end()) {
                plan.tables.push_back(job.sales_spec(t));
            }
        }
        if (keyed) {
            plan = app::plan_of_keys(partition_keys, job, include_null_dates);
            range = *plan.range;
        }

        app::install_signal_handlers();
        RunOptions options = app::run_options(job, max_workers);
        options.resume = resume;
        options.include_null_dates = include_null_dates;
        reporting.settings = app::report_settings(job, options);
        reporting.settings["range"] = {{"first", range.lo.to_string()},
                                       {"last", range.hi.add_days(-1).to_string()}};
        if (!relative_json.is_null()) reporting.settings["range"]["relative"] = relative_json;
        odbc::OdbcSourceFactory source(job.source);
        odbc::OdbcTarget target(job.target);
        options.command = reporting.command;
        exec.quiet = common.quiet;
        if (plan_only) {
            const std::vector<PlannedPartition> planned = Orchestrator(source, target, options).dry_run(plan);
            std::cout << app::plan_json(tool, planned).dump(2) << "\n";
            return app::exit_ok;
        }
        if (shard_n > 0) {
            const std::vector<PlannedPartition> planned =
                plan_file.empty() ? Orchestrator(source, target, options).dry_run(plan)
                                  : app::read_plan_file(plan_file, job);
            plan.only = app::share_of(planned, shard_k, shard_n);
            reporting.settings["shard"] = {{"k", shard_k}, {"n", shard_n},
                                           {"partitions", plan.only.size()}};
            if (plan.only.empty()) {
                std::cout << "shard " << shard << ": no partition falls to this share of the "
                          << planned.size() << "\n";
                return app::exit_ok;
            }
            BOOST_LOG_TRIVIAL(info) << "shard " << shard << ": " << plan.only.size() << " of "
                                    << planned.size() << " partition(s)";
        }
        return app::execute(reporting, source, target, options, plan, exec);
    });
}
