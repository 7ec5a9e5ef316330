#pragma once
// The library's one logging channel ("replicate"). The library never installs sinks: without a
// sink configured by the application, Boost.Log's default prints to the console at info level.

#include <string>

#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_channel_logger.hpp>
#include <boost/log/trivial.hpp>

namespace replicate::detail {

using Logger = boost::log::sources::severity_channel_logger_mt<boost::log::trivial::severity_level,
                                                               std::string>;
Logger& logger();
/// True if records of \p level pass the library's threshold (see replicate/log_level.hpp).
bool log_enabled(boost::log::trivial::severity_level level);

/// While alive, every record logged by this thread carries the attributes "Table" (the
/// source table) and "Range" (the partition's label), for structured logs.
class LogScope {
public:
    LogScope(const std::string& table, const std::string& range);
    ~LogScope();
    LogScope(const LogScope&) = delete;
    LogScope& operator=(const LogScope&) = delete;

private:
    struct Impl;
    Impl* impl_;
};

}  // namespace replicate::detail

#define REPLICATE_LOG(level)                                                   \
    if (!::replicate::detail::log_enabled(::boost::log::trivial::level)) {    \
    } else                                                                     \
        BOOST_LOG_SEV(::replicate::detail::logger(), ::boost::log::trivial::level)
