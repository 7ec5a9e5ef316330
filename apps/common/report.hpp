#pragma once
// --report FILE: the run as JSON, for monitoring and audits. The schema is documented in
// docs/report.md and versioned ("schema_version"); fields are only ever added within a version.

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "job_file.hpp"
#include <replicate/orchestrator.hpp>

namespace replicate::app {

/// The report's "settings": the job's effective values, connection secrets masked.
nlohmann::json report_settings(const JobConfig& job, const RunOptions& options);

/// Throws Error(kind config) naming \p path if a report could not be written there (checked
/// before a run, so that a mistyped directory does not surface after hours of copying).
void check_report_path(const std::string& path);

/// What --report needs, filled in as a tool goes.
struct ReportContext {
    std::string path;  ///< empty: no report
    std::string tool;
    std::string command;  ///< secrets masked
    nlohmann::json settings;
    std::optional<RunReport> report;
    std::optional<std::vector<PlannedPartition>> plan;  ///< --dry-run
    /// "copy", "dry_run", "verify_only" or "repair".
    std::string mode;
    /// --repair: the run that copied the mismatching partitions again (report holds the
    /// verification that found them).
    std::optional<RunReport> repair;
};

/// Writes the report of a run that ended (context.report set), of a plan (context.plan), or of
/// the error that stopped a tool before it could start (\p error). The file is written whole or
/// not at all (a temporary file renamed into place). Throws Error(kind config) naming the file
/// if it cannot be written.
void write_report(const ReportContext& context, int exit_code, const std::string& error = {});

/// guarded() (one-line errors, exit codes) that also writes the report, when asked, of the run
/// or of the error that stopped it before it could run.
int guarded_with_report(ReportContext& context, const std::function<int()>& body);

}  // namespace replicate::app
