#include "pq.hpp"

#include <algorithm>

#include <replicate/error.hpp>

#include "../log.hpp"
#include "../text.hpp"

namespace replicate::pg {

namespace {

std::optional<std::string> first_attribute(const std::string& connection,
                                           std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
        if (auto v = detail::connection_attribute(connection, k)) {
            if (!v->empty()) return v;
        }
    }
    return std::nullopt;
}


std::string message_of(PGconn* conn, const PGresult* r) {
    const char* m = r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn);
    std::string s = detail::single_line(m != nullptr ? m : "");
    return s.empty() ? std::string("no message from the server") : s;
}

}  // namespace

const Dialect& dialect() {
    static const std::unique_ptr<Dialect> d = make_dialect("postgresql");
    return *d;
}

std::optional<std::vector<std::pair<std::string, std::string>>> libpq_parameters(
    const std::string& odbc, int connect_timeout_seconds) {
    const auto driver = detail::connection_attribute(odbc, "driver");
    if (!driver) return std::nullopt;
    const std::string d = detail::lower(*driver);
    if (d.find("postgres") == std::string::npos && d.find("psqlodbc") == std::string::npos) {
        return std::nullopt;
    }
    const auto host = first_attribute(odbc, {"server", "servername", "host"});
    const auto database = first_attribute(odbc, {"database", "db", "dbname"});
    if (!host || !database) return std::nullopt;
    std::vector<std::pair<std::string, std::string>> out{{"host", *host}, {"dbname", *database}};
    if (auto v = first_attribute(odbc, {"port"})) out.emplace_back("port", *v);
    if (auto v = first_attribute(odbc, {"uid", "username", "user"})) out.emplace_back("user", *v);
    if (auto v = first_attribute(odbc, {"pwd", "password"})) out.emplace_back("password", *v);
    if (auto v = first_attribute(odbc, {"sslmode"})) out.emplace_back("sslmode", *v);
    out.emplace_back("connect_timeout", std::to_string(std::max(1, connect_timeout_seconds)));
    // Text crosses as UTF-8 whatever the server's or the machine's default.
    out.emplace_back("client_encoding", "UTF8");
    return out;
}

std::string numbered_placeholders(const std::string& sql) {
    std::string out;
    out.reserve(sql.size() + 8);
    int n = 0;
    char quote = 0;
    for (char c : sql) {
        if (quote != 0) {
            if (c == quote) quote = 0;
            out += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            out += c;
        } else if (c == '?') {
            out += '$' + std::to_string(++n);
        } else {
            out += c;
        }
    }
    return out;
}

Connection::Connection(const std::vector<std::pair<std::string, std::string>>& parameters,
                       const std::vector<std::string>& setup, const std::string& side,
                       detail::CancelRegistry* registry) {
    std::vector<const char*> keys;
    std::vector<const char*> values;
    std::string password;
    for (const auto& [k, v] : parameters) {
        keys.push_back(k.c_str());
        values.push_back(v.c_str());
        if (k == "password") password = v;
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    conn_ = PQconnectdbParams(keys.data(), values.data(), 0);
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
        std::string m = conn_ != nullptr ? message_of(conn_, nullptr) : "out of memory";
        if (!password.empty()) {
            for (std::size_t p = m.find(password); p != std::string::npos; p = m.find(password)) {
                m.replace(p, password.size(), "***");
            }
        }
        PQfinish(conn_);
        conn_ = nullptr;
        throw Error(ErrorKind::connection, "cannot connect to the " + side +
                                               " database through libpq: " + m +
                                               " (check the connection string, host, credentials)");
    }
    // Notices ("table ... does not exist, skipping") go to the debug log, not to stderr.
    PQsetNoticeProcessor(
        conn_, [](void*, const char* message) {
            REPLICATE_LOG(debug) << "server notice: " << detail::single_line(message);
        },
        nullptr);
    database_ = PQdb(conn_);
    cancel_ = PQgetCancel(conn_);
    try {
        for (const std::string& sql : setup) exec(sql, {}, "setting up the " + side + " session");
    } catch (...) {
        PQfreeCancel(cancel_);
        PQfinish(conn_);
        throw;
    }
    registration_ = std::make_unique<detail::Registration>(registry, this);
}

Connection::~Connection() {
    registration_.reset();
    rollback();
    {
        std::lock_guard<std::mutex> lock(cancel_mutex_);
        if (cancel_ != nullptr) PQfreeCancel(cancel_);
        cancel_ = nullptr;
    }
    PQfinish(conn_);
}

void Connection::fail(const std::string& what, const char* sqlstate) {
    const bool lost = PQstatus(conn_) != CONNECTION_OK;
    const std::string state = sqlstate != nullptr ? sqlstate : (lost ? "08006" : "");
    // A connection lost after it was open is worth retrying (ErrorKind::transient), whatever
    // the server managed to say.
    const ErrorKind kind = lost ? ErrorKind::transient : dialect().classify(state, 0);
    std::string message = (what.empty() ? std::string() : what + ": ") +
                          (state.empty() ? std::string() : "[" + state + "] ") +
                          message_of(conn_, nullptr);
    throw Error(kind, std::move(message), state);
}

Result Connection::check(Result r, const std::string& what) {
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN ||
        st == PGRES_COPY_OUT || st == PGRES_SINGLE_TUPLE) {
        return r;
    }
    const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    const bool lost = PQstatus(conn_) != CONNECTION_OK;
    const std::string s = state != nullptr ? state : (lost ? "08006" : "");
    const ErrorKind kind = lost ? ErrorKind::transient : dialect().classify(s, 0);
    std::string message = (what.empty() ? std::string() : what + ": ") +
                          (s.empty() ? std::string() : "[" + s + "] ") + message_of(conn_, r.get());
    throw Error(kind, std::move(message), s);
}

Result Connection::exec(const std::string& sql,
                        const std::vector<std::optional<std::string>>& params,
                        const std::string& what, bool binary_results) {
    if (params.empty() && !binary_results) return check(Result(PQexec(conn_, sql.c_str())), what);
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    const std::string text = numbered_placeholders(sql);
    return check(Result(PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                                     values.data(), nullptr, nullptr, binary_results ? 1 : 0)),
                 what);
}

void Connection::begin(const std::string& statement) {
    exec(statement, {}, "cannot begin a transaction");
    in_transaction_ = true;
}

void Connection::commit() {
    in_transaction_ = false;
    exec("COMMIT", {}, "commit failed");
}

void Connection::rollback() noexcept {
    if (conn_ == nullptr) return;
    in_transaction_ = false;
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
    if (PQtransactionStatus(conn_) == PQTRANS_ACTIVE) {
        // A COPY or a result still in flight: end it before the ROLLBACK.
        PQputCopyEnd(conn_, "rolled back");
        while (PGresult* r = PQgetResult(conn_)) PQclear(r);
    }
    PQclear(PQexec(conn_, "ROLLBACK"));
}

void Connection::cancel() noexcept {
    std::lock_guard<std::mutex> lock(cancel_mutex_);
    if (cancel_ == nullptr) return;
    char buf[256];
    PQcancel(cancel_, buf, sizeof buf);
}

}  // namespace replicate::pg
