#include "report.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include <replicate/error.hpp>
#include <replicate/ledger.hpp>
#include <replicate/version.hpp>

#include "app.hpp"

namespace replicate::app {

namespace {

using nlohmann::json;

template <class Options>
json endpoint_json(const Options& e) {
    return json{{"connection", mask_connection_string(e.connection)},
                {"schema", e.schema},
                {"data_path", e.native_protocol ? "auto" : "odbc"}};
}

json partition_json(const PartitionResult& r) {
    const Partition& p = r.partition;
    json j{{"table", p.table.source.display()},
           {"target", p.table.target.display()},
           {"kind", to_string(p.kind())},
           {"status", to_string(r.status)},
           {"rows", r.rows},
           {"bytes", r.bytes},
           {"seconds", r.seconds},
           {"attempts", r.attempts}};
    if (p.range()) {
        j["lo"] = p.range()->lo.to_string();
        j["hi"] = p.range()->hi.to_string();
    }
    if (r.error_kind) {
        j["error_kind"] = to_string(*r.error_kind);
        j["error"] = r.error;
    }
    if (r.verification) {
        const Verification& v = *r.verification;
        j["verification"] = {{"result", v.match() ? "match" : "mismatch"},
                             {"source_rows", v.source_rows},
                             {"source_checksum", v.source_checksum},
                             {"target_rows", v.target_rows},
                             {"target_checksum", v.target_checksum},
                             {"verified_at", v.verified_at},
                             {"skipped_columns", v.skipped_columns}};
    }
    return j;
}

/// A run's outcome: id, status, times, per-table totals and every partition.
void put_run(json& j, const RunReport& report) {
    j["run_id"] = report.run_id;
    j["status"] = report.cancelled ? "interrupted" : report.ok() ? "ok" : "failed";
    j["started_at"] = report.started_at;
    j["finished_at"] = report.finished_at;
    j["seconds"] = report.seconds;
    if (!report.source_reads.isolation.empty()) {
        j["source_reads"] = {{"isolation", report.source_reads.isolation},
                             {"locking", report.source_reads.locking}};
    }
    json tables = json::array();
    for (const TableSummary& t : report.tables) {
        tables.push_back({{"table", t.table},
                          {"partitions_ok", t.partitions_ok},
                          {"partitions_failed", t.partitions_failed},
                          {"partitions_skipped", t.partitions_skipped},
                          {"partitions_verified", t.partitions_verified},
                          {"partitions_mismatched", t.partitions_mismatched},
                          {"rows", t.rows},
                          {"bytes", t.bytes},
                          {"seconds", t.seconds},
                          {"null_date_rows", t.null_partition_rows},
                          {"null_dates_copied", t.null_rows_copied},
                          {"added_columns", t.added_columns}});
    }
    j["tables"] = tables;
    json partitions = json::array();
    for (const PartitionResult& r : report.partitions) partitions.push_back(partition_json(r));
    j["partitions"] = partitions;
}

}  // namespace

json report_settings(const JobConfig& job, const RunOptions& options) {
    json target = endpoint_json(job.target);
    target["table_prefix"] = job.target.table_prefix;
    return json{{"source", endpoint_json(job.source)},
                {"target", target},
                {"max_workers", options.max_workers},
                {"batch_rows", options.read.batch_rows},
                {"batch_bytes", options.read.batch_bytes},
                {"retry_attempts", options.retry.max_attempts},
                {"resume", options.resume},
                {"include_null_dates", options.include_null_dates}};
}

void write_report(const ReportContext& context, int exit_code, const std::string& error) {
    const std::string& path = context.path;
    json j{{"schema", "libreplicate-report"},
           {"schema_version", 1},
           {"tool", context.tool},
           {"version", version()},
           {"command", context.command},
           {"mode", context.mode.empty() ? "copy" : context.mode},
           {"settings", context.settings},
           {"exit_code", exit_code}};
    const std::vector<PlannedPartition>* plan =
        context.plan && error.empty() ? &*context.plan : nullptr;
    if (context.report) {
        put_run(j, *context.report);
        if (context.repair) {
            json repair;
            put_run(repair, *context.repair);
            j["repair"] = repair;
        }
        if (!error.empty()) j["error"] = error;
    } else if (plan != nullptr) {
        j["status"] = "dry_run";
        j["finished_at"] = utc_now();
        json partitions = json::array();
        for (const PlannedPartition& p : *plan) {
            PartitionResult r;
            r.partition = p.partition;
            json pj = partition_json(r);
            pj.erase("status");
            pj.erase("rows");
            pj.erase("bytes");
            pj.erase("seconds");
            pj.erase("attempts");
            pj["estimated_rows"] = p.rows ? json(*p.rows) : json(nullptr);
            pj["estimate"] = p.rows ? "count" : "unknown";
            pj["skipped_by_resume"] = p.skipped;
            pj["source_query"] = p.source_query;
            pj["target_statements"] = p.target_statements;
            partitions.push_back(pj);
        }
        j["partitions"] = partitions;
    } else {
        j["status"] = "error";
        j["finished_at"] = utc_now();
        j["error"] = error;
    }
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << j.dump(2) << "\n";
        out.close();
        if (!out) {
            std::remove(tmp.c_str());
            throw Error(ErrorKind::config, "cannot write the report " + path + ": " +
                                               std::strerror(errno) + " (check --report)");
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        std::remove(tmp.c_str());
        throw Error(ErrorKind::config, "cannot write the report " + path + ": " + why +
                                           " (check --report)");
    }
}

void check_report_path(const std::string& path) {
    const std::string tmp = path + ".tmp";
    std::ofstream probe(tmp, std::ios::trunc);
    if (!probe) {
        throw Error(ErrorKind::config, "cannot write the report " + path + ": " +
                                           std::strerror(errno) + " (check --report)");
    }
    probe.close();
    std::remove(tmp.c_str());
}

int guarded_with_report(ReportContext& context, const std::function<int()>& body) {
    if (!context.path.empty()) {
        try {
            check_report_path(context.path);
        } catch (const Error& e) {
            std::cerr << context.tool << ": error: " << e.what() << "\n";
            return exit_usage;
        }
    }
    std::string error;
    const int code = guarded(context.tool, [&]() -> int {
        try {
            return body();
        } catch (const std::exception& e) {
            error = e.what();
            throw;
        }
    });
    if (context.path.empty() || (!context.report && !context.plan && error.empty())) return code;
    try {
        write_report(context, code, error);
    } catch (const std::exception& e) {
        std::cerr << context.tool << ": error: " << e.what() << "\n";
        return code == exit_ok ? exit_failed : code;
    }
    return code;
}

}  // namespace replicate::app
