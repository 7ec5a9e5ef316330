// Microsoft SQL Server (ODBC Driver 17/18, FreeTDS).
#include "../dialect.hpp"

#include <algorithm>
#include <cctype>

#include "../text.hpp"
#include "registry.hpp"

namespace replicate::detail {
namespace {

// A collation name as sys.columns gives it (Latin1_General_CI_AS, Chinese_PRC_CI_AS,
// SQL_Latin1_General_CP1_CI_AS): written unquoted after COLLATE, so nothing else is accepted.
bool valid_collation(const std::string& name) {
    if (name.empty() || name.size() > 128) return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '_';
    });
}

class SqlServerDialect final : public Dialect {
public:
    std::string_view key() const override { return "sqlserver"; }
    std::string_view display_name() const override { return "SQL Server"; }
    std::string select_one(const QualifiedName& table) const override {
        return "SELECT TOP 1 * FROM " + qualified(table);
    }

    std::string column_type(const ColumnType& t) const override {
        const std::string native = lower(t.native_name);
        switch (t.type) {
        case Type::boolean: return "bit";
        // A SQL Server tinyint is unsigned (refine() says so); a tinyint of MariaDB or a
        // SQLite declaration holds -128..127.
        case Type::int8:
            return t.is_unsigned ? "tinyint" : "smallint";
        case Type::int16: return t.is_unsigned ? "int" : "smallint";
        case Type::int32: return t.is_unsigned ? "bigint" : "int";
        case Type::int64: return t.is_unsigned ? "decimal(20,0)" : "bigint";
        case Type::decimal:
            if (t.precision <= 0) return "decimal(38,10)";  // unconstrained source
            return "decimal(" + std::to_string(std::min(t.precision, 38)) + "," +
                   std::to_string(std::min(t.scale, 38)) + ")";
        case Type::float32: return "real";
        case Type::float64: return "float";
        case Type::date: return "date";
        case Type::time: return "time(" + std::to_string(std::min(t.precision, 7)) + ")";
        case Type::timestamp:
            // Only a SQL Server datetime stays datetime: anything else (a MariaDB datetime(3),
            // SQLite text) may hold .999, which datetime would round into the next day.
            if (t.legacy_datetime) return native == "smalldatetime" ? "smalldatetime" : "datetime";
            return "datetime2(" + std::to_string(std::min(t.precision, 7)) + ")";
        case Type::text: {
            switch (t.text_kind) {
                case ColumnType::TextKind::uuid:
                    return "uniqueidentifier";
                case ColumnType::TextKind::xml:
                    return "xml";
                case ColumnType::TextKind::datetimeoffset:
                    return "datetimeoffset(" + std::to_string(std::clamp(t.precision, 0, 7)) + ")";
                case ColumnType::TextKind::plain:
                    break;
            }
            // Non-Unicode text keeps its collation, so the target column has the source's code
            // page and no character turns into '?'. Text of unknown code page (any other
            // source's text is Unicode) goes into nvarchar.
            const bool keeps_code_page = !t.national && t.code_page != 0 && valid_collation(t.collation);
            const bool national = !keeps_code_page;
            const std::int64_t limit = national ? 4000 : 8000;
            const std::string collate = keeps_code_page ? " COLLATE " + t.collation : std::string();
            // nvarchar(n) holds n UTF-16 units: a length counted in characters (PostgreSQL,
            // MariaDB) needs twice that for characters outside the BMP; fixed-length text of
            // characters becomes variable (nchar(2n) would pad what nchar(n) does not).
            const bool in_characters = national && !t.length_in_units;
            const std::int64_t length = in_characters ? 2 * t.length : t.length;
            if (t.length == 0 || length > limit) {
                return (national ? "nvarchar" : "varchar") + std::string("(max)") + collate;
            }
            const bool fixed = t.fixed_length && !in_characters;
            return std::string(national ? "n" : "") + (fixed ? "char" : "varchar") + "(" +
                   std::to_string(length) + ")" + collate;
        }
        case Type::binary:
            if (t.row_version) return "binary(8)";
            if (t.length == 0 || t.length > 8000) return "varbinary(max)";
            return std::string(t.fixed_length ? "binary(" : "varbinary(") +
                   std::to_string(t.length) + ")";
        }
        return "varbinary(max)";
    }

    // Isolation::automatic has been resolved by the connection (plan_reads()) before this.
    std::vector<std::string> source_session_setup(Isolation level, int lock_timeout) const override {
        std::vector<std::string> out;
        switch (level) {
        case Isolation::automatic:
        case Isolation::read_committed:
            out.push_back("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
            break;
        case Isolation::read_uncommitted:
            out.push_back("SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED");
            break;
        case Isolation::snapshot: out.push_back("SET TRANSACTION ISOLATION LEVEL SNAPSHOT"); break;
        }
        // A read that waits longer for a lock (a schema lock under snapshot isolation, shared
        // row locks under locking READ COMMITTED) fails with 1222 and is retried.
        if (lock_timeout > 0) out.push_back("SET LOCK_TIMEOUT " + std::to_string(lock_timeout * 1000LL));
        for (std::string& s : common_session_setup()) out.push_back(std::move(s));
        return out;
    }
    // Every session: TEXTSIZE limits what a SELECT returns of a (max), text or image value,
    // cutting it without a warning (SET TEXTSIZE (Transact-SQL)); msodbcsql sets no limit,
    // FreeTDS takes its "text size" from freetds.conf (64512 in its sample). And row counts on:
    // a server whose "user options" turn NOCOUNT on would make FreeTDS answer INSERTs with
    // SQL_NO_DATA.
    static std::vector<std::string> common_session_setup() {
        return {"SET TEXTSIZE 2147483647", "SET NOCOUNT OFF"};
    }

    // One row for the connection's database: snapshot isolation allowed (state 1 = ON),
    // READ COMMITTED reading row versions (READ_COMMITTED_SNAPSHOT ON), and the database not
    // writable here (Updateability READ_ONLY: a readable secondary, whose queries all run
    // under snapshot isolation (Offload read-only workload to secondary replica), or a
    // READ_ONLY database).
    std::string read_versioning_query() const override {
        return "SELECT CASE WHEN snapshot_isolation_state = 1 THEN 1 ELSE 0 END, "
               "CAST(is_read_committed_snapshot_on AS int), CASE WHEN "
               "CAST(DATABASEPROPERTYEX(DB_NAME(), 'Updateability') AS varchar(20)) = 'READ_ONLY' "
               "THEN 1 ELSE 0 END FROM sys.databases WHERE database_id = DB_ID()";
    }

    // Non-Unicode text columns with their collation and its code page; nchar/nvarchar/ntext
    // are left out (UTF-16 whatever the collation).
    Query text_collations_query(const QualifiedName& table) const override {
        return {"SELECT c.name, c.collation_name, CAST(COLLATIONPROPERTY(c.collation_name, "
                "'CodePage') AS int) FROM sys.columns c JOIN sys.types t ON t.user_type_id = "
                "c.system_type_id WHERE c.object_id = OBJECT_ID(?) AND c.collation_name IS NOT "
                "NULL AND t.name IN ('char', 'varchar', 'text')",
                {qualified(table)}};
    }

    std::string range_parameter(const ColumnType* column) const override {
        // Both drivers send SQL_TYPE_TIMESTAMP as datetime2, and datetime2 outranks datetime:
        // the column would be converted row by row and its index not sought.
        if (column != nullptr && column->legacy_datetime) {
            return lower(column->native_name) == "smalldatetime" ? "CAST(? AS smalldatetime)"
                                                                 : "CAST(? AS datetime)";
        }
        return "?";
    }
    std::string range_statement_hint() const override { return " OPTION (RECOMPILE)"; }
    // A datetimeoffset's text ("YYYY-MM-DD hh:mm:ss.nnnnnnn +hh:mm") converted by the server,
    // exactly (CAST and CONVERT: datetimeoffset from ISO 8601 text with an offset).
    std::string value_parameter(const ColumnType* target) const override {
        if (target != nullptr && target->type == Type::text &&
            target->text_kind == ColumnType::TextKind::datetimeoffset) {
            return "CAST(? AS datetimeoffset(" +
                   std::to_string(std::clamp(target->precision, 0, 7)) + "))";
        }
        return "?";
    }
    // COUNT(*) is int: a table past 2^31 rows would fail with 8115 (the NULL-date count runs
    // over the whole table). COUNT_BIG returns bigint (COUNT_BIG (Transact-SQL)).
    std::string count_all() const override { return "COUNT_BIG(*)"; }

    // The partition column's index is the clustered one: a month is a contiguous range of
    // pages, so its DELETE touches those pages only.
    std::string create_index(const QualifiedName& table, const std::string& column) const override {
        return "CREATE CLUSTERED INDEX " + quote(index_name(table, column)) + " ON " +
               qualified(table) + " (" + quote(column) + ")";
    }

    // DROP TABLE IF EXISTS needs SQL Server 2016; OBJECT_ID works on every version.
    std::string drop_table_if_exists(const QualifiedName& table) const override {
        return "IF OBJECT_ID(N'" + literal_name(table) + "', N'U') IS NOT NULL DROP TABLE " +
               qualified(table);
    }

    // T-SQL's ALTER TABLE ... ADD takes no COLUMN keyword.
    std::string add_column(const QualifiedName& table, const Column& column) const override {
        return "ALTER TABLE " + qualified(table) + " ADD " + quote(column.name) + " " +
               column_type(column.type) + " NULL";
    }

    bool is_lock_timeout(std::string_view, long native) const override { return native == 1222; }
    ErrorKind classify(std::string_view state, long native) const override {
        switch (native) {
        case 1205:   // deadlock victim
        case 1204:   // the lock manager ran out of locks (a month's DELETE escalating)
        case 701:    // insufficient memory to run the query
        case 8645:   // timeout waiting for memory to run the query
        case 1222:   // lock request timeout
        case 233:    // no process on the other end of the pipe
        case 4060:   // cannot open database (failover in progress)
        case 10053:  // connection aborted
        case 10054:  // connection reset by peer
        case 10060:  // connection timed out
        case 40197:  // service error processing the request (Azure)
        case 40501:  // service busy (Azure)
        case 40613:  // database unavailable (Azure)
        case 49918:
        case 49919:
        case 49920:  // too many operations in progress (Azure)
        case 10928:  // resource ID limit reached (Azure SQL Database resource limits)
        case 10929:  // minimum guarantee not available (Azure): retry later
        case 976:    // availability group database not accessible for queries now (secondary)
        case 4221:   // login to a readable secondary waited on its transition to row versions
            return ErrorKind::transient;
        case 8152:  // string or binary data would be truncated
        case 2628:  // same, with the column named (2019+)
        case 241:   // conversion failed for date/time
        case 242:   // out-of-range datetime
        case 8115:  // arithmetic overflow
        case 2627:  // unique/primary key violation
        case 515:   // NULL into NOT NULL column
            return ErrorKind::data;
        case 208:  // invalid object name
        case 207:  // invalid column name
            return ErrorKind::config;
        case 18456:  // login failed
            return ErrorKind::connection;
        default: break;
        }
        if (state == "40001" || (state.size() == 5 && state.substr(0, 2) == "08")) {
            return ErrorKind::transient;
        }
        // Connection resiliency (msodbcsql): IMC01-IMC06, the connection is broken and could
        // not be recovered; the partition starts again on a new connection.
        if (state.size() == 5 && state.substr(0, 4) == "IMC0" && state[4] >= '1' &&
            state[4] <= '6') {
            return ErrorKind::transient;
        }
        return Dialect::classify(state, native);
    }

    ColumnType refine(ColumnType t) const override {
        const std::string native = lower(t.native_name);
        // nvarchar(n) counts UTF-16 units, varchar(n) bytes (nchar and nvarchar (Transact-SQL)).
        if (t.type == Type::text) t.length_in_units = true;
        // tinyint is 0 to 255 (int, bigint, smallint, and tinyint (Transact-SQL)).
        if (t.type == Type::int8 && native == "tinyint") t.is_unsigned = true;
        if (t.type == Type::timestamp && (native == "datetime" || native == "smalldatetime")) {
            t.legacy_datetime = true;
        }
        return t;
    }

    std::string read_only_query() const override {
        return "SELECT CASE WHEN CAST(DATABASEPROPERTYEX(DB_NAME(), 'Updateability') AS "
               "varchar(20)) = 'READ_ONLY' THEN 1 ELSE 0 END";
    }

    std::size_t max_identifier_length() const override { return 128; }
    // time (Transact-SQL): 00:00:00.0000000 through 23:59:59.9999999.
    bool holds_end_of_day() const override { return false; }
    int utf16_units_per_declared_character() const override { return 1; }

    std::vector<std::string> target_session_setup(int lock_timeout) const override {
        std::vector<std::string> out = common_session_setup();
        if (lock_timeout > 0)
            out.push_back("SET LOCK_TIMEOUT " + std::to_string(lock_timeout * 1000LL));
        return out;
    }

    // OBJECT_ID resolves a one-part name through the user's default schema, inside the
    // current database only.
    Query table_exists_query(const QualifiedName& table) const override {
        return {"SELECT 1 FROM sys.objects WHERE object_id = OBJECT_ID(?) AND type IN ('U', 'V')",
                {qualified(table)}};
    }
    Query schema_exists_query(const std::string& schema) const override {
        return {"SELECT 1 FROM sys.schemas WHERE name = ?", {schema}};
    }
    Query primary_key_query(const QualifiedName& table) const override {
        return {"SELECT c.name FROM sys.indexes i JOIN sys.index_columns ic ON ic.object_id = "
                "i.object_id AND ic.index_id = i.index_id JOIN sys.columns c ON c.object_id = "
                "ic.object_id AND c.column_id = ic.column_id WHERE i.object_id = OBJECT_ID(?) AND "
                "i.is_primary_key = 1 ORDER BY ic.key_ordinal",
                {qualified(table)}};
    }
    Query defaulted_columns_query(const QualifiedName& table) const override {
        // rowversion is the system type timestamp (rowversion (Transact-SQL)); it and computed
        // columns take no values (273, 271), an identity takes them under IDENTITY_INSERT.
        // A temporal table's period columns and a ledger table's GENERATED ALWAYS columns take
        // no values either (13536); COLUMNPROPERTY 'GeneratedAlwaysType' is NULL before 2016.
        return {
            "SELECT c.name, CASE WHEN c.is_computed = 1 OR TYPE_NAME(c.system_type_id) = "
            "'timestamp' OR COLUMNPROPERTY(c.object_id, c.name, 'GeneratedAlwaysType') > 0 THEN "
            "'generated' WHEN c.is_identity = 1 THEN 'identity' ELSE 'default' END FROM "
            "sys.columns c "
            "WHERE c.object_id = OBJECT_ID(?) AND (c.default_object_id <> 0 OR c.is_identity = 1 "
            "OR "
            "c.is_computed = 1 OR TYPE_NAME(c.system_type_id) = 'timestamp' OR "
            "COLUMNPROPERTY(c.object_id, c.name, 'GeneratedAlwaysType') > 0)",
            {qualified(table)}};
    }
    // SET IDENTITY_INSERT (Transact-SQL): needs ALTER on the table (or its ownership); one table
    // of a session at a time.
    std::string identity_insert(const QualifiedName& table, bool on) const override {
        return "SET IDENTITY_INSERT " + qualified(table) + (on ? " ON" : " OFF");
    }
    Query identity_insert_allowed_query(const QualifiedName& table) const override {
        return {"SELECT HAS_PERMS_BY_NAME(?, 'OBJECT', 'ALTER')", {qualified(table)}};
    }
    // TRUNCATE TABLE (Transact-SQL): deallocates the pages (a DELETE on a heap leaves them
    // allocated) and logs only the deallocations; rolled back with the swap's transaction. It
    // needs ALTER on the table and is refused for a table that a foreign key or an EDGE
    // constraint references, that an indexed view uses, that is published for replication,
    // system-versioned or tracked by CDC. The common refusals (no ALTER, a foreign key) are
    // asked first; any other is caught: TRUNCATE runs through EXEC, so that even an error of
    // its compilation is caught (TRY...CATCH: errors of a lower execution level), and where the
    // transaction stays committable DELETE ... WITH (TABLOCK) runs instead, which needs DELETE
    // only and on a heap frees the emptied pages too (DELETE (Transact-SQL), locking
    // behaviour). THROW passes on an error that dooms the transaction (SQL Server 2012+).
    std::string empty_table(const QualifiedName& table) const override {
        const std::string name = literal_name(table);
        const std::string del = "DELETE FROM " + qualified(table) + " WITH (TABLOCK)";
        return "IF HAS_PERMS_BY_NAME(N'" + name + "', N'OBJECT', N'ALTER') = 1 AND NOT EXISTS (SELECT 1 "
               "FROM sys.foreign_keys WHERE referenced_object_id = OBJECT_ID(N'" + name + "')) BEGIN "
               "BEGIN TRY EXEC(N'TRUNCATE TABLE " + name + "') END TRY BEGIN CATCH IF XACT_STATE() <> 1 "
               "THROW; " + del + " END CATCH END ELSE " + del;
    }
    // An application lock owned by the session, not waited for (the caller polls, so that
    // cancellation and its own deadline apply); sp_getapplock returns >= 0 when granted. No
    // SET NOCOUNT ON: it would stay on for the session, and FreeTDS then answers every later
    // INSERT with SQL_NO_DATA (no row count); the query skips the row counts before the SELECT.
    Query try_lock_query(const std::string& name, std::int64_t) const override {
        return {
            "DECLARE @r int; EXEC @r = sp_getapplock @Resource = ?, @LockMode = 'Exclusive', "
            "@LockOwner = 'Session', @LockTimeout = 0; SELECT CASE WHEN @r >= 0 THEN 1 ELSE 0 END",
            {name}};
    }
    // sp_releaseapplock returns no result set: its return code is selected, so the release is
    // read like any query and a refusal (-999) is seen (sp_releaseapplock (Transact-SQL)).
    Query unlock_query(const std::string& name, std::int64_t) const override {
        return {
            "DECLARE @r int; EXEC @r = sp_releaseapplock @Resource = ?, @LockOwner = 'Session'; "
            "SELECT CASE WHEN @r >= 0 THEN 1 ELSE 0 END",
            {name}};
    }
    // SELECT INTO copies the listed columns' types, collations and nullability; the UNION ALL
    // keeps an IDENTITY property from being copied, so staging accepts the values the target
    // receives (SELECT - INTO clause). Only the written columns: a target column staging
    // would not receive (an identity or default of the warehouse's own) is not there to be
    // NOT NULL and empty (515).
    std::string create_table_like(const QualifiedName& staging, const QualifiedName& target,
                                  const Schema& columns) const override {
        const std::string list = column_list(columns);
        return "SELECT TOP 0 " + list + " INTO " + qualified(staging) + " FROM " +
               qualified(target) + " UNION ALL SELECT TOP 0 " + list + " FROM " + qualified(target);
    }

private:
    /// [schema].[table] as the body of an N'...' literal: quotes doubled.
    std::string literal_name(const QualifiedName& table) const {
        std::string name;
        for (char c : qualified(table)) {
            name.push_back(c);
            if (c == '\'') name.push_back(c);
        }
        return name;
    }

protected:
    // One table lock instead of row locks. INSERT ... VALUES is fully logged with it too;
    // only INSERT ... SELECT into a heap (the refresh's swap) is minimally logged. Each
    // month's DELETE holds IX on the table, so two writers of one table with TABLOCK would
    // deadlock: the orchestrator runs one partition per table at a time when it is set
    // (Target::max_writers_per_table).
    std::string table_lock_hint() const override { return " WITH (TABLOCK)"; }
    std::string primary_key_kind(bool partition_index_follows) const override {
        return partition_index_follows ? "NONCLUSTERED " : std::string();
    }
    char open_quote() const override { return '['; }
    char close_quote() const override { return ']'; }
};

}  // namespace

DialectEntry sqlserver_dialect_entry() {
    return {"sqlserver",
            [](std::string_view n) {
                return n.find("sql server") != std::string_view::npos;
            },
            [](std::string_view d) {
                return d.find("sql server") != std::string_view::npos || d.find("tds") != std::string_view::npos ||
                       d.find("msodbcsql") != std::string_view::npos;
            },
            []() -> std::unique_ptr<Dialect> { return std::make_unique<SqlServerDialect>(); }};
}

}  // namespace replicate::detail
