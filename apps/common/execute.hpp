#pragma once
// What the two copying tools do once their plan is built: a dry run, a run (optionally
// verified), a verification without copying, or a verification followed by the repair of
// what did not match. One code path for both tools.

#include <string>

#include <boost/program_options.hpp>

#include <replicate/orchestrator.hpp>

#include "report.hpp"

namespace replicate::app {

struct ExecOptions {
    bool dry_run = false;
    bool verify = false;       ///< --verify: compare each partition after copying it
    bool verify_only = false;  ///< --verify-only: compare, copy nothing
    bool repair = false;       ///< --repair: compare, then re-copy what does not match
    std::string progress = "auto";  ///< --progress: auto, always, never
    double heartbeat_seconds = 30;  ///< --heartbeat: interval of progress lines off a terminal
    bool quiet = false;             ///< --quiet: no progress at all
    /// A line printed before the plan and after the summary (e.g. which dates a nightly run
    /// took, in which time zone).
    std::string note;
};

/// Adds --dry-run, --verify, --verify-only, --repair, --progress and --heartbeat.
void add_exec_options(boost::program_options::options_description& desc, ExecOptions& out);

/// Throws Error(kind config) for combinations that make no sense (--dry-run --repair, ...).
void check_exec_options(const ExecOptions& exec);

/// Runs \p plan as \p exec says, prints what a person needs (plan, summary, verification) and
/// fills \p reporting; returns the exit code.
int execute(ReportContext& reporting, SourceFactory& source, Target& target, RunOptions options,
            const Plan& plan, const ExecOptions& exec);

}  // namespace replicate::app
