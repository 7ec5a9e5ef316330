#include "execute.hpp"

#include <iomanip>
#include <iostream>
#include <sstream>

#include <boost/log/trivial.hpp>

#include "app.hpp"
#include "console.hpp"

namespace po = boost::program_options;

namespace replicate::app {

void add_exec_options(po::options_description& desc, ExecOptions& out) {
    desc.add_options()
        ("dry-run", po::bool_switch(&out.dry_run),
         "print the plan (partitions, rows counted at the source, statements) and write nothing")
        ("verify", po::bool_switch(&out.verify),
         "after copying each partition, compare its row count and checksum on both sides; a "
         "mismatch fails the partition")
        ("verify-only", po::bool_switch(&out.verify_only),
         "copy nothing: compare each partition on both sides and list what does not match "
         "(exit 1 if any)")
        ("repair", po::bool_switch(&out.repair),
         "compare like --verify-only, then copy again (verified) exactly the partitions that "
         "do not match")
        ("progress", po::value(&out.progress)->value_name("auto|always|never"),
         "live progress view: auto (when stderr is a terminal), always, never (then, as off a "
         "terminal, a progress line every --heartbeat seconds)")
        ("heartbeat", po::value(&out.heartbeat_seconds)->value_name("SECONDS"),
         "off a terminal, log a progress line this often while partitions run (default 30)");
}

void check_exec_options(const ExecOptions& exec) {
    const int modes = int(exec.dry_run) + int(exec.verify_only) + int(exec.repair);
    if (modes > 1) {
        throw Error(ErrorKind::config,
                    "--dry-run, --verify-only and --repair exclude each other: pass one");
    }
    if (exec.verify && (exec.verify_only || exec.repair || exec.dry_run)) {
        throw Error(ErrorKind::config, "--verify goes with a copy: drop it (--verify-only and "
                                       "--repair verify already; --dry-run copies nothing)");
    }
    if (!(exec.heartbeat_seconds >= 0.1)) {
        throw Error(ErrorKind::config, "--heartbeat must be at least 0.1 seconds");
    }
    if (exec.progress != "auto" && exec.progress != "always" && exec.progress != "never") {
        throw Error(ErrorKind::config,
                    "--progress must be auto, always or never, got '" + exec.progress + "'");
    }
}

namespace {

void log_partition(const PartitionResult& r) {
    std::ostringstream os;
    // The record carries the table and range (LogScope); the message says what happened.
    os << to_string(r.status) << ", " << r.rows << " rows in " << std::fixed
       << std::setprecision(2) << r.seconds << " s, " << r.attempts << " attempt(s)";
    if (r.verification) os << (r.verification->match() ? ", verified" : ", MISMATCH");
    BOOST_LOG_TRIVIAL(info) << os.str();
}

/// The verification table: one line per partition, then the totals.
void print_verification(const RunReport& report) {
    std::ostringstream os;
    os << "\nverification " << report.run_id << "\n"
       << std::left << std::setw(22) << "table" << std::setw(24) << "range" << std::right
       << std::setw(12) << "source rows" << std::setw(12) << "target rows" << "  "
       << std::left << std::setw(22) << "source checksum" << std::setw(22) << "target checksum"
       << "result\n";
    int match = 0;
    int mismatch = 0;
    int error = 0;
    for (const PartitionResult& r : report.partitions) {
        os << std::left << std::setw(22) << r.partition.table.source.display() << std::setw(24)
           << r.partition.label();
        if (r.verification) {
            const Verification& v = *r.verification;
            os << std::right << std::setw(12) << v.source_rows << std::setw(12) << v.target_rows
               << "  " << std::left << std::setw(22) << v.source_checksum << std::setw(22)
               << v.target_checksum << (v.match() ? "match" : "MISMATCH") << "\n";
            ++(v.match() ? match : mismatch);
        } else {
            os << "  not compared: " << r.error << "\n";
            ++error;
        }
    }
    os << "total: " << match << " match, " << mismatch << " mismatch";
    if (error > 0) os << ", " << error << " not compared";
    os << "\n";
    std::cout << os.str() << std::flush;
}

}  // namespace

namespace {

/// Runs \p body with a progress view of \p options' run, stopped (its block erased) before
/// anything else is printed.
template <class Body>
auto with_progress(RunOptions& options, const ExecOptions& exec, Body body) {
    RunMonitor monitor;
    const ProgressView::Mode mode = progress_mode(exec.progress, exec.quiet);
    options.monitor = &monitor;
    // A percentage needs each partition's rows: one COUNT at the source, only for a person
    // watching.
    options.count_rows_first = mode == ProgressView::Mode::live;
    ProgressView view(mode, monitor, exec.heartbeat_seconds);
    auto result = body();
    view.stop();
    options.monitor = nullptr;
    return result;
}

}  // namespace

int execute(ReportContext& reporting, SourceFactory& source, Target& target, RunOptions options,
            const Plan& plan, const ExecOptions& exec) {
    options.verify = exec.verify;
    if (options.run_id.empty()) options.run_id = make_run_id();
    set_log_run_id(options.run_id);
    if (!exec.note.empty()) BOOST_LOG_TRIVIAL(info) << exec.note;
    const auto print_note = [&] {
        if (!exec.note.empty()) std::cout << exec.note << "\n" << std::flush;
    };
    reporting.settings["verify"] = exec.verify;
    if (exec.dry_run) {
        reporting.mode = "dry_run";
        Orchestrator orchestrator(source, target, options);
        print_note();
        print_plan(reporting.plan.emplace(orchestrator.dry_run(plan)));
        return exit_ok;
    }
    // A copy of \p p with \p options as they are now, under a progress view.
    const auto copy = [&](const Plan& p) {
        return with_progress(options, exec, [&] {
            Orchestrator orchestrator(source, target, options);
            orchestrator.on_progress(log_partition);
            return orchestrator.run(p);
        });
    };
    if (exec.verify_only || exec.repair) {
        reporting.mode = exec.repair ? "repair" : "verify_only";
        const RunReport& checked = reporting.report.emplace(with_progress(options, exec, [&] {
            Orchestrator checker(source, target, options);
            checker.on_progress(log_partition);
            return checker.verify(plan);
        }));
        print_verification(checked);
        print_note();
        if (!exec.repair || checked.cancelled) return exit_code_for(checked);
        Plan again = plan;
        for (const PartitionResult& r : checked.partitions) {
            if (r.verification && !r.verification->match()) again.only.push_back(r.partition);
        }
        if (again.only.empty()) {
            std::cout << "repair: nothing to repair\n";
            return exit_code_for(checked);
        }
        std::cout << "repair: copying " << again.only.size() << " partition(s) again\n";
        options.verify = true;
        options.run_id = make_run_id();
        set_log_run_id(options.run_id);
        const RunReport& repaired = reporting.repair.emplace(copy(again));
        print_summary(repaired);
        // Repaired: every mismatch was copied again and now matches; partitions that could not
        // be compared at all still fail the run.
        bool uncompared = false;
        for (const PartitionResult& r : checked.partitions) {
            uncompared = uncompared || (r.status != PartitionStatus::done && !r.verification);
        }
        const int code = exit_code_for(repaired);
        return code == exit_ok && uncompared ? exit_failed : code;
    }
    reporting.mode = "copy";
    const RunReport& report = reporting.report.emplace(copy(plan));
    print_summary(report);
    print_note();
    return exit_code_for(report);
}

}  // namespace replicate::app
