#include <replicate/odbc/database.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <random>
#include <sstream>

#include "../log.hpp"
#include "../text.hpp"
#include "connection.hpp"
#include "data_plane.hpp"

namespace replicate::odbc {

using detail::Connection;
using detail::Inserter;
using detail::Params;

namespace {

QualifiedName ledger_name(const std::string& schema) { return {schema, ledger_table_name}; }

/// A column type for the library's own tables.
ColumnType own(Type type, std::int64_t length = 0, bool nullable = false) {
    ColumnType t{type, length};
    t.nullable = nullable;
    return t;
}

Schema ledger_schema() {
    return {{"table_name", own(Type::text, 200)},   {"range_lo", own(Type::text, 10)},
            {"range_hi", own(Type::text, 10)},      {"source_table", own(Type::text, 200)},
            {"row_count", own(Type::int64)},        {"run_id", own(Type::text, 64)},
            {"finished_at", own(Type::text, 19)}};
}

/// "a", "b", ... quoted by \p d.
std::string quoted_columns(const Dialect& d, const Schema& schema) {
    std::string out;
    for (const Column& c : schema) out += (out.empty() ? "" : ", ") + d.quote(c.name);
    return out;
}

/// Creates \p table with \p ddl unless it exists. Two runs (or processes) may both find it
/// missing: the one whose CREATE fails finds it there afterwards, which is success. Returns
/// true if this call created it.
bool create_if_missing(Connection& conn, const QualifiedName& table, const std::string& ddl) {
    if (conn.table_exists(table)) return false;
    try {
        conn.execute(ddl);
        return true;
    } catch (const Error&) {
        if (conn.table_exists(table)) return false;
        throw;
    }
}

void ensure_ledger(Connection& conn, const std::string& schema) {
    const QualifiedName name = ledger_name(schema);
    const Dialect& d = conn.dialect();
    if (create_if_missing(conn, name,
                          d.create_table(name, ledger_schema(),
                                         {"table_name", "range_lo", "range_hi"}))) {
        REPLICATE_LOG(info) << "created the ledger table " << name;
    }
}

void write_ledger(Connection& conn, const std::string& schema, const LedgerEntry& e) {
    const Dialect& d = conn.dialect();
    const std::string table = d.qualified(ledger_name(schema));
    Params key;
    key.add_text(e.target_table);
    key.add_text(e.range_lo);
    key.add_text(e.range_hi);
    conn.execute("DELETE FROM " + table + " WHERE " + d.quote("table_name") + " = ? AND " +
                     d.quote("range_lo") + " = ? AND " + d.quote("range_hi") + " = ?",
                 &key);
    Params row;
    row.add_text(e.target_table);
    row.add_text(e.range_lo);
    row.add_text(e.range_hi);
    row.add_text(e.source_table);
    row.add_int(e.rows);
    row.add_text(e.run_id);
    row.add_text(e.finished_at);
    const std::string cols = quoted_columns(d, ledger_schema());
    conn.execute("INSERT INTO " + table + " (" + cols + ") VALUES (?, ?, ?, ?, ?, ?, ?)", &row);
}

std::string random_suffix() {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", rd());
    return buf;
}

// ---- source ------------------------------------------------------------------------------

class OdbcSource final : public Source {
public:
    OdbcSource(const EndpointConfig& endpoint, std::shared_ptr<detail::ConnectionRegistry> registry)
        : registry_(std::move(registry)), conn_(endpoint, true, registry_.get()) {}

    Schema describe(const QualifiedName& table) override {
        Schema schema = conn_.describe(table);
        const std::vector<std::string> key = conn_.primary_key(table);
        for (std::size_t k = 0; k < key.size(); ++k) {
            for (Column& c : schema) {
                if (c.name == key[k]) c.key_position = static_cast<int>(k + 1);
            }
        }
        return schema;
    }

    std::unique_ptr<BatchReader> read(const Partition& partition, const Schema& schema,
                                      const ReadOptions& options) override {
        return std::make_unique<detail::OdbcBatchReader>(conn_, partition, schema, options);
    }

    std::int64_t count_null_partition_rows(const TableSpec& table) override {
        if (table.partition_column.empty()) return 0;
        const auto rows = conn_.query(conn_.dialect().count_null(table.source, table.partition_column));
        if (rows.empty() || rows[0].empty() || !rows[0][0]) return 0;
        return std::stoll(*rows[0][0]);
    }

private:
    std::shared_ptr<detail::ConnectionRegistry> registry_;  // outlives conn_, which is in it
    Connection conn_;
};

}  // namespace

OdbcSourceFactory::OdbcSourceFactory(EndpointConfig endpoint)
    : endpoint_(std::move(endpoint)), registry_(std::make_shared<detail::ConnectionRegistry>()) {}

std::unique_ptr<Source> OdbcSourceFactory::connect() {
    return std::make_unique<OdbcSource>(endpoint_, registry_);
}

void OdbcSourceFactory::cancel() { registry_->cancel_all(); }

// ---- target ------------------------------------------------------------------------------

struct OdbcTarget::Shared {
    EndpointConfig endpoint;
    detail::ConnectionRegistry registry;
    // SQLite has one writer at a time: sinks of one target take turns instead of failing with
    // "database is locked". Other DBMSs do not use it.
    std::mutex write_mutex;
};

namespace {

/// SQLite's single writer: a lock on the target's write mutex when \p conn's dialect needs
/// writes serialised, an empty lock otherwise.
std::unique_lock<std::mutex> lock_for_writes(OdbcTarget::Shared& shared, const Connection& conn) {
    if (!conn.dialect().serialize_writes()) return {};
    return std::unique_lock<std::mutex>(shared.write_mutex);
}

/// 64-bit FNV-1a: a stable lock key from a text (the same in every process and version).
std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

/// What a partition locks against other runs: its calendar months (a one-day run and a
/// month run of the same table meet in their month), or the NULL-dated rows, or the whole
/// table. Sorted, so every writer takes them in the same order.
std::vector<std::string> lock_parts(const Partition& p) {
    if (p.whole_table()) return {"whole"};
    if (p.null_dates) return {"null"};
    std::vector<std::string> out;
    const Date last = p.range->hi.add_days(-1);
    for (Date m{p.range->lo.year, p.range->lo.month, 1};
         m.year < last.year || (m.year == last.year && m.month <= last.month);
         m = m.first_of_next_month()) {
        out.push_back(m.to_string().substr(0, 7));
    }
    return out;
}

class OdbcSink final : public Sink {
public:
    OdbcSink(std::shared_ptr<OdbcTarget::Shared> shared, std::string run_id)
        : shared_(std::move(shared)),
          run_id_(std::move(run_id)),
          conn_(shared_->endpoint, false, &shared_->registry) {}

    ~OdbcSink() override { abort(); }

    void begin(const Partition& partition, const Schema& schema) override {
        abort();
        lock_ = lock_for_writes(*shared_, conn_);
        partition_ = partition;
        const TableSpec& spec = partition.table;
        const std::string label = spec.source.display() + " " + partition.label();
        lock_against_other_runs(partition);
        const Schema target_schema = conn_.describe(spec.target);
        const Dialect& d = conn_.dialect();
        if (partition.whole_table()) {
            staging_ = QualifiedName{spec.target.schema, spec.target.table + "__staging"};
            // The staging table has the target's column types, so a value converts into it
            // exactly as it would into the target (and fails the same way).
            if (d.refresh_in_one_transaction()) conn_.begin();
            conn_.execute(d.drop_table_if_exists(staging_));
            conn_.execute(d.create_table_like(staging_, spec.target, target_schema));
            if (!conn_.in_transaction()) conn_.begin();
            inserter_ = std::make_unique<Inserter>(conn_, staging_, schema, label, target_schema,
                                                   shared_->endpoint.table_lock);
        } else if (partition.null_dates) {
            conn_.begin();
            conn_.execute(d.delete_rows(spec.target, spec.partition_column, RowFilter::is_null));
            inserter_ = std::make_unique<Inserter>(conn_, spec.target, schema, label, target_schema,
                                                   shared_->endpoint.table_lock);
        } else {
            conn_.begin();
            const Column* col = detail::find_column(schema, spec.partition_column, d.dbms());
            const ColumnType type = col ? col->type : ColumnType{Type::timestamp};
            Params range;
            range.add_bound(partition.range->lo, d.range_binding(type), type);
            range.add_bound(partition.range->hi, d.range_binding(type), type);
            conn_.execute(d.delete_rows(spec.target, spec.partition_column), &range);
            inserter_ = std::make_unique<Inserter>(conn_, spec.target, schema, label, target_schema,
                                                   shared_->endpoint.table_lock);
        }
        schema_ = schema;
        active_ = true;
    }

    void write(const Batch& batch) override {
        if (!active_) throw Error(ErrorKind::internal, "Sink::write() before begin()");
        inserter_->insert(batch);
    }

    void commit() override {
        if (!active_) throw Error(ErrorKind::internal, "Sink::commit() before begin()");
        const LedgerEntry entry =
            LedgerEntry::for_partition(partition_, inserter_->rows(), run_id_);
        const TableSpec& spec = partition_.table;
        if (partition_.whole_table()) {
            // Staging is loaded; now swap its rows in, in one transaction with the ledger entry.
            const Dialect& d = conn_.dialect();
            if (!d.refresh_in_one_transaction()) {
                conn_.commit();
                conn_.begin();
            }
            conn_.execute(d.delete_rows(spec.target, ""));
            conn_.execute(d.insert_select(spec.target, staging_, schema_));
            write_ledger(conn_, spec.target.schema, entry);
            if (d.refresh_in_one_transaction()) {
                conn_.execute(d.drop_table_if_exists(staging_));
                staging_ = {};
            }
            conn_.commit();
            drop_staging();
        } else {
            write_ledger(conn_, spec.target.schema, entry);
            conn_.commit();
        }
        inserter_.reset();
        active_ = false;
        unlock_other_runs();
        if (lock_.owns_lock()) lock_.unlock();
    }

private:
    /// Takes this partition's locks against other runs (and other sinks of this run that
    /// overlap it), waiting up to [target] wait_for_other_run. Nothing is written before.
    void lock_against_other_runs(const Partition& partition) {
        const Dialect& d = conn_.dialect();
        if (d.try_lock_query("", 0).sql.empty()) return;  // the DBMS's writer lock excludes
        const auto started = std::chrono::steady_clock::now();
        const auto deadline =
            started + std::chrono::seconds(shared_->endpoint.wait_for_other_run_seconds);
        const TableSpec& spec = partition.table;
        bool logged = false;
        for (const std::string& part : lock_parts(partition)) {
            const std::string what = conn_.info().database + "\n" + spec.target.schema + "\n" +
                                     spec.target.table + "\n" + part;
            const std::uint64_t h = fnv1a(what);
            char name[40];
            std::snprintf(name, sizeof name, "libreplicate:%016llx",
                          static_cast<unsigned long long>(h));
            const auto key = static_cast<std::int64_t>(h);
            for (;;) {
                const auto rows = conn_.query(d.try_lock_query(name, key));
                if (!rows.empty() && !rows[0].empty() && rows[0][0] && *rows[0][0] == "1") break;
                if (shared_->registry.cancelled()) throw Error(ErrorKind::cancelled, "interrupted");
                if (std::chrono::steady_clock::now() >= deadline) {
                    unlock_other_runs();
                    throw Error(ErrorKind::busy,
                                "another run is writing " + spec.target.display() + " " + part +
                                    holders() + "; waited " +
                                    std::to_string(shared_->endpoint.wait_for_other_run_seconds) +
                                    " s ([target] wait_for_other_run): nothing was written, run "
                                    "again when it has finished");
                }
                if (!logged) {
                    REPLICATE_LOG(info) << spec.target << " " << part
                                        << " is being written by another run" << holders()
                                        << "; waiting for it";
                    logged = true;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
            held_.push_back({name, key});
        }
        if (logged) {
            REPLICATE_LOG(info) << spec.target << " " << partition.label() << ": waited "
                                << std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::steady_clock::now() - started)
                                       .count()
                                << " s for another run";
        }
    }

    /// " (run R started S: C)" for the other runs the run history shows running, or "".
    std::string holders() {
        try {
            const Dialect& d = conn_.dialect();
            const QualifiedName runs{shared_->endpoint.schema, run_table_name};
            if (!conn_.table_exists(runs)) return {};
            Params p;
            p.add_text(run_id_);
            std::string out;
            for (const detail::Row& r :
                 conn_.query("SELECT " + d.quote("run_id") + ", " + d.quote("started_at") + ", " +
                                 d.quote("command") + " FROM " + d.qualified(runs) + " WHERE " +
                                 d.quote("status") + " = 'running' AND " + d.quote("run_id") +
                                 " <> ?",
                             &p)) {
                out += (out.empty() ? " (running: " : "; ") + r[0].value_or("?") + " started " +
                       r[1].value_or("?") + " UTC: " + r[2].value_or("");
            }
            return out.empty() ? out : out + ")";
        } catch (const std::exception&) {
            return {};
        }
    }

    void unlock_other_runs() noexcept {
        for (const auto& [name, key] : held_) {
            try {
                conn_.query(conn_.dialect().unlock_query(name, key));
            } catch (const std::exception& e) {
                // The lock ends with the session anyway.
                REPLICATE_LOG(debug) << "could not release " << name << ": " << e.what();
            }
        }
        held_.clear();
    }

    void drop_staging() noexcept {
        if (staging_.table.empty()) return;
        try {
            conn_.execute(conn_.dialect().drop_table_if_exists(staging_));
        } catch (const std::exception& e) {
            REPLICATE_LOG(warning) << "could not drop " << staging_ << ": " << e.what();
        }
        staging_ = {};
    }

    void abort() noexcept {
        inserter_.reset();
        if (active_ || conn_.in_transaction()) {
            conn_.rollback();
            drop_staging();
            active_ = false;
        }
        unlock_other_runs();
        if (lock_.owns_lock()) lock_.unlock();
    }

    std::shared_ptr<OdbcTarget::Shared> shared_;
    std::string run_id_;
    Connection conn_;
    std::unique_lock<std::mutex> lock_;
    std::vector<std::pair<std::string, std::int64_t>> held_;
    Partition partition_;
    Schema schema_;
    QualifiedName staging_;
    std::unique_ptr<Inserter> inserter_;
    bool active_ = false;
};

}  // namespace

OdbcTarget::OdbcTarget(EndpointConfig endpoint) : shared_(std::make_shared<Shared>()) {
    shared_->endpoint = std::move(endpoint);
}

OdbcTarget::~OdbcTarget() = default;

void OdbcTarget::validate(const TableSpec& table, const Schema& source_schema) {
    Connection conn(shared_->endpoint, false, &shared_->registry);
    if (!table.target.schema.empty() && !conn.schema_exists(table.target.schema)) {
        throw Error(ErrorKind::config, "target schema '" + table.target.schema +
                                           "' does not exist in the " + conn.info().database +
                                           " database (" + conn.info().dbms_name +
                                           "): create it, or fix [target] schema");
    }
    if (!conn.table_exists(table.target)) return;  // prepare() creates it
    const Schema existing = conn.describe(table.target);
    for (const Column& c : source_schema) {
        const Column* t = detail::find_column(existing, c.name, conn.dialect().dbms());
        if (t == nullptr) {
            throw Error(ErrorKind::config,
                        "target table " + table.target.display() + " has no column '" + c.name +
                            "' that source table " + table.source.display() +
                            " has: add the column to the target, or drop the target table "
                            "so that it is created");
        }
        const std::string why = cannot_receive(t->type, c.type, conn.dialect().enforces_lengths());
        if (!why.empty()) {
            std::ostringstream os;
            os << "target column " << table.target.display() << "." << t->name << " is "
               << t->type.native_name << " (" << t->type << "), which cannot hold source column "
               << c.name << " (" << c.type << "): " << why << "; alter the target column, or "
               << "drop the target table so that it is created";
            throw Error(ErrorKind::config, os.str());
        }
    }
}

void OdbcTarget::prepare(const TableSpec& table, const Schema& source_schema) {
    Connection conn(shared_->endpoint, false, &shared_->registry);
    const std::unique_lock<std::mutex> lock = lock_for_writes(*shared_, conn);
    ensure_ledger(conn, table.target.schema);
    std::vector<std::pair<int, std::string>> key;
    for (const Column& c : source_schema) {
        if (c.key_position > 0) key.emplace_back(c.key_position, c.name);
    }
    std::sort(key.begin(), key.end());
    std::vector<std::string> primary_key;
    if (shared_->endpoint.create_primary_key) {
        for (const auto& k : key) primary_key.push_back(k.second);
    }
    if (!create_if_missing(conn, table.target,
                           conn.dialect().create_table(table.target, source_schema, primary_key))) {
        return;
    }
    if (table.mode == TableMode::partitioned && !table.partition_column.empty()) {
        // Range deletes then seek instead of scanning, and parallel writers of different
        // months do not lock each other's rows.
        conn.execute(conn.dialect().create_index(table.target, table.partition_column));
    }
    REPLICATE_LOG(info) << "created target table " << table.target;
}

namespace {

Schema run_schema() {
    return {{"run_id", own(Type::text, 64)},          {"command", own(Type::text, 0, true)},
            {"started_at", own(Type::text, 19)},      {"finished_at", own(Type::text, 19, true)},
            {"status", own(Type::text, 16)},          {"partitions_ok", own(Type::int64)},
            {"partitions_failed", own(Type::int64)},  {"row_count", own(Type::int64)}};
}

}  // namespace

void OdbcTarget::begin_run(const RunRecord& run) {
    Connection conn(shared_->endpoint, false, &shared_->registry);
    const std::unique_lock<std::mutex> lock = lock_for_writes(*shared_, conn);
    const Dialect& d = conn.dialect();
    const QualifiedName table{shared_->endpoint.schema, run_table_name};
    create_if_missing(conn, table, d.create_table(table, run_schema(), {"run_id"}));
    Params p;
    p.add_text(run.run_id);
    p.add_text(run.command);
    p.add_text(run.started_at);
    p.add_text(run.status);
    conn.execute("INSERT INTO " + d.qualified(table) + " (" + d.quote("run_id") + ", " +
                     d.quote("command") + ", " + d.quote("started_at") + ", " + d.quote("status") +
                     ", " + d.quote("partitions_ok") + ", " + d.quote("partitions_failed") + ", " +
                     d.quote("row_count") + ") VALUES (?, ?, ?, ?, 0, 0, 0)",
                 &p);
}

void OdbcTarget::end_run(const RunRecord& run) {
    Connection conn(shared_->endpoint, false, &shared_->registry);
    const std::unique_lock<std::mutex> lock = lock_for_writes(*shared_, conn);
    const Dialect& d = conn.dialect();
    Params p;
    p.add_text(run.finished_at);
    p.add_text(run.status);
    p.add_int(run.partitions_ok);
    p.add_int(run.partitions_failed);
    p.add_int(run.rows);
    p.add_text(run.run_id);
    conn.execute("UPDATE " + d.qualified({shared_->endpoint.schema, run_table_name}) + " SET " +
                     d.quote("finished_at") + " = ?, " + d.quote("status") + " = ?, " +
                     d.quote("partitions_ok") + " = ?, " + d.quote("partitions_failed") + " = ?, " +
                     d.quote("row_count") + " = ? WHERE " + d.quote("run_id") + " = ?",
                 &p);
}

void OdbcTarget::cancel() { shared_->registry.cancel_all(); }

std::unique_ptr<Sink> OdbcTarget::open_sink(const std::string& run_id) {
    return std::make_unique<OdbcSink>(shared_, run_id);
}

std::vector<LedgerEntry> OdbcTarget::entries(const QualifiedName& target_table) {
    Connection conn(shared_->endpoint, false, &shared_->registry);
    const QualifiedName name = ledger_name(target_table.schema);
    if (!conn.table_exists(name)) return {};
    const Dialect& d = conn.dialect();
    const std::string cols = quoted_columns(d, ledger_schema());
    Params p;
    p.add_text(target_table.display());
    std::vector<LedgerEntry> out;
    for (const detail::Row& r :
         conn.query("SELECT " + cols + " FROM " + d.qualified(name) + " WHERE " +
                        d.quote("table_name") + " = ?",
                    &p)) {
        LedgerEntry e;
        e.target_table = r[0].value_or("");
        e.range_lo = r[1].value_or("");
        e.range_hi = r[2].value_or("");
        e.source_table = r[3].value_or("");
        e.rows = r[4] ? std::stoll(*r[4]) : 0;
        e.run_id = r[5].value_or("");
        e.finished_at = r[6].value_or("");
        out.push_back(std::move(e));
    }
    return out;
}

// ---- Database ----------------------------------------------------------------------------

struct Database::Impl {
    Impl(const EndpointConfig& endpoint, bool source) : conn(endpoint, source) {}
    Connection conn;
};

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;

std::unique_ptr<Database> Database::connect(const EndpointConfig& endpoint, bool source) {
    auto impl = std::make_unique<Impl>(endpoint, source);
    ServerInfo& info = const_cast<ServerInfo&>(impl->conn.info());
    const std::string q = impl->conn.dialect().read_only_query();
    if (!q.empty()) {
        try {
            const auto rows = impl->conn.query(q);
            if (!rows.empty() && !rows[0].empty() && rows[0][0]) info.read_only = *rows[0][0] == "1";
        } catch (const Error& e) {
            REPLICATE_LOG(debug) << "cannot tell whether the database is read-only: " << e.what();
        }
    }
    return std::unique_ptr<Database>(new Database(std::move(impl)));
}

const ServerInfo& Database::info() const { return impl_->conn.info(); }
const Dialect& Database::dialect() const { return impl_->conn.dialect(); }
bool Database::table_exists(const QualifiedName& table) { return impl_->conn.table_exists(table); }
Schema Database::describe(const QualifiedName& table) { return impl_->conn.describe(table); }
void Database::execute(const std::string& sql) { impl_->conn.execute(sql); }

std::optional<long long> Database::query_int(const std::string& sql) {
    const auto rows = impl_->conn.query(sql);
    if (rows.empty() || rows[0].empty() || !rows[0][0]) return std::nullopt;
    return std::stoll(*rows[0][0]);
}

void Database::read_probe(const QualifiedName& table) {
    impl_->conn.query(impl_->conn.dialect().select_one(table));
}

void Database::write_probe(const std::string& schema) {
    Connection& conn = impl_->conn;
    const Dialect& d = conn.dialect();
    const QualifiedName scratch{schema, "replicate_probe_" + random_suffix()};
    const Schema columns{{"id", ColumnType{Type::int32}}, {"note", ColumnType{Type::text, 20}}};
    conn.execute(d.create_table(scratch, columns));
    try {
        Params p;
        p.add_int(1);
        p.add_text("probe");
        conn.execute("INSERT INTO " + d.qualified(scratch) + " (" + d.quote("id") + ", " +
                         d.quote("note") + ") VALUES (?, ?)",
                     &p);
        conn.execute(d.delete_rows(scratch, ""));
    } catch (...) {
        try {
            conn.execute(d.drop_table_if_exists(scratch));
        } catch (...) {
        }
        throw;
    }
    conn.execute(d.drop_table_if_exists(scratch));
}

}  // namespace replicate::odbc
