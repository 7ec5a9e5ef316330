#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <mutex>
#include <random>
#include <replicate/calendar.hpp>
#include <replicate/odbc/database.hpp>
#include <sstream>
#include <thread>

#include "../log.hpp"
#include "../postgres/reader.hpp"
#include "../postgres/writer.hpp"
#include "../sink_session.hpp"
#include "../text.hpp"
#include "../value_fit.hpp"
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

/// The ledger's columns a commit writes.
Schema ledger_schema() {
    return {{"table_name", own(Type::text, 200)},   {"range_lo", own(Type::text, 10)},
            {"range_hi", own(Type::text, 10)},      {"source_table", own(Type::text, 200)},
            {"row_count", own(Type::int64)},        {"run_id", own(Type::text, 64)},
            {"finished_at", own(Type::text, 19)}};
}

/// The ledger's columns a verification writes (--verify); NULL until one does. Added to
/// ledgers made before them (migrations/<dbms>/*_ledger_verify.sql does the same by hand).
Schema ledger_verify_schema() {
    return {{"verified", own(Type::text, 8, true)},         {"verified_at", own(Type::text, 19, true)},
            {"source_rows", own(Type::int64, 0, true)},     {"source_checksum", own(Type::text, 24, true)},
            {"target_rows", own(Type::int64, 0, true)},     {"target_checksum", own(Type::text, 24, true)}};
}

Schema full_ledger_schema() {
    Schema s = ledger_schema();
    for (Column& c : ledger_verify_schema()) s.push_back(std::move(c));
    return s;
}

/// "migrations/<dbms>/*_ledger_verify.sql", the script that adds the verification columns.
std::string verify_migration(const Dialect& d) {
    return "migrations/" + std::string(d.key()) + "/*_ledger_verify.sql";
}

/// True if the ledger \p name has the verification columns.
bool ledger_has_verify_columns(Connection& conn, const QualifiedName& name) {
    return detail::find_column(conn.describe(name), "verified", conn.dialect()) != nullptr;
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
                          d.create_table(name, full_ledger_schema(),
                                         {"table_name", "range_lo", "range_hi"}))) {
        REPLICATE_LOG(info) << "created the ledger table " << name;
        return;
    }
    const Schema existing = conn.describe(name);
    for (const Column& c : ledger_verify_schema()) {
        if (detail::find_column(existing, c.name, d) != nullptr) continue;
        try {
            conn.execute(d.add_column(name, c));
            REPLICATE_LOG(info) << "added the column " << c.name << " to the ledger " << name;
        } catch (const Error& e) {
            // Another run may have added it meanwhile; a login without ALTER rights keeps
            // copying, and --verify says what to run.
            if (ledger_has_verify_columns(conn, name)) continue;
            REPLICATE_LOG(warning) << "could not add the verification columns to the ledger "
                                   << name << " (" << e.what() << "): run "
                                   << verify_migration(d);
            return;
        }
    }
}

void write_ledger(replicate::detail::SinkSession& session, const std::string& schema,
                  const LedgerEntry& e) {
    const Dialect& d = session.dialect();
    const std::string table = d.qualified(ledger_name(schema));
    session.execute("DELETE FROM " + table + " WHERE " + d.quote("table_name") + " = ? AND " +
                        d.quote("range_lo") + " = ? AND " + d.quote("range_hi") + " = ?",
                    {e.target_table, e.range_lo, e.range_hi});
    const std::string cols = d.column_list(ledger_schema());
    session.execute("INSERT INTO " + table + " (" + cols + ") VALUES (?, ?, ?, ?, ?, ?, ?)",
                    {e.target_table, e.range_lo, e.range_hi, e.source_table,
                     static_cast<long long>(e.rows), e.run_id, e.finished_at});
}

/// The libpq parameters of \p endpoint when its rows are to travel natively (PostgreSQL),
/// else nullopt.
std::optional<std::vector<std::pair<std::string, std::string>>> native_parameters(
    const EndpointConfig& endpoint, const char* side) {
    if (!endpoint.native_protocol) return std::nullopt;
    auto params = pg::libpq_parameters(endpoint.connection, endpoint.connect_timeout_seconds);
    if (params) {
        REPLICATE_LOG(debug) << side << ": rows through libpq (PostgreSQL's own protocol)";
    }
    return params;
}

std::string random_suffix() {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", rd());
    return buf;
}

// ---- source ------------------------------------------------------------------------------

/// A source on one endpoint. Its connections open when first needed: the ODBC one for
/// describing tables, and, where rows travel natively, the libpq one for reading them (a worker
/// that only reads holds one source session).
class OdbcSource final : public Source {
public:
    OdbcSource(const EndpointConfig& endpoint, std::shared_ptr<detail::ConnectionRegistry> registry,
               const std::optional<std::vector<std::pair<std::string, std::string>>>& native)
        : endpoint_(endpoint), registry_(std::move(registry)), native_(native) {
        if (!native_) odbc();  // unreachable: fail now, as the interface promises
    }

    Schema describe(const QualifiedName& table) override {
        Connection& conn = odbc();
        Schema schema = conn.describe(table);
        const std::vector<std::string> key = conn.primary_key(table);
        for (std::size_t k = 0; k < key.size(); ++k) {
            // The catalog's spelling may differ in case (Babelfish lowercases sys.columns).
            const Column* c = detail::find_column(schema, key[k], conn.dialect());
            if (c != nullptr)
                schema[static_cast<std::size_t>(c - schema.data())].key_position =
                    static_cast<int>(k + 1);
        }
        return schema;
    }

    std::unique_ptr<BatchReader> read(const Partition& partition, const Schema& schema,
                                      const ReadOptions& options) override {
        if (native_) {
            if (!pg_) {
                pg_ = std::make_unique<pg::Connection>(
                    *native_,
                    pg::dialect().source_session_setup(native_reads().isolation,
                                                       endpoint_.lock_timeout_seconds),
                    "source", registry_.get());
            }
            return std::make_unique<pg::CursorReader>(*pg_, pg::dialect(), partition, schema, options);
        }
        return std::make_unique<detail::OdbcBatchReader>(odbc(), partition, schema, options);
    }

    std::optional<std::int64_t> count_rows(const Partition& partition) override {
        Connection& conn = odbc();
        const Dialect& d = conn.dialect();
        const TableSpec& spec = partition.table;
        const std::string column = partition.whole_table() ? std::string() : spec.partition_column;
        Params p;
        std::optional<ColumnType> type;
        if (partition.range()) {
            const Schema schema = conn.describe(spec.source);
            const Column* col = detail::find_column(schema, column, d);
            type = col ? col->type : ColumnType{Type::timestamp};
            const auto bounds = column_bounds(partition);
            p.add_bound(bounds.first, d.range_binding(*type), *type);
            p.add_bound(bounds.second, d.range_binding(*type), *type);
        }
        const auto rows = conn.query(
            d.count(spec.source, column, partition.null_dates() ? RowFilter::is_null : RowFilter::range,
                    nullptr, type ? &*type : nullptr),
            p.empty() ? nullptr : &p);
        if (rows.empty() || rows[0].empty() || !rows[0][0]) return std::nullopt;
        return std::stoll(*rows[0][0]);
    }

    std::string query_text(const Partition& partition, const Schema& schema) override {
        const Dialect& d = odbc().dialect();
        const TableSpec& spec = partition.table;
        const std::string sql =
            d.select(spec.source, schema, partition.whole_table() ? std::string() : spec.partition_column,
                     partition.null_dates() ? RowFilter::is_null : RowFilter::range);
        return native_ ? "DECLARE ... BINARY NO SCROLL CURSOR FOR " + sql + "; FETCH ... (libpq)" : sql;
    }

    std::int64_t count_null_partition_rows(const TableSpec& table) override {
        if (table.partition_column.empty()) return 0;
        Connection& conn = odbc();
        const auto rows = conn.query(conn.dialect().count_null(table.source, table.partition_column));
        if (rows.empty() || rows[0].empty() || !rows[0][0]) return 0;
        return std::stoll(*rows[0][0]);
    }

    ReadConsistency read_consistency() override {
        return native_ && !odbc_ ? native_reads().consistency : odbc().reads().consistency;
    }

private:
    Connection& odbc() {
        if (!odbc_) odbc_ = std::make_unique<Connection>(endpoint_, true, registry_.get());
        return *odbc_;
    }
    // PostgreSQL's reads never block its writers: nothing to ask the server.
    ReadPlan native_reads() const {
        return plan_reads(endpoint_.isolation, pg::dialect(), std::nullopt, {});
    }

    EndpointConfig endpoint_;
    std::shared_ptr<detail::ConnectionRegistry> registry_;  // outlives the connections in it
    std::optional<std::vector<std::pair<std::string, std::string>>> native_;
    std::unique_ptr<pg::Connection> pg_;
    std::unique_ptr<Connection> odbc_;
};

}  // namespace

OdbcSourceFactory::OdbcSourceFactory(SourceOptions options)
    : options_(std::move(options)),
      registry_(std::make_shared<detail::ConnectionRegistry>()),
      native_(native_parameters(endpoint_of(options_), "source")) {}

std::unique_ptr<Source> OdbcSourceFactory::connect() {
    return std::make_unique<OdbcSource>(endpoint_of(options_), registry_, native_);
}

void OdbcSourceFactory::cancel() { registry_->cancel_all(); }

// ---- target ------------------------------------------------------------------------------

struct OdbcTarget::Shared {
    EndpointConfig endpoint;
    detail::ConnectionRegistry registry;
    // SQLite has one writer at a time: sinks of one target take turns instead of failing with
    // "database is locked". Other DBMSs do not use it.
    std::mutex write_mutex;
    // Where rows travel natively (PostgreSQL COPY), the libpq parameters.
    std::optional<std::vector<std::pair<std::string, std::string>>> native;
    // Target tables' columns as validate() and prepare() found them, so a sink need not
    // describe the table for every partition.
    std::mutex schemas_mutex;
    std::map<std::string, Schema> schemas;
    // Columns prepare() added to existing tables (on_new_column = "add"), for the summary.
    std::map<std::string, std::vector<std::string>> added;
    // How an existing table takes the source's columns: its computed and rowversion columns
    // of a source column's name fill themselves and are not written (nor verified); an
    // identity column of one is written with the dialect's identity_insert() on.
    struct Writes {
        std::vector<std::string> generated;  // target names
        bool identity = false;
    };
    std::map<std::string, Writes> writes;
    Writes writes_of(const QualifiedName& table) {
        const std::lock_guard<std::mutex> lock(schemas_mutex);
        const auto it = writes.find(table.display());
        return it == writes.end() ? Writes{} : it->second;
    }
    /// Learns how the existing \p target takes \p source_schema's columns (own columns
    /// from the catalog); logs, once per table, the columns it fills itself.
    void learn_writes(Connection& conn, const QualifiedName& target, const Schema& existing,
                      const Schema& source_schema) {
        Writes w;
        for (const Connection::OwnColumn& own : conn.defaulted_columns(target)) {
            const Column* t = detail::find_column(existing, own.name, conn.dialect());
            if (t == nullptr ||
                detail::find_column(source_schema, t->name, conn.dialect()) == nullptr)
                continue;
            if (own.kind == Connection::OwnColumn::Kind::generated) w.generated.push_back(t->name);
            if (own.kind == Connection::OwnColumn::Kind::identity) w.identity = true;
        }
        const std::lock_guard<std::mutex> lock(schemas_mutex);
        const bool known = writes.count(target.display()) > 0;
        if (!known && !w.generated.empty()) {
            std::string names;
            for (const std::string& n : w.generated) names += (names.empty() ? "" : ", ") + n;
            REPLICATE_LOG(warning) << target << ": column(s) " << names
                                   << " fill themselves in the target (computed or rowversion): "
                                      "the source's values of them are not copied, nor verified";
        }
        writes[target.display()] = std::move(w);
    }

    // One connection for checks, DDL, the ledger's reads and the run history, opened when
    // first needed and kept (before: one per call, so a nightly run of ten tables opened
    // thirty). Callers take turns; a call that throws drops it, and the next one reconnects.
    std::mutex control_mutex;
    std::unique_ptr<Connection> control_conn;

    class Control {
    public:
        explicit Control(Shared& s) : shared_(s), lock_(s.control_mutex) {
            if (!shared_.control_conn) {
                shared_.control_conn = std::make_unique<Connection>(shared_.endpoint, false, &shared_.registry);
            }
        }
        ~Control() {
            if (std::uncaught_exceptions() > exceptions_) shared_.control_conn.reset();
        }
        Control(const Control&) = delete;
        Control& operator=(const Control&) = delete;
        Connection& conn() { return *shared_.control_conn; }

    private:
        Shared& shared_;
        std::unique_lock<std::mutex> lock_;
        int exceptions_ = std::uncaught_exceptions();
    };

    void remember(const QualifiedName& table, const Schema& schema) {
        const std::lock_guard<std::mutex> lock(schemas_mutex);
        schemas[table.display()] = schema;
    }
    Schema target_schema(const QualifiedName& table) {
        {
            const std::lock_guard<std::mutex> lock(schemas_mutex);
            const auto it = schemas.find(table.display());
            if (it != schemas.end()) return it->second;
        }
        Schema schema = Control(*this).conn().describe(table);
        remember(table, schema);
        return schema;
    }
};

namespace {

/// SQLite's single writer: a lock on the target's write mutex when \p d needs writes
/// serialised, an empty lock otherwise.
std::unique_lock<std::mutex> lock_for_writes(OdbcTarget::Shared& shared, const Dialect& d) {
    if (!d.serialize_writes()) return {};
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
    if (p.null_dates()) return {"null"};
    std::vector<std::string> out;
    const Date last = p.range()->hi.add_days(-1);
    for (Date m{p.range()->lo.year, p.range()->lo.month, 1};
         m.year < last.year || (m.year == last.year && m.month <= last.month);
         m = m.first_of_next_month()) {
        out.push_back(m.to_string().substr(0, 7));
    }
    return out;
}

/// The ODBC target session: rows go in as parameter arrays.
class OdbcSession final : public replicate::detail::SinkSession {
public:
    OdbcSession(const EndpointConfig& endpoint, detail::ConnectionRegistry* registry)
        : conn_(endpoint, false, registry) {}
    const Dialect& dialect() const override { return conn_.dialect(); }
    const std::string& database() const override { return conn_.info().database; }
    void begin() override { conn_.begin(); }
    void commit() override { conn_.commit(); }
    void rollback() noexcept override { conn_.rollback(); }
    bool in_transaction() const override { return conn_.in_transaction(); }
    void execute(const std::string& sql, const std::vector<replicate::detail::SqlArg>& args) override {
        Params p = params(args);
        conn_.execute(sql, args.empty() ? nullptr : &p);
    }
    std::vector<replicate::detail::TextRow> query(
        const std::string& sql, const std::vector<replicate::detail::SqlArg>& args) override {
        Params p = params(args);
        return conn_.query(sql, args.empty() ? nullptr : &p);
    }
    void delete_range(const QualifiedName& table, const std::string& column,
                      const std::pair<Timestamp, Timestamp>& bounds, const ColumnType& type) override {
        const Dialect& d = conn_.dialect();
        Params p;
        p.add_bound(bounds.first, d.range_binding(type), type);
        p.add_bound(bounds.second, d.range_binding(type), type);
        conn_.execute(d.delete_rows(table, column, RowFilter::range, &type), &p);
    }
    bool table_exists(const QualifiedName& table) override { return conn_.table_exists(table); }
    std::unique_ptr<replicate::detail::RowWriter> writer(const QualifiedName& table,
                                                         const Schema& schema,
                                                         const std::string& label,
                                                         const Schema& target_schema,
                                                         bool table_lock) override {
        return std::make_unique<Inserter>(conn_, table, schema, label, target_schema, table_lock);
    }

private:
    static Params params(const std::vector<replicate::detail::SqlArg>& args) {
        Params p;
        for (const auto& a : args) {
            if (const auto* t = std::get_if<std::string>(&a)) {
                p.add_text(*t);
            } else {
                p.add_int(std::get<long long>(a));
            }
        }
        return p;
    }
    Connection conn_;
};

std::vector<replicate::detail::SqlArg> args_of(const Query& q) {
    return {q.params.begin(), q.params.end()};
}

/// Publishes one partition at a time on its own target session, whatever carries the rows.
class TableSink final : public Sink {
public:
    using SessionFactory = std::function<std::unique_ptr<replicate::detail::SinkSession>()>;

    TableSink(std::shared_ptr<OdbcTarget::Shared> shared, std::string run_id, SessionFactory open)
        : shared_(std::move(shared)),
          run_id_(std::move(run_id)),
          open_(std::move(open)),
          session_(open_()) {}

    ~TableSink() override { abort(); }

    void begin(const Partition& partition, const Schema& schema) override {
        abort();
        if (!session_) session_ = open_();
        const TableSpec& spec = partition.table;
        // Before the SQLite write lock: prepare() takes the control connection, then that lock.
        const Schema target_schema = shared_->target_schema(spec.target);
        lock_ = lock_for_writes(*shared_, session_->dialect());
        partition_ = partition;
        const std::string label = spec.source.display() + " " + partition.label();
        lock_against_other_runs(partition);
        replicate::detail::SinkSession& s = *session_;
        const Dialect& d = s.dialect();
        const bool table_lock = shared_->endpoint.table_lock;
        // The columns written: the source's, but those the target fills itself.
        const OdbcTarget::Shared::Writes writes = shared_->writes_of(spec.target);
        written_.clear();
        written_columns_.clear();
        Schema staging_columns;  // the written columns with the target's types
        for (std::size_t c = 0; c < schema.size(); ++c) {
            const Column* t = detail::find_column(target_schema, schema[c].name, d);
            if (t != nullptr && std::find(writes.generated.begin(), writes.generated.end(),
                                          t->name) != writes.generated.end()) {
                continue;
            }
            written_.push_back(schema[c]);
            written_columns_.push_back(c);
            staging_columns.push_back(t != nullptr ? *t : schema[c]);
        }
        identity_ = writes.identity ? d.identity_insert(spec.target, true) : std::string();
        if (partition.whole_table()) {
            staging_ = QualifiedName{spec.target.schema, spec.target.table + "__staging"};
            // The staging table has the target's column types, so a value converts into it
            // exactly as it would into the target (and fails the same way).
            if (d.refresh_in_one_transaction()) s.begin();
            s.execute(d.drop_table_if_exists(staging_));
            s.execute(d.create_table_like(staging_, spec.target, staging_columns));
            if (!s.in_transaction()) s.begin();
            writer_ = s.writer(staging_, written_, label, target_schema, table_lock);
        } else {
            s.begin();
            if (partition.null_dates()) {
                s.execute(d.delete_rows(spec.target, spec.partition_column, RowFilter::is_null));
            } else {
                const Column* col = detail::find_column(schema, spec.partition_column, d);
                s.delete_range(spec.target, spec.partition_column, column_bounds(partition),
                               col ? col->type : ColumnType{Type::timestamp});
            }
            // The source's values into the target's identity column (one table per session).
            if (!identity_.empty()) identity_on(spec.target);
            writer_ = s.writer(spec.target, written_, label, target_schema, table_lock);
        }
        schema_ = schema;
        active_ = true;
    }

    void write(const Batch& batch) override {
        if (!active_) throw Error(ErrorKind::internal, "Sink::write() before begin()");
        if (written_columns_.size() == schema_.size()) {
            writer_->insert(batch);
            return;
        }
        // Without the columns the target fills itself.
        Batch projected(written_);
        for (std::size_t k = 0; k < written_columns_.size(); ++k) {
            projected.column(k) = batch.column(written_columns_[k]);
        }
        writer_->insert(projected);
    }

    void commit(const LedgerEntry& entry) override {
        if (!active_) throw Error(ErrorKind::internal, "Sink::commit() before begin()");
        writer_->finish();
        if (!entry.matches(partition_) || entry.rows != writer_->rows()) {
            std::ostringstream os;
            os << "the ledger entry handed to commit() (" << entry << ") is not the partition "
               << partition_ << " with its " << writer_->rows() << " rows written";
            throw Error(ErrorKind::internal, os.str());
        }
        const TableSpec& spec = partition_.table;
        replicate::detail::SinkSession& s = *session_;
        if (partition_.whole_table()) {
            // Staging is loaded; now swap its rows in, in one transaction with the ledger entry.
            const Dialect& d = s.dialect();
            if (!d.refresh_in_one_transaction()) {
                s.commit();
                s.begin();
            }
            s.execute(d.empty_table(spec.target));
            // SQL Server: WITH (TABLOCK), minimally logged into a heap; one refresh per table
            // runs at a time (the run's table lock), so the lock waits for no writer of ours.
            if (!identity_.empty()) identity_on(spec.target);
            s.execute(d.insert_select(spec.target, staging_, written_, true));
            identity_off();
            write_ledger(s, spec.target.schema, entry);
            if (d.refresh_in_one_transaction()) {
                s.execute(d.drop_table_if_exists(staging_));
                staging_ = {};
            }
            s.commit();
            drop_staging();
        } else {
            identity_off();
            write_ledger(s, spec.target.schema, entry);
            s.commit();
        }
        writer_.reset();
        active_ = false;
        unlock_other_runs();
        if (lock_.owns_lock()) lock_.unlock();
    }

private:
    /// Takes this partition's locks against other runs (and other sinks of this run that
    /// overlap it), waiting up to [target] wait_for_other_run. Nothing is written before.
    void lock_against_other_runs(const Partition& partition) {
        const Dialect& d = session_->dialect();
        if (d.try_lock_query("", 0).sql.empty()) return;  // the DBMS's writer lock excludes
        const auto started = std::chrono::steady_clock::now();
        const auto deadline =
            started + std::chrono::seconds(shared_->endpoint.wait_for_other_run_seconds);
        const TableSpec& spec = partition.table;
        bool logged = false;
        for (const std::string& part : lock_parts(partition)) {
            const std::string what = session_->database() + "\n" + spec.target.schema + "\n" +
                                     spec.target.table + "\n" + part;
            const std::uint64_t h = fnv1a(what);
            char name[40];
            std::snprintf(name, sizeof name, "libreplicate:%016llx",
                          static_cast<unsigned long long>(h));
            const auto key = static_cast<std::int64_t>(h);
            for (;;) {
                const auto rows = session_->query(d.try_lock_query(name, key).sql,
                                                  args_of(d.try_lock_query(name, key)));
                if (!rows.empty() && !rows[0].empty() && rows[0][0] && *rows[0][0] == "1") break;
                if (shared_->registry.cancelled()) throw Error(ErrorKind::cancelled, "interrupted");
                if (std::chrono::steady_clock::now() >= deadline) {
                    // The message first: releasing may close the session.
                    const std::string message =
                        "another run is writing " + spec.target.display() + " " + part + holders() +
                        "; waited " + std::to_string(shared_->endpoint.wait_for_other_run_seconds) +
                        " s ([target] wait_for_other_run): nothing was written, run again when it "
                        "has finished";
                    unlock_other_runs();
                    throw Error(ErrorKind::busy, message);
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
        if (!session_) return {};
        try {
            const Dialect& d = session_->dialect();
            const QualifiedName runs{shared_->endpoint.schema, run_table_name};
            if (!session_->table_exists(runs)) return {};
            std::string out;
            for (const replicate::detail::TextRow& r :
                 session_->query("SELECT " + d.quote("run_id") + ", " + d.quote("started_at") + ", " +
                                 d.quote("command") + " FROM " + d.qualified(runs) + " WHERE " +
                                 d.quote("status") + " = 'running' AND " + d.quote("run_id") +
                                 " <> ?",
                                 {run_id_})) {
                out += (out.empty() ? " (running: " : "; ") + r[0].value_or("?") + " started " +
                       r[1].value_or("?") + " UTC: " + r[2].value_or("");
            }
            return out.empty() ? out : out + ")";
        } catch (const std::exception&) {
            return {};
        }
    }

    /// Releases the locks taken by lock_against_other_runs(). A lock that is not released
    /// would stay with the session, which lives for the whole run: another run would wait for
    /// this one to end, not for the month. So a release that fails or is refused closes the
    /// session (the server ends its locks with it), and the next partition opens a new one.
    void unlock_other_runs() noexcept {
        bool released = true;
        for (const auto& [name, key] : held_) {
            if (!session_) break;
            try {
                const Query q = session_->dialect().unlock_query(name, key);
                const auto rows = session_->query(q.sql, args_of(q));
                if (rows.empty() || rows[0].empty() || !rows[0][0] || *rows[0][0] != "1") {
                    REPLICATE_LOG(warning) << "the server did not release the lock " << name
                                           << "; closing the session to end it";
                    released = false;
                }
            } catch (const std::exception& e) {
                REPLICATE_LOG(warning) << "could not release the lock " << name << " (" << e.what()
                                       << "); closing the session to end it";
                released = false;
            }
        }
        held_.clear();
        if (!released) close_session();
    }

    /// Drops the session (rolling back what it holds); begin() opens a new one.
    void close_session() noexcept {
        try {
            if (session_ && session_->in_transaction()) session_->rollback();
            session_.reset();
        } catch (const std::exception& e) {
            REPLICATE_LOG(debug) << "closing the target session: " << e.what();
            session_.reset();
        }
    }

    void drop_staging() noexcept {
        if (staging_.table.empty() || !session_) return;
        try {
            session_->execute(session_->dialect().drop_table_if_exists(staging_));
        } catch (const std::exception& e) {
            REPLICATE_LOG(warning) << "could not drop " << staging_ << ": " << e.what();
        }
        staging_ = {};
    }

    /// SET IDENTITY_INSERT ... ON for \p table; identity_off() undoes it. The setting is the
    /// session's, not the transaction's: it outlives a rollback.
    void identity_on(const QualifiedName& table) {
        session_->execute(session_->dialect().identity_insert(table, true));
        identity_table_ = table;
    }
    void identity_off() {
        if (identity_table_.table.empty() || !session_) return;
        session_->execute(session_->dialect().identity_insert(identity_table_, false));
        identity_table_ = {};  // only once it is off: else abort() tries again, or closes
    }

    void abort() noexcept {
        writer_.reset();
        if (session_ && (active_ || session_->in_transaction())) {
            session_->rollback();
            drop_staging();
            active_ = false;
        }
        try {
            identity_off();
        } catch (const std::exception& e) {
            // Left on, the next table's IDENTITY_INSERT would fail (8107): a new session.
            REPLICATE_LOG(warning)
                << "could not end IDENTITY_INSERT (" << e.what() << "); closing the session";
            identity_table_ = {};
            close_session();
        }
        unlock_other_runs();
        if (lock_.owns_lock()) lock_.unlock();
    }

    std::shared_ptr<OdbcTarget::Shared> shared_;
    std::string run_id_;
    SessionFactory open_;
    std::unique_ptr<replicate::detail::SinkSession> session_;
    std::unique_lock<std::mutex> lock_;
    std::vector<std::pair<std::string, std::int64_t>> held_;
    Partition partition_;
    Schema schema_;
    Schema written_;                            // schema_ without the columns the target fills
    std::vector<std::size_t> written_columns_;  // their indices in schema_ (and the batches)
    std::string identity_;          // non-empty: the target's identity column is written
    QualifiedName identity_table_;  // IDENTITY_INSERT is on for it
    QualifiedName staging_;
    std::unique_ptr<replicate::detail::RowWriter> writer_;
    bool active_ = false;
};

}  // namespace

OdbcTarget::OdbcTarget(TargetOptions options) : shared_(std::make_shared<Shared>()) {
    shared_->endpoint = endpoint_of(options);
    shared_->native = native_parameters(shared_->endpoint, "target");
}

OdbcTarget::~OdbcTarget() = default;

void OdbcTarget::validate(const TableSpec& table, const Schema& source_schema) {
    Shared::Control control(*shared_);
    Connection& conn = control.conn();
    if (!table.target.schema.empty() && !conn.schema_exists(table.target.schema)) {
        throw Error(ErrorKind::config, "target schema '" + table.target.schema +
                                           "' does not exist in the " + conn.info().database +
                                           " database (" + conn.info().dbms_name +
                                           "): create it, or fix [target] schema");
    }
    if (!conn.table_exists(table.target)) return;  // prepare() creates it
    const Schema existing = conn.describe(table.target);
    shared_->remember(table.target, existing);
    shared_->learn_writes(conn, table.target, existing, source_schema);
    const Shared::Writes writes = shared_->writes_of(table.target);
    const Dialect& dialect = conn.dialect();
    if (writes.identity) {
        // The source's values into the target's IDENTITY column need the right to say so.
        const Query allowed = dialect.identity_insert_allowed_query(table.target);
        if (!allowed.sql.empty()) {
            const auto rows = conn.query(allowed);
            if (!rows.empty() && !rows[0].empty() && rows[0][0] && *rows[0][0] == "0") {
                throw Error(
                    ErrorKind::config,
                    "target table " + table.target.display() +
                        " has an IDENTITY column the "
                        "source gives values for: SET IDENTITY_INSERT needs ALTER on the table "
                        "(GRANT ALTER ON " +
                        dialect.qualified(table.target) +
                        " TO the target "
                        "login), or read the source through a view without that column");
            }
        }
    }
    // A target column the source does not have: the warehouse's own when it fills itself (a
    // DEFAULT, an identity), else a column dropped at the source, whose new rows would be NULL.
    std::optional<Schema> filled;
    for (const Column& t : existing) {
        if (detail::find_column(source_schema, t.name, dialect) != nullptr) continue;
        if (!filled) {
            filled.emplace();
            for (Connection::OwnColumn& own : conn.defaulted_columns(table.target)) {
                filled->push_back({std::move(own.name), {}});
            }
        }
        if (detail::find_column(*filled, t.name, dialect) != nullptr) continue;
        throw Error(ErrorKind::config,
                    "target table " + table.target.display() + " has a column '" + t.name +
                        "' that source table " + table.source.display() +
                        " does not (dropped or renamed at the source?): new rows would leave it "
                        "NULL; drop it from the target, or give it a DEFAULT if it is the "
                        "warehouse's own");
    }
    for (const Column& c : source_schema) {
        const Column* t = detail::find_column(existing, c.name, dialect);
        if (t == nullptr && shared_->endpoint.add_new_columns) continue;  // prepare() adds it
        if (t != nullptr && std::find(writes.generated.begin(), writes.generated.end(), t->name) !=
                                writes.generated.end()) {
            continue;  // fills itself: not written
        }
        if (t == nullptr) {
            throw Error(ErrorKind::config,
                        "target table " + table.target.display() + " has no column '" + c.name +
                            "' that source table " + table.source.display() +
                            " has (added at the source?): set [target] on_new_column = \"add\", "
                            "add the column to the target, or drop the target table so that it "
                            "is created");
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
        const std::string lost = replicate::detail::code_page_misfit(t->type, c.type);
        if (!lost.empty()) {
            throw Error(ErrorKind::config,
                        "target column " + table.target.display() + "." + t->name + " would lose "
                            "characters of source column " + c.name + ": " + lost +
                            "; make it nvarchar, or give it the source's collation (or a _UTF8 "
                            "one), or drop the target table so that it is created");
        }
    }
}

namespace {

/// The primary key a created table carries: the source's, in key order, unless turned off.
std::vector<std::string> carried_primary_key(const Schema& source_schema, bool create) {
    std::vector<std::pair<int, std::string>> key;
    for (const Column& c : source_schema) {
        if (c.key_position > 0) key.emplace_back(c.key_position, c.name);
    }
    std::sort(key.begin(), key.end());
    std::vector<std::string> out;
    if (create) {
        for (const auto& k : key) out.push_back(k.second);
    }
    return out;
}

}  // namespace

std::vector<std::string> OdbcTarget::planned_statements(const Partition& partition,
                                                        const Schema& source_schema) {
    Shared::Control control(*shared_);
    Connection& conn = control.conn();
    const Dialect& d = conn.dialect();
    const TableSpec& spec = partition.table;
    std::vector<std::string> out;
    if (!conn.table_exists(spec.target)) {
        const bool indexed = spec.mode == TableMode::partitioned && !spec.partition_column.empty();
        out.push_back(d.create_table(
            spec.target, source_schema,
            carried_primary_key(source_schema, shared_->endpoint.create_primary_key), indexed));
        if (indexed) out.push_back(d.create_index(spec.target, spec.partition_column));
    }
    const auto load = [&](const QualifiedName& into) {
        return shared_->native ? "COPY " + d.qualified(into) + " (" + d.column_list(source_schema) +
                                     ") FROM STDIN  -- libpq, text format"
                               : d.insert(into, source_schema, shared_->endpoint.table_lock) +
                                     "  -- parameter arrays";
    };
    if (partition.whole_table()) {
        const QualifiedName staging{spec.target.schema, spec.target.table + "__staging"};
        out.push_back(d.drop_table_if_exists(staging));
        out.push_back(d.create_table_like(staging, spec.target, source_schema));
        out.push_back(load(staging));
        out.push_back(d.empty_table(spec.target));
        out.push_back(d.insert_select(spec.target, staging, source_schema, true));
    } else {
        const Column* col = detail::find_column(source_schema, spec.partition_column, d);
        out.push_back(d.delete_rows(spec.target, spec.partition_column,
                                    partition.null_dates() ? RowFilter::is_null : RowFilter::range,
                                    col ? &col->type : nullptr));
        out.push_back(load(spec.target));
    }
    out.push_back("INSERT INTO " + d.qualified(ledger_name(spec.target.schema)) +
                  " (...) VALUES (...)  -- the ledger row, then COMMIT");
    return out;
}

void OdbcTarget::prepare(const TableSpec& table, const Schema& source_schema) {
    Shared::Control control(*shared_);
    Connection& conn = control.conn();
    const std::unique_lock<std::mutex> lock = lock_for_writes(*shared_, conn.dialect());
    ensure_ledger(conn, table.target.schema);
    const std::vector<std::string> primary_key =
        carried_primary_key(source_schema, shared_->endpoint.create_primary_key);
    const bool indexed = table.mode == TableMode::partitioned && !table.partition_column.empty();
    if (!create_if_missing(conn, table.target,
                           conn.dialect().create_table(table.target, source_schema, primary_key,
                                                       indexed))) {
        Schema existing = conn.describe(table.target);
        std::vector<std::string> added;
        for (Column c : source_schema) {
            if (!shared_->endpoint.add_new_columns ||
                detail::find_column(existing, c.name, conn.dialect()) != nullptr) {
                continue;
            }
            c.type.nullable = true;
            conn.execute(conn.dialect().add_column(table.target, c));
            REPLICATE_LOG(warning) << table.target << ": added the column " << c.name << " ("
                                   << c.type << "), new at the source (on_new_column = \"add\")";
            added.push_back(c.name);
        }
        if (!added.empty()) {
            existing = conn.describe(table.target);
            const std::lock_guard<std::mutex> guard(shared_->schemas_mutex);
            shared_->added[table.target.display()] = added;
        }
        shared_->remember(table.target, existing);
        shared_->learn_writes(conn, table.target, existing, source_schema);
        return;
    }
    shared_->remember(table.target, conn.describe(table.target));
    {
        const std::lock_guard<std::mutex> guard(shared_->schemas_mutex);
        shared_->writes[table.target.display()] = {};  // created here: no column of its own
    }
    if (indexed) {
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
    Shared::Control control(*shared_);
    Connection& conn = control.conn();
    const std::unique_lock<std::mutex> lock = lock_for_writes(*shared_, conn.dialect());
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
    Shared::Control control(*shared_);
    Connection& conn = control.conn();
    const std::unique_lock<std::mutex> lock = lock_for_writes(*shared_, conn.dialect());
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

int OdbcTarget::max_writers_per_table() const { return shared_->endpoint.table_lock ? 1 : 0; }

std::vector<std::string> OdbcTarget::added_columns(const TableSpec& table) {
    const std::lock_guard<std::mutex> lock(shared_->schemas_mutex);
    const auto it = shared_->added.find(table.target.display());
    return it == shared_->added.end() ? std::vector<std::string>() : it->second;
}

std::vector<std::string> OdbcTarget::self_filled_columns(const TableSpec& table) {
    return shared_->writes_of(table.target).generated;
}

std::unique_ptr<Source> OdbcTarget::open_reader() {
    // The target's own registry (aliased), so cancel() interrupts verification reads too.
    std::shared_ptr<detail::ConnectionRegistry> registry(shared_, &shared_->registry);
    return std::make_unique<OdbcSource>(shared_->endpoint, std::move(registry), shared_->native);
}

void OdbcTarget::record_verification(const Partition& partition, const Verification& v) {
    Shared::Control control(*shared_);
    Connection& conn = control.conn();
    const std::unique_lock<std::mutex> lock = lock_for_writes(*shared_, conn.dialect());
    const Dialect& d = conn.dialect();
    const QualifiedName name = ledger_name(partition.table.target.schema);
    if (!conn.table_exists(name) || !ledger_has_verify_columns(conn, name)) {
        throw Error(ErrorKind::config,
                    "the ledger " + name.display() + " has no verification columns: run " +
                        verify_migration(d));
    }
    const LedgerEntry key = LedgerEntry::for_partition(partition, 0, "");
    Params p;
    p.add_text(v.match() ? "match" : "mismatch");
    p.add_text(v.verified_at);
    p.add_int(v.source_rows);
    p.add_text(v.source_checksum);
    p.add_int(v.target_rows);
    p.add_text(v.target_checksum);
    p.add_text(key.target_table);
    p.add_text(key.range_lo);
    p.add_text(key.range_hi);
    std::string set;
    for (const Column& c : ledger_verify_schema()) set += (set.empty() ? "" : ", ") + d.quote(c.name) + " = ?";
    conn.execute("UPDATE " + d.qualified(name) + " SET " + set + " WHERE " + d.quote("table_name") +
                     " = ? AND " + d.quote("range_lo") + " = ? AND " + d.quote("range_hi") + " = ?",
                 &p);
}

std::unique_ptr<Sink> OdbcTarget::open_sink(const std::string& run_id) {
    Shared* shared = shared_.get();  // the sink holds shared_, which outlives the factory
    auto open = [shared]() -> std::unique_ptr<replicate::detail::SinkSession> {
        if (shared->native) {
            return pg::make_sink_session(std::make_unique<pg::Connection>(
                *shared->native,
                pg::dialect().target_session_setup(shared->endpoint.lock_timeout_seconds), "target",
                &shared->registry));
        }
        return std::make_unique<OdbcSession>(shared->endpoint, &shared->registry);
    };
    return std::make_unique<TableSink>(shared_, run_id, std::move(open));
}

std::vector<LedgerEntry> OdbcTarget::entries(const QualifiedName& target_table) {
    Shared::Control control(*shared_);
    Connection& conn = control.conn();
    const QualifiedName name = ledger_name(target_table.schema);
    if (!conn.table_exists(name)) return {};
    const Dialect& d = conn.dialect();
    const bool verifiable = ledger_has_verify_columns(conn, name);
    const std::string cols =
        d.column_list(ledger_schema()) + (verifiable ? ", " + d.quote("verified") : "");
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
        if (verifiable) e.verified = r[7].value_or("");
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

std::unique_ptr<Database> Database::connect(const SourceOptions& source) {
    return open(endpoint_of(source), true);
}

std::unique_ptr<Database> Database::connect(const TargetOptions& target) {
    return open(endpoint_of(target), false);
}

std::unique_ptr<Database> Database::open(const EndpointConfig& endpoint, bool source) {
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
std::string Database::quoted(const QualifiedName& table) const {
    return impl_->conn.dialect().qualified(table);
}
void Database::drop_table_if_exists(const QualifiedName& table) {
    impl_->conn.execute(impl_->conn.dialect().drop_table_if_exists(table));
}
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
