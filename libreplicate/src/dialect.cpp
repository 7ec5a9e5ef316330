#include "dialect.hpp"

#include <replicate/calendar.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <optional>

#include "columns.hpp"
#include "text.hpp"

namespace replicate {


std::string Dialect::quote(std::string_view id) const {
    if (id.empty()) throw Error(ErrorKind::config, "an empty name cannot be quoted");
    for (unsigned char c : id) {
        if (c < 0x20 || c == 0x7f) {
            throw Error(ErrorKind::config, "name '" + detail::printable(id) +
                                               "' contains a control character: rename it");
        }
    }
    std::string out(1, open_quote());
    for (char c : id) {
        out.push_back(c);
        if (c == close_quote()) out.push_back(c);
    }
    out.push_back(close_quote());
    return out;
}

std::string Dialect::qualified(const QualifiedName& name) const {
    return name.schema.empty() ? quote(name.table) : quote(name.schema) + "." + quote(name.table);
}

std::string Dialect::column_list(const Schema& schema) const {
    std::string out;
    for (const Column& c : schema) {
        if (!out.empty()) out += ", ";
        out += quote(c.name);
    }
    return out;
}

std::string Dialect::create_table(const QualifiedName& table, const Schema& schema) const {
    std::string sql = "CREATE TABLE " + qualified(table) + " (";
    for (std::size_t i = 0; i < schema.size(); ++i) {
        if (i) sql += ", ";
        sql += quote(schema[i].name) + " " + column_type(schema[i].type);
        if (!schema[i].type.nullable) sql += " NOT NULL";
    }
    return sql + ")";
}

std::string Dialect::create_table(const QualifiedName& table, const Schema& schema,
                                  const std::vector<std::string>& primary_key,
                                  bool partition_index_follows) const {
    std::string sql = create_table(table, schema);
    if (primary_key.empty()) return sql;
    sql.pop_back();
    sql += ", PRIMARY KEY " + primary_key_kind(partition_index_follows) + "(";
    for (std::size_t i = 0; i < primary_key.size(); ++i) {
        sql += (i ? ", " : "") + quote(primary_key[i]);
    }
    return sql + "))";
}

std::string Dialect::create_table_like(const QualifiedName& staging, const QualifiedName& target,
                                       const Schema& columns) const {
    // The listed columns with their types (CREATE TABLE AS keeps types and typmods, not
    // constraints, identities or defaults: an identity staging does not receive stays empty).
    return "CREATE TABLE " + qualified(staging) + " AS SELECT " + column_list(columns) + " FROM " +
           qualified(target) + " WITH NO DATA";
}

std::string Dialect::index_name(const QualifiedName& table, const std::string& column) const {
    // Index names are per schema on most DBMSs, so they carry the table name; long names are
    // cut and made unique again with a hash of the full name.
    std::string name = "ix_" + table.table + "_" + column;
    if (name.size() > max_identifier_length()) {
        char hash[12];
        std::snprintf(hash, sizeof hash, "_%08zx", std::hash<std::string>{}(name) & 0xffffffffu);
        name = name.substr(0, max_identifier_length() - 9) + hash;
    }
    return name;
}

std::string Dialect::create_index(const QualifiedName& table, const std::string& column) const {
    const std::string name = index_name(table, column);
    return "CREATE INDEX " + quote(name) + " ON " + qualified(table) + " (" + quote(column) + ")";
}

std::string Dialect::add_column(const QualifiedName& table, const Column& column) const {
    return "ALTER TABLE " + qualified(table) + " ADD COLUMN " + quote(column.name) + " " +
           column_type(column.type);
}

std::string Dialect::drop_table_if_exists(const QualifiedName& table) const {
    return "DROP TABLE IF EXISTS " + qualified(table);
}

std::string Dialect::select_expression(const std::string& quoted_column, const ColumnType&) const {
    return quoted_column;
}

namespace {
std::string where(const Dialect& d, const std::string& column, RowFilter filter,
                  const std::pair<Timestamp, Timestamp>* literal = nullptr,
                  const ColumnType* type = nullptr) {
    if (column.empty()) return {};
    const std::string q = d.quote(column);
    if (filter == RowFilter::is_null) return " WHERE " + q + " IS NULL";
    if (literal != nullptr) {
        return " WHERE " + q + " >= '" + bound_text(literal->first) + "' AND " + q + " < '" +
               bound_text(literal->second) + "'";
    }
    const std::string marker = d.range_parameter(type);
    return " WHERE " + q + " >= " + marker + " AND " + q + " < " + marker;
}

/// The statement hint of a range statement (Dialect::range_statement_hint), which ends it.
std::string hint(const Dialect& d, const std::string& column, RowFilter filter) {
    return column.empty() || filter != RowFilter::range ? std::string() : d.range_statement_hint();
}

const ColumnType* type_of(const Schema& schema, const std::string& column, const Dialect& d) {
    const Column* c = column.empty() ? nullptr : detail::find_column(schema, column, d.case_sensitive_names());
    return c != nullptr ? &c->type : nullptr;
}
}  // namespace

std::string Dialect::select(const QualifiedName& table, const Schema& schema,
                            const std::string& partition_column, RowFilter filter,
                            const std::pair<Timestamp, Timestamp>* literal_bounds,
                            const std::string& tail) const {
    std::string list;
    for (const Column& c : schema) {
        if (!list.empty()) list += ", ";
        list += select_expression(quote(c.name), c.type);
    }
    return "SELECT " + list + " FROM " + qualified(table) +
           where(*this, partition_column, filter, literal_bounds, type_of(schema, partition_column, *this)) +
           tail + hint(*this, partition_column, filter);
}

std::string Dialect::count(const QualifiedName& table, const std::string& partition_column,
                           RowFilter filter, const std::pair<Timestamp, Timestamp>* literal_bounds,
                           const ColumnType* column_type) const {
    return "SELECT " + count_all() + " FROM " + qualified(table) +
           where(*this, partition_column, filter, literal_bounds, column_type) +
           hint(*this, partition_column, filter);
}

std::string Dialect::count_null(const QualifiedName& table, const std::string& column) const {
    return "SELECT " + count_all() + " FROM " + qualified(table) + " WHERE " + quote(column) +
           " IS NULL";
}

std::string Dialect::delete_rows(const QualifiedName& table, const std::string& partition_column,
                                 RowFilter filter, const ColumnType* column_type) const {
    return "DELETE FROM " + qualified(table) +
           where(*this, partition_column, filter, nullptr, column_type) +
           hint(*this, partition_column, filter);
}

std::string Dialect::insert(const QualifiedName& table, const Schema& schema, bool table_lock,
                            const std::vector<std::string>* markers) const {
    std::string marks;
    for (std::size_t i = 0; i < schema.size(); ++i) {
        marks += (i ? ", " : "") +
                 (markers != nullptr && i < markers->size() ? (*markers)[i] : std::string("?"));
    }
    return "INSERT INTO " + qualified(table) + (table_lock ? table_lock_hint() : std::string()) +
           " (" + column_list(schema) + ") VALUES (" + marks + ")";
}

std::string Dialect::insert_select(const QualifiedName& into, const QualifiedName& from,
                                   const Schema& columns, bool table_lock) const {
    const std::string cols = column_list(columns);
    return "INSERT INTO " + qualified(into) + (table_lock ? table_lock_hint() : std::string()) +
           " (" + cols + ") SELECT " + cols + " FROM " + qualified(from);
}

std::string Dialect::describe(const QualifiedName& table) const {
    return "SELECT * FROM " + qualified(table) + " WHERE 1 = 0";
}

std::string Dialect::select_one(const QualifiedName& table) const {
    return "SELECT * FROM " + qualified(table) + " LIMIT 1";
}

RangeBinding Dialect::range_binding(const ColumnType& t) const {
    if (t.type == Type::text) return RangeBinding::iso_text;  // date_column_format: ISO text
    return t.type == Type::date ? RangeBinding::date : RangeBinding::timestamp;
}

std::vector<std::string> Dialect::source_session_setup(Isolation, int) const { return {}; }

ErrorKind Dialect::classify(std::string_view state, long) const { return classify_sqlstate(state); }

ReadPlan plan_reads(Isolation requested, const Dialect& d,
                    const std::optional<ReadVersioning>& versioning, const std::string& database) {
    ReadPlan plan;
    const bool can_lock = !d.read_versioning_query().empty();
    const bool snapshot_allowed = versioning && versioning->snapshot_allowed;
    const bool rcsi = versioning && versioning->read_committed_snapshot;
    const bool read_only = versioning && versioning->read_only;
    if (requested == Isolation::snapshot && can_lock && !snapshot_allowed) {
        throw Error(ErrorKind::config,
                    "[source] isolation = \"snapshot\", but database " + database +
                        (versioning ? " does not allow snapshot isolation"
                                    : " could not be asked whether it allows snapshot isolation "
                                      "(sys.databases)") +
                        ": ask for ALTER DATABASE ... SET ALLOW_SNAPSHOT_ISOLATION ON, or set "
                        "isolation = \"auto\"");
    }
    plan.isolation = requested;
    if (requested == Isolation::automatic) {
        plan.isolation = can_lock && snapshot_allowed ? Isolation::snapshot : Isolation::read_committed;
    }
    ReadConsistency& c = plan.consistency;
    switch (plan.isolation) {
    case Isolation::snapshot: c.isolation = "snapshot"; break;
    case Isolation::read_uncommitted: c.isolation = "read uncommitted"; break;
    case Isolation::automatic:
    case Isolation::read_committed:
        c.isolation = !can_lock ? "read committed"
                      : read_only
                          ? "read committed (row versions: a read-only database or secondary)"
                      : rcsi ? "read committed (row versions)"
                             : "read committed (locking)";
        c.locking = can_lock && !rcsi && !read_only;
        break;
    }
    if (c.locking) {
        c.advice = std::string(versioning ? "" : "sys.databases could not be read, so ") +
                   "a month's read can hold shared locks that block the source's writers while "
                   "the target is written; allow snapshot isolation on " + database +
                   " (ALTER DATABASE ... SET ALLOW_SNAPSHOT_ISOLATION ON: reads then use it by "
                   "themselves) or read a readable secondary with ApplicationIntent=ReadOnly";
    }
    return plan;
}

ErrorKind classify_sqlstate(std::string_view state) {
    if (state.size() != 5) return ErrorKind::internal;
    const std::string_view cls = state.substr(0, 2);
    if (cls == "08" || cls == "28") return ErrorKind::connection;
    if (cls == "40" || state == "HYT00" || state == "HYT01") return ErrorKind::transient;
    if (cls == "22" || cls == "23") return ErrorKind::data;
    if (cls == "42" || state == "3F000" || state == "3D000") return ErrorKind::config;
    return ErrorKind::internal;
}

}  // namespace replicate
