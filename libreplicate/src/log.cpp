#include "log.hpp"

#include <atomic>

#include <replicate/log_level.hpp>

#include <boost/log/keywords/channel.hpp>

namespace replicate::detail {

Logger& logger() {
    static Logger instance(boost::log::keywords::channel = std::string("replicate"));
    return instance;
}

namespace {
std::atomic<int> threshold{static_cast<int>(LogLevel::info)};
}  // namespace

bool log_enabled(boost::log::trivial::severity_level level) {
    // boost::log::trivial's levels are trace, debug, info, warning, error, fatal: same order.
    return static_cast<int>(level) >= threshold.load(std::memory_order_relaxed);
}

}  // namespace replicate::detail

namespace replicate {

void set_log_level(LogLevel level) {
    detail::threshold.store(static_cast<int>(level), std::memory_order_relaxed);
}

LogLevel log_level() { return static_cast<LogLevel>(detail::threshold.load()); }

}  // namespace replicate
