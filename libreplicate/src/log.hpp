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

}  // namespace replicate::detail

#define REPLICATE_LOG(level)                                                   \
    if (!::replicate::detail::log_enabled(::boost::log::trivial::level)) {    \
    } else                                                                     \
        BOOST_LOG_SEV(::replicate::detail::logger(), ::boost::log::trivial::level)
