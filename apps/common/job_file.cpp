#include "job_file.hpp"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>


namespace replicate {

namespace {

[[noreturn]] void fail(const std::string& origin, const std::string& message) {
    throw Error(ErrorKind::config, origin + ": " + message);
}

void reject_unknown_keys(const toml::table& table, const std::set<std::string>& allowed,
                         const std::string& where, const std::string& origin) {
    for (const auto& [key, value] : table) {
        (void)value;
        const std::string k(key.str());
        if (allowed.count(k) == 0) {
            std::string list;
            for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
            fail(origin, "unknown key '" + k + "' in " + where + " (allowed: " + list + ")");
        }
    }
}

std::string get_string(const toml::table& t, const std::string& key, const std::string& where,
                       const std::string& origin, const Environment& env, bool required) {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
        if (required) fail(origin, "missing key '" + key + "' in " + where);
        return {};
    }
    const auto s = n->value<std::string>();
    if (!s || !n->is_string()) fail(origin, "'" + key + "' in " + where + " must be a string");
    return expand_variables(*s, env, where + "." + key);
}

long long get_int(const toml::table& t, const std::string& key, const std::string& where,
                  const std::string& origin, long long fallback, long long lo, long long hi) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return fallback;
    if (!n->is_integer()) fail(origin, "'" + key + "' in " + where + " must be an integer");
    const long long v = n->value<long long>().value_or(fallback);
    if (v < lo || v > hi) {
        fail(origin, "'" + key + "' in " + where + " is " + std::to_string(v) + ": use " +
                         std::to_string(lo) + ".." + std::to_string(hi));
    }
    return v;
}

/// Both sides' keys, as read; each side keeps what applies to it.
struct EndpointFields : TargetOptions {
    Isolation isolation = Isolation::automatic;
    int query_timeout_seconds = 1800;
};

EndpointFields parse_endpoint(const toml::table& root, const std::string& name, bool source,
                              const std::string& origin, const Environment& env) {
    const toml::node* n = root.get(name);
    if (n == nullptr) fail(origin, "missing [" + name + "] section");
    const toml::table* t = n->as_table();
    if (t == nullptr) fail(origin, "[" + name + "] must be a table");
    std::set<std::string> allowed{"connection", "schema", "connect_timeout", "data_path",
                                  "lock_timeout"};
    if (source) {
        allowed.insert("isolation");
        allowed.insert("query_timeout");
    } else {
        allowed.insert("table_prefix");
        allowed.insert("tablock");
        allowed.insert("wait_for_other_run");
        allowed.insert("primary_key");
        allowed.insert("decimal_storage");
        allowed.insert("on_new_column");
    }
    const std::string where = "[" + name + "]";
    reject_unknown_keys(*t, allowed, where, origin);
    EndpointFields e;
    e.connection = get_string(*t, "connection", where, origin, env, true);
    if (e.connection.empty()) fail(origin, "'connection' in " + where + " is empty");
    e.schema = get_string(*t, "schema", where, origin, env, false);
    if (!e.schema.empty()) validate_identifier(e.schema, where + ".schema");
    e.table_prefix = get_string(*t, "table_prefix", where, origin, env, false);
    e.connect_timeout_seconds =
        static_cast<int>(get_int(*t, "connect_timeout", where, origin, 30, 1, 3600));
    const auto get_bool = [&](const char* key, bool& out) {
        if (const toml::node* b = t->get(key)) {
            if (!b->is_boolean()) fail(origin, std::string("'") + key + "' in " + where + " must be true or false");
            out = b->value<bool>().value_or(out);
        }
    };
    get_bool("tablock", e.table_lock);
    get_bool("primary_key", e.create_primary_key);
    e.lock_timeout_seconds = static_cast<int>(
        get_int(*t, "lock_timeout", where, origin, source ? SourceOptions{}.lock_timeout_seconds
                                                          : TargetOptions{}.lock_timeout_seconds,
                0, 86400));
    e.query_timeout_seconds = static_cast<int>(get_int(
        *t, "query_timeout", where, origin, SourceOptions{}.query_timeout_seconds, 0, 86400));
    e.wait_for_other_run_seconds =
        static_cast<int>(get_int(*t, "wait_for_other_run", where, origin, 3600, 0, 86400 * 7));
    const std::string decimals = get_string(*t, "decimal_storage", where, origin, env, false);
    if (decimals == "text") {
        e.decimals_as_text = true;
    } else if (!decimals.empty() && decimals != "number") {
        fail(origin, "decimal_storage '" + decimals + "' in " + where +
                         " is not known: use \"number\" (default) or \"text\"");
    }
    const std::string new_column = get_string(*t, "on_new_column", where, origin, env, false);
    if (new_column == "add") {
        e.add_new_columns = true;
    } else if (!new_column.empty() && new_column != "fail") {
        fail(origin, "on_new_column '" + new_column + "' in " + where +
                         " is not known: use \"fail\" (default) or \"add\"");
    }
    const std::string path = get_string(*t, "data_path", where, origin, env, false);
    if (path == "odbc") {
        e.native_protocol = false;
    } else if (!path.empty() && path != "auto") {
        fail(origin, "data_path '" + path + "' in " + where +
                         " is not known: use \"auto\" (default: the DBMS's own bulk protocol "
                         "where the library has one) or \"odbc\"");
    }
    const std::string iso = get_string(*t, "isolation", where, origin, env, false);
    if (iso.empty() || iso == "auto") {
        e.isolation = Isolation::automatic;
    } else if (iso == "read_committed") {
        e.isolation = Isolation::read_committed;
    } else if (iso == "read_uncommitted") {
        e.isolation = Isolation::read_uncommitted;
    } else if (iso == "snapshot") {
        e.isolation = Isolation::snapshot;
    } else {
        fail(origin, "isolation '" + iso +
                         "' in [source] is not known: use auto (default: snapshot where the "
                         "database allows it), read_committed, snapshot or read_uncommitted");
    }
    return e;
}

const char* isolation_name(Isolation i) {
    switch (i) {
    case Isolation::automatic: return "auto";
    case Isolation::read_committed: return "read_committed";
    case Isolation::read_uncommitted: return "read_uncommitted";
    case Isolation::snapshot: return "snapshot";
    }
    return "read_committed";
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

}  // namespace

namespace {
/// \p s with control characters shown as '?', for the message.
std::string shown(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    return out;
}
}  // namespace

void validate_identifier(std::string_view name, std::string_view what) {
    if (name.empty()) throw Error(ErrorKind::config, std::string(what) + " is empty");
    if (name.size() > 128) {
        throw Error(ErrorKind::config, std::string(what) + " '" + std::string(name.substr(0, 40)) +
                                           "...' is longer than 128 characters");
    }
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f) {
            throw Error(ErrorKind::config, std::string(what) + " '" + shown(name) +
                                               "' contains a control character");
        }
    }
}

std::string expand_variables(std::string_view text, const Environment& env,
                             std::string_view where) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
            const std::size_t close = text.find('}', i + 2);
            if (close == std::string_view::npos) {
                throw Error(ErrorKind::config,
                            std::string(where) + ": unterminated ${ in a value: close it with }");
            }
            const std::string name(text.substr(i + 2, close - i - 2));
            const std::optional<std::string> value = env ? env(name) : std::nullopt;
            if (!value) {
                throw Error(ErrorKind::config, std::string(where) + " uses ${" + name +
                                                   "}, which is not set: export it or put it in "
                                                   "the .env file");
            }
            out += *value;
            i = close + 1;
        } else {
            out.push_back(text[i++]);
        }
    }
    return out;
}

std::map<std::string, std::string> load_env_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error(ErrorKind::config, "cannot read env file '" + path + "'");
    std::map<std::string, std::string> out;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        std::size_t b = line.find_first_not_of(" \t\r");
        if (b == std::string::npos || line[b] == '#') continue;
        std::string body = line.substr(b);
        if (body.rfind("export ", 0) == 0) body = body.substr(7);
        const std::size_t eq = body.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw Error(ErrorKind::config, path + ":" + std::to_string(number) +
                                               ": expected KEY=VALUE");
        }
        std::string key = body.substr(0, eq);
        while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
        std::string value = body.substr(eq + 1);
        while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
        std::size_t vb = value.find_first_not_of(" \t");
        value = vb == std::string::npos ? std::string() : value.substr(vb);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        out[key] = value;
    }
    return out;
}

Environment process_environment(std::map<std::string, std::string> fallback) {
    return [fallback = std::move(fallback)](const std::string& name) -> std::optional<std::string> {
        if (const char* v = std::getenv(name.c_str())) return std::string(v);
        auto it = fallback.find(name);
        if (it != fallback.end()) return it->second;
        return std::nullopt;
    };
}

JobConfig parse_job(std::string_view text, const Environment& env, const std::string& origin) {
    toml::table root;
    try {
        root = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << "invalid TOML at line " << e.source().begin.line << ", column "
           << e.source().begin.column << ": " << e.description();
        fail(origin, os.str());
    }
    reject_unknown_keys(root, {"source", "target", "sales", "reference", "run"}, "the top level",
                        origin);
    JobConfig job;
    const EndpointFields source = parse_endpoint(root, "source", true, origin, env);
    job.source.connection = source.connection;
    job.source.schema = source.schema;
    job.source.isolation = source.isolation;
    job.source.lock_timeout_seconds = source.lock_timeout_seconds;
    job.source.query_timeout_seconds = source.query_timeout_seconds;
    job.source.connect_timeout_seconds = source.connect_timeout_seconds;
    job.source.native_protocol = source.native_protocol;
    const EndpointFields target = parse_endpoint(root, "target", false, origin, env);
    job.target = target;
    if (!job.target.table_prefix.empty()) {
        validate_identifier(job.target.table_prefix, "[target].table_prefix");
    }

    auto each_entry = [&](const std::string& name, auto&& fn) {
        const toml::node* n = root.get(name);
        if (n == nullptr) return;
        const toml::array* arr = n->as_array();
        if (arr == nullptr) fail(origin, "'" + name + "' must be written [[" + name + "]]");
        std::size_t i = 0;
        for (const toml::node& item : *arr) {
            ++i;
            const toml::table* t = item.as_table();
            if (t == nullptr) fail(origin, "'" + name + "' must be written [[" + name + "]]");
            fn(*t, "[[" + name + "]] #" + std::to_string(i));
        }
    };
    std::set<std::string> seen;
    each_entry("sales", [&](const toml::table& t, const std::string& where) {
        reject_unknown_keys(t, {"table", "date_column", "date_column_zone", "date_column_format"},
                            where, origin);
        SalesTableConfig s;
        s.table = get_string(t, "table", where, origin, env, true);
        s.date_column = get_string(t, "date_column", where, origin, env, true);
        s.date_column_zone = get_string(t, "date_column_zone", where, origin, env, false);
        s.date_column_format = get_string(t, "date_column_format", where, origin, env, false);
        if (!s.date_column_format.empty() && s.date_column_format.rfind("YYYY-MM-DD", 0) != 0) {
            fail(origin, "date_column_format '" + s.date_column_format + "' in " + where +
                             " is not supported: only ISO formats that start with YYYY-MM-DD "
                             "(they sort as dates)");
        }
        if (!s.date_column_format.empty() && !s.date_column_zone.empty()) {
            fail(origin, where + ": date_column_zone and date_column_format do not go together "
                                 "(a text date has no time to move)");
        }
        validate_identifier(s.table, where + ".table");
        validate_identifier(s.date_column, where + ".date_column");
        if (!seen.insert("s:" + s.table).second) fail(origin, "table " + s.table + " is listed twice in [[sales]]");
        job.sales.push_back(std::move(s));
    });
    each_entry("reference", [&](const toml::table& t, const std::string& where) {
        reject_unknown_keys(t, {"table"}, where, origin);
        ReferenceTableConfig r;
        r.table = get_string(t, "table", where, origin, env, true);
        validate_identifier(r.table, where + ".table");
        if (!seen.insert("r:" + r.table).second) fail(origin, "table " + r.table + " is listed twice in [[reference]]");
        job.reference.push_back(std::move(r));
    });
    if (const toml::node* n = root.get("run")) {
        const toml::table* t = n->as_table();
        if (t == nullptr) fail(origin, "[run] must be a table");
        reject_unknown_keys(*t, {"max_workers", "batch_rows", "batch_bytes", "retry_attempts",
                                 "retry_base_delay_ms", "time_zone", "lookback_days"},
                            "[run]", origin);
        job.run.time_zone = get_string(*t, "time_zone", "[run]", origin, env, false);
        job.run.lookback_days =
            static_cast<int>(get_int(*t, "lookback_days", "[run]", origin, 0, 0, 366));
        job.run.max_workers = static_cast<int>(get_int(*t, "max_workers", "[run]", origin, 2, 1, 64));
        job.run.batch_rows = static_cast<std::size_t>(
            get_int(*t, "batch_rows", "[run]", origin, 10000, 1, 10000000));
        job.run.batch_bytes = static_cast<std::size_t>(
            get_int(*t, "batch_bytes", "[run]", origin, 16ll << 20, 1ll << 16, 1ll << 34));
        job.run.retry_attempts =
            static_cast<int>(get_int(*t, "retry_attempts", "[run]", origin, 3, 1, 100));
        job.run.retry_base_delay_ms = static_cast<int>(
            get_int(*t, "retry_base_delay_ms", "[run]", origin, 500, 0, 600000));
    }
    return job;
}

JobConfig load_job_file(const std::string& path, const Environment& env) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(ErrorKind::config, "cannot read job file '" + path +
                                           "': check the path given to --config");
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    return parse_job(buf.str(), env, path);
}

TableSpec JobConfig::sales_spec(const SalesTableConfig& t) const {
    TableSpec s;
    s.source = {source.schema, t.table};
    s.target = {target.schema, target.table_prefix + t.table};
    s.partition_column = t.date_column;
    s.mode = TableMode::partitioned;
    s.business_zone = run.time_zone;
    s.date_column_zone = t.date_column_zone;
    s.date_column_format = t.date_column_format;
    return s;
}

TableSpec JobConfig::reference_spec(const ReferenceTableConfig& t) const {
    TableSpec s;
    s.source = {source.schema, t.table};
    s.target = {target.schema, target.table_prefix + t.table};
    s.mode = TableMode::full_refresh;
    return s;
}

std::string JobConfig::to_masked_toml() const {
    std::ostringstream os;
    os << "[source]\nconnection = " << quoted(mask_connection_string(source.connection))
       << "\nschema = " << quoted(source.schema)
       << "\nisolation = " << quoted(isolation_name(source.isolation))
       << "\nlock_timeout = " << source.lock_timeout_seconds
       << "\nquery_timeout = " << source.query_timeout_seconds
       << "\nconnect_timeout = " << source.connect_timeout_seconds
       << "\ndata_path = " << (source.native_protocol ? "\"auto\"" : "\"odbc\"") << "\n\n";
    os << "[target]\nconnection = " << quoted(mask_connection_string(target.connection))
       << "\nschema = " << quoted(target.schema) << "\ntable_prefix = "
       << quoted(target.table_prefix) << "\nconnect_timeout = " << target.connect_timeout_seconds
       << "\ndata_path = " << (target.native_protocol ? "\"auto\"" : "\"odbc\"")
       << "\ntablock = " << (target.table_lock ? "true" : "false")
       << "\nlock_timeout = " << target.lock_timeout_seconds
       << "\nwait_for_other_run = " << target.wait_for_other_run_seconds
       << "\nprimary_key = " << (target.create_primary_key ? "true" : "false")
       << "\ndecimal_storage = " << (target.decimals_as_text ? "\"text\"" : "\"number\"")
       << "\non_new_column = " << (target.add_new_columns ? "\"add\"" : "\"fail\"") << "\n\n";
    os << "[run]\nmax_workers = " << run.max_workers << "\nbatch_rows = " << run.batch_rows
       << "\nbatch_bytes = " << run.batch_bytes << "\nretry_attempts = " << run.retry_attempts
       << "\nretry_base_delay_ms = " << run.retry_base_delay_ms
       << "\ntime_zone = " << quoted(run.time_zone) << "\nlookback_days = " << run.lookback_days
       << "\n";
    for (const SalesTableConfig& s : sales) {
        os << "\n[[sales]]\ntable = " << quoted(s.table) << "\ndate_column = "
           << quoted(s.date_column) << "\n";
        if (!s.date_column_zone.empty()) os << "date_column_zone = " << quoted(s.date_column_zone) << "\n";
        if (!s.date_column_format.empty()) {
            os << "date_column_format = " << quoted(s.date_column_format) << "\n";
        }
    }
    for (const ReferenceTableConfig& r : reference) {
        os << "\n[[reference]]\ntable = " << quoted(r.table) << "\n";
    }
    return os.str();
}

}  // namespace replicate
