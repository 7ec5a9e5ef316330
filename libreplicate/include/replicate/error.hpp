#pragma once
/// \file error.hpp
/// The one exception type of the library.

#include <stdexcept>
#include <string>
#include <string_view>

namespace replicate {

/// What a caller needs to decide what to do. Retry decisions read this, never message text.
enum class ErrorKind {
    config,      ///< bad job file, option, name or date: fix the input
    connection,  ///< could not reach or log into a database
    transient,   ///< deadlock, serialization failure, lost connection: worth retrying
    data,        ///< a value does not fit (truncation, overflow, bad date): never retried
    busy,        ///< another run is writing the same rows and did not finish in time
    cancelled,   ///< the run was interrupted
    internal,    ///< a bug or an unexpected driver answer
};

std::string_view to_string(ErrorKind k);

/// An error with its kind, the SQLSTATE and native code when it came from a driver, and
/// context (table, partition, column) added as it travels up. Messages never hold secrets:
/// connection strings are masked before they are put in one.
class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, std::string message, std::string sqlstate = {}, long native_code = 0);

    ErrorKind kind() const noexcept { return kind_; }
    const std::string& sqlstate() const noexcept { return sqlstate_; }
    long native_code() const noexcept { return native_code_; }

    /// A copy with "context: " put in front of the message, same kind and codes.
    Error with_context(std::string_view context) const;

private:
    ErrorKind kind_;
    std::string sqlstate_;
    long native_code_;
};

/// The SQLSTATE of a transient Error that asks for its partition to be read again at once, not
/// counted as a failed attempt: a reader met a value longer than its buffer, cut nothing, and
/// learned what the next read needs (ODBC's 01004 is "string data, right truncated"). An
/// embedder that reads a BatchReader itself reads again on it.
inline constexpr std::string_view read_again_sqlstate = "01004";
/// True for an Error that asks for its partition to be read again (read_again_sqlstate).
inline bool is_read_again(const Error& e) {
    return e.kind() == ErrorKind::transient && e.sqlstate() == read_again_sqlstate;
}

/// Returns \p connection with the value of every secret attribute (PWD, Password, Token,
/// AccessToken, ClientSecret, case-insensitive, braced values included) replaced by "***".
std::string mask_connection_string(std::string_view connection);

}  // namespace replicate
