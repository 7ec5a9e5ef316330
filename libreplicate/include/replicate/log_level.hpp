#pragma once
/// \file log_level.hpp
/// The library logs through Boost.Log on the channel "replicate" and never installs sinks.
/// Without a sink Boost.Log prints every record to std::clog, so the library also keeps its
/// own threshold: records below it are not emitted at all. Default: info.

namespace replicate {

enum class LogLevel { trace, debug, info, warning, error };

/// Sets the library's threshold. Thread-safe.
void set_log_level(LogLevel level);
LogLevel log_level();

}  // namespace replicate
