#pragma once
// Splitting one run over several processes on an engine people already run (Kubernetes
// Indexed Jobs, Airflow mapped tasks): the plan as JSON, one partition by its key, or the k-th
// of n deterministic shares of the plan.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "job_file.hpp"
#include <replicate/orchestrator.hpp>

namespace replicate::app {

/// --plan-json: the partitions of a plan with their estimated rows, as printed and as read
/// back by --plan (schema "libreplicate-plan", version 1; docs/scale-out.md).
nlohmann::json plan_json(const std::string& tool, const std::vector<PlannedPartition>& planned);

/// Parses "TABLE:LO..HI" (half-open) or "TABLE:NULL" into a partition of \p spec's table.
/// Throws Error(kind config) naming the key when it is malformed.
Partition parse_partition_key(const std::string& key, const TableSpec& spec);

/// The configured sales table a key names; Error(kind config) listing the configured ones.
const SalesTableConfig& table_of_key(const std::string& key, const JobConfig& job);

/// --partition KEY...: a plan of exactly these partitions (their tables, the range covering
/// them, Plan::only). Each must be a partition the monthly split yields: Error(kind config)
/// naming the key otherwise.
Plan plan_of_keys(const std::vector<std::string>& keys, const JobConfig& job,
                  bool& include_null_dates);

/// "K/N" -> {K, N} with 0 <= K < N; Error(kind config) otherwise.
std::pair<int, int> parse_shard(const std::string& text);

/// The partitions of share \p k of \p n of \p planned, dealt by estimated rows (deal_shares).
std::vector<Partition> share_of(const std::vector<PlannedPartition>& planned, int k, int n);

/// Reads a --plan-json file back: its partitions (keys and estimated rows) as planned
/// partitions of \p job's tables. Error(kind config) naming the file on any problem.
std::vector<PlannedPartition> read_plan_file(const std::string& path, const JobConfig& job);

}  // namespace replicate::app
