#include "scale_out.hpp"

#include <algorithm>
#include <fstream>

#include <replicate/error.hpp>
#include <replicate/partitioner.hpp>
#include <replicate/version.hpp>

namespace replicate::app {

using nlohmann::json;

namespace {

/// The string member \p name of \p j, or "".
std::string text_field(const json& j, const char* name) {
    const auto it = j.find(name);
    if (it == j.end() || !it->is_string()) return {};
    return it->get_ref<const std::string&>();
}

}  // namespace

json plan_json(const std::string& tool, const std::vector<PlannedPartition>& planned) {
    json partitions = json::array();
    for (const PlannedPartition& p : planned) {
        json j{{"key", partition_key(p.partition)},
               {"table", p.partition.table.source.display()},
               {"target", p.partition.table.target.display()},
               {"kind", to_string(p.partition.kind())},
               {"estimated_rows", p.rows ? json(*p.rows) : json(nullptr)},
               {"estimate", p.rows ? "count" : "unknown"},
               {"skipped_by_resume", p.skipped}};
        if (p.partition.range()) {
            j["lo"] = p.partition.range()->lo.to_string();
            j["hi"] = p.partition.range()->hi.to_string();
        }
        partitions.push_back(std::move(j));
    }
    return json{{"schema", "libreplicate-plan"},
                {"schema_version", 1},
                {"tool", tool},
                {"version", version()},
                {"partitions", partitions}};
}

const SalesTableConfig& table_of_key(const std::string& key, const JobConfig& job) {
    const std::size_t colon = key.rfind(':');
    const std::string name = colon == std::string::npos ? key : key.substr(0, colon);
    for (const SalesTableConfig& t : job.sales) {
        if (job.sales_spec(t).source.display() == name || t.table == name) return t;
    }
    std::string names;
    for (const SalesTableConfig& t : job.sales) names += (names.empty() ? "" : ", ") + t.table;
    throw Error(ErrorKind::config, "--partition " + key + ": no [[sales]] table '" + name +
                                       "' in the job file (configured: " + names + ")");
}

Partition parse_partition_key(const std::string& key, const TableSpec& spec) {
    const std::size_t colon = key.rfind(':');
    const std::string range = colon == std::string::npos ? std::string() : key.substr(colon + 1);
    if (range == "NULL") return Partition::of_null_dates(spec);
    const std::size_t dots = range.find("..");
    if (dots == std::string::npos) {
        throw Error(ErrorKind::config, "--partition '" + key +
                                           "': expected TABLE:YYYY-MM-DD..YYYY-MM-DD (half-open, "
                                           "as --plan-json prints it) or TABLE:NULL");
    }
    const Date lo = Date::parse(range.substr(0, dots), "the partition's first day");
    const Date hi = Date::parse(range.substr(dots + 2), "the partition's end");
    if (!(lo < hi)) {
        throw Error(ErrorKind::config, "--partition '" + key + "': the end must be after the start");
    }
    return Partition::of_range(spec, DateRange{lo, hi});
}

Plan plan_of_keys(const std::vector<std::string>& keys, const JobConfig& job,
                  bool& include_null_dates) {
    Plan plan;
    std::optional<Date> lo;
    std::optional<Date> hi;
    std::vector<std::string> tables;
    for (const std::string& key : keys) {
        const SalesTableConfig& t = table_of_key(key, job);
        const TableSpec spec = job.sales_spec(t);
        const Partition p = parse_partition_key(key, spec);
        if (p.null_dates()) {
            include_null_dates = true;
        } else {
            // One partition of the monthly split: within one calendar month.
            const std::vector<Partition> split = MonthlyPartitioner().split(spec, *p.range());
            if (split.size() != 1 || split[0] != p) {
                throw Error(ErrorKind::config,
                            "--partition '" + key + "' spans more than one month: give the "
                                                    "partitions as --plan-json prints them");
            }
            lo = lo ? std::min(*lo, p.range()->lo) : p.range()->lo;
            hi = hi ? std::max(*hi, p.range()->hi, [](const Date& a, const Date& b) { return a < b; })
                    : p.range()->hi;
        }
        if (std::find(tables.begin(), tables.end(), t.table) == tables.end()) tables.push_back(t.table);
        plan.only.push_back(p);
    }
    for (const SalesTableConfig& t : job.sales) {
        if (std::find(tables.begin(), tables.end(), t.table) != tables.end()) {
            plan.tables.push_back(job.sales_spec(t));
        }
    }
    // The range the plan needs for its partitioned tables: the span of the keys (a NULL-only
    // plan still needs one; its months are filtered out by Plan::only).
    plan.range = lo ? DateRange{*lo, *hi} : DateRange{Date{2000, 1, 1}, Date{2000, 1, 2}};
    return plan;
}

std::pair<int, int> parse_shard(const std::string& text) {
    const std::size_t slash = text.find('/');
    try {
        std::size_t used_k = 0;
        std::size_t used_n = 0;
        if (slash == std::string::npos) throw std::invalid_argument("no slash");
        const int k = std::stoi(text.substr(0, slash), &used_k);
        const int n = std::stoi(text.substr(slash + 1), &used_n);
        if (used_k != slash || used_n != text.size() - slash - 1 || n < 1 || n > 10000 || k < 0 ||
            k >= n) {
            throw std::invalid_argument("range");
        }
        return {k, n};
    } catch (const std::exception&) {
        throw Error(ErrorKind::config, "--shard '" + text +
                                           "': expected K/N with 0 <= K < N (K as Kubernetes' "
                                           "JOB_COMPLETION_INDEX, N the completions)");
    }
}

std::vector<Partition> share_of(const std::vector<PlannedPartition>& planned, int k, int n) {
    std::vector<std::int64_t> weights;
    for (const PlannedPartition& p : planned) weights.push_back(p.rows.value_or(0));
    const std::vector<int> shares = deal_shares(weights, n);
    std::vector<Partition> mine;
    for (std::size_t i = 0; i < planned.size(); ++i) {
        if (shares[i] == k) mine.push_back(planned[i].partition);
    }
    return mine;
}

std::vector<PlannedPartition> read_plan_file(const std::string& path, const JobConfig& job) {
    std::ifstream in(path);
    if (!in) throw Error(ErrorKind::config, "cannot read the plan file " + path + " (check --plan)");
    json j;
    try {
        in >> j;
    } catch (const std::exception& e) {
        throw Error(ErrorKind::config, "the plan file " + path + " is not JSON: " + e.what());
    }
    const auto version = j.find("schema_version");
    if (!j.is_object() || text_field(j, "schema") != "libreplicate-plan" || version == j.end() ||
        *version != 1 || !j.contains("partitions") || !j["partitions"].is_array()) {
        throw Error(ErrorKind::config, "the plan file " + path +
                                           " is not a libreplicate-plan version 1 (made by --plan-json)");
    }
    std::vector<PlannedPartition> out;
    for (const json& p : j["partitions"]) {
        const std::string key = text_field(p, "key");
        PlannedPartition planned;
        planned.partition = parse_partition_key(key, job.sales_spec(table_of_key(key, job)));
        if (p.contains("estimated_rows") && p["estimated_rows"].is_number_integer()) {
            planned.rows = p["estimated_rows"].get<std::int64_t>();
        }
        out.push_back(std::move(planned));
    }
    return out;
}

}  // namespace replicate::app
