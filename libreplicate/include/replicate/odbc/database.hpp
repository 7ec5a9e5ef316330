#pragma once
/// \file odbc/database.hpp
/// ODBC-backed Source, Target and a connection for checks. Sessions and transactions go
/// through SOCI (the SQL Server drivers' through connections the library opens itself, so that
/// attributes can be set before connecting); statements and row data go through raw ODBC on
/// the connection's handle. No ODBC or SOCI type here.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <replicate/options.hpp>
#include <replicate/sink.hpp>
#include <replicate/source.hpp>

namespace replicate {
struct EndpointConfig;  // internal (src/endpoint.hpp)
}  // namespace replicate

namespace replicate::odbc {

/// What the driver says about the server.
struct ServerInfo {
    /// The dialect's key ("sqlite", "postgresql", "mariadb", "sqlserver").
    std::string dialect;
    std::string dbms_name;
    std::string dbms_version;
    std::string driver_name;
    std::string driver_version;
    std::string database;
    /// Set where the DBMS can tell (SQL Server: DATABASEPROPERTYEX Updateability).
    std::optional<bool> read_only;
    /// A source connection's reads: the isolation used and whether they can block the
    /// source's writers. Empty for a target connection.
    ReadConsistency reads;
};

/// One open connection. Not thread-safe.
class Database {
public:
    /// Connects; \p source selects source-side driver options and session setup. Throws
    /// Error(kind connection) if unreachable or the login fails; the message never holds the
    /// password.
    static std::unique_ptr<Database> connect(const SourceOptions& source);
    static std::unique_ptr<Database> connect(const TargetOptions& target);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    const ServerInfo& info() const;
    /// \p table quoted the DBMS's way ("schema"."table", [schema].[table], `table`).
    std::string quoted(const QualifiedName& table) const;
    /// Drops \p table if it exists.
    void drop_table_if_exists(const QualifiedName& table);
    bool table_exists(const QualifiedName& table);
    /// Columns of \p table; Error(kind config) if it does not exist.
    Schema describe(const QualifiedName& table);
    /// Reads up to one row of \p table; throws Error if it cannot.
    void read_probe(const QualifiedName& table);
    /// Creates, fills and drops a scratch table in \p schema; throws Error if any step fails.
    void write_probe(const std::string& schema);
    /// Runs one statement without results.
    void execute(const std::string& sql);
    /// Runs a query returning one integer (or nullopt for no row / NULL).
    std::optional<long long> query_int(const std::string& sql);

    struct Impl;

private:
    explicit Database(std::unique_ptr<Impl> impl);
    static std::unique_ptr<Database> open(const EndpointConfig& endpoint, bool source);
    std::unique_ptr<Impl> impl_;
};

namespace detail {
class ConnectionRegistry;
}

/// Sources on an ODBC connection string. Thread-safe. Where the endpoint is PostgreSQL and
/// SourceOptions::native_protocol is set, rows are read through libpq (a binary cursor);
/// tables are described through ODBC either way.
class OdbcSourceFactory : public SourceFactory {
public:
    explicit OdbcSourceFactory(SourceOptions options);
    std::unique_ptr<Source> connect() override;
    /// Interrupts the statements its sources are running. Thread-safe.
    void cancel() override;

private:
    SourceOptions options_;
    std::shared_ptr<detail::ConnectionRegistry> registry_;
    std::optional<std::vector<std::pair<std::string, std::string>>> native_;
};

/// A target database. Thread-safe; each Sink owns its own connection. Where the endpoint is
/// PostgreSQL and TargetOptions::native_protocol is set, sinks write with COPY through libpq
/// (range delete, rows and ledger row in one transaction); checks and DDL use ODBC.
class OdbcTarget : public Target, public Ledger {
public:
    explicit OdbcTarget(TargetOptions options);
    ~OdbcTarget() override;
    void validate(const TableSpec& table, const Schema& source_schema) override;
    void prepare(const TableSpec& table, const Schema& source_schema) override;
    std::unique_ptr<Sink> open_sink(const std::string& run_id) override;
    /// Interrupts the statements (and lock waits) of its sinks. Thread-safe.
    void cancel() override;
    Ledger& ledger() override { return *this; }
    std::vector<std::string> added_columns(const TableSpec& table) override;
    std::vector<std::string> self_filled_columns(const TableSpec& table) override;
    /// Reads the target's tables (through libpq where sinks write through it).
    std::unique_ptr<Source> open_reader() override;
    /// Sets the verification columns of the partition's ledger row (added to older ledgers
    /// when the login may; Error(kind config) naming the migration otherwise).
    void record_verification(const Partition& partition, const Verification& v) override;
    std::vector<std::string> planned_statements(const Partition& partition,
                                                const Schema& source_schema) override;
    std::vector<LedgerEntry> entries(const QualifiedName& target_table) override;
    /// 1 with TargetOptions::table_lock: each month's DELETE holds an intent lock on the table
    /// that a second writer's INSERT ... WITH (TABLOCK) would wait for, and the other way round.
    int max_writers_per_table() const override;
    /// Keeps the run history in the table replicate_run of the target schema.
    void begin_run(const RunRecord& run) override;
    void end_run(const RunRecord& run) override;

    struct Shared;

private:
    std::shared_ptr<Shared> shared_;
};

}  // namespace replicate::odbc
