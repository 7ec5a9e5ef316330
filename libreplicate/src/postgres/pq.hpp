#pragma once
// PostgreSQL's own protocol through libpq: the native data path (binary cursor reads, COPY
// writes). The control plane of an endpoint stays on ODBC; this carries the rows.

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <replicate/options.hpp>

#include "../endpoint.hpp"
#include "../dialect.hpp"

#include "../cancel.hpp"

namespace replicate::pg {

/// The PostgreSQL dialect, for the statements the native path runs.
const Dialect& dialect();

/// The libpq connection parameters (keyword, value) an ODBC connection string for psqlODBC
/// stands for, or nullopt when it names no PostgreSQL driver or lacks what libpq needs (a DSN
/// alone: its settings live in odbc.ini, and the password may be held by the driver).
std::optional<std::vector<std::pair<std::string, std::string>>> libpq_parameters(
    const std::string& odbc_connection, int connect_timeout_seconds);

/// A result owned; freed on destruction.
struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

/// One libpq connection. Not thread-safe, except cancel().
class Connection final : public detail::Cancellable {
public:
    /// Connects with \p parameters and runs \p setup. Throws Error(kind connection); messages
    /// never hold the password.
    Connection(const std::vector<std::pair<std::string, std::string>>& parameters,
               const std::vector<std::string>& setup, const std::string& side,
               detail::CancelRegistry* registry = nullptr);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    PGconn* get() const { return conn_; }
    const std::string& database() const { return database_; }
    /// Runs \p sql with text parameters ('?' in \p sql is rewritten to $1, $2, ...; a
    /// nullopt parameter is NULL). Throws Error classified by SQLSTATE, prefixed with \p what.
    Result exec(const std::string& sql, const std::vector<std::optional<std::string>>& params = {},
                const std::string& what = {}, bool binary_results = false);
    /// Checks \p r (a result of this connection); throws as exec() does.
    Result check(Result r, const std::string& what);
    /// Throws the Error for the connection's last error message (no result available).
    [[noreturn]] void fail(const std::string& what, const char* sqlstate = nullptr);

    void begin(const std::string& statement = "BEGIN");
    void commit();
    void rollback() noexcept;
    bool in_transaction() const { return in_transaction_; }
    /// Asks the server to cancel the running statement. Thread-safe.
    void cancel() noexcept override;

private:
    PGconn* conn_ = nullptr;
    std::string database_;
    std::mutex cancel_mutex_;
    PGcancel* cancel_ = nullptr;
    bool in_transaction_ = false;
    std::unique_ptr<detail::Registration> registration_;  // last: registered once connected
};

/// '?' placeholders (outside quotes) as $1, $2, ...
std::string numbered_placeholders(const std::string& sql);

}  // namespace replicate::pg
