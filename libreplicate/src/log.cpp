#include "log.hpp"

#include <atomic>

#include <replicate/log_level.hpp>

#include <boost/log/attributes/constant.hpp>
#include <boost/log/core.hpp>
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

struct LogScope::Impl {
    boost::log::attribute_set::iterator table;
    boost::log::attribute_set::iterator range;
    bool added_table = false;
    bool added_range = false;
};

LogScope::LogScope(const std::string& table, const std::string& range) : impl_(new Impl) {
    auto core = boost::log::core::get();
    auto t = core->add_thread_attribute("Table", boost::log::attributes::constant<std::string>(table));
    auto r = core->add_thread_attribute("Range", boost::log::attributes::constant<std::string>(range));
    impl_->table = t.first;
    impl_->added_table = t.second;
    impl_->range = r.first;
    impl_->added_range = r.second;
}

LogScope::~LogScope() {
    auto core = boost::log::core::get();
    if (impl_->added_table) core->remove_thread_attribute(impl_->table);
    if (impl_->added_range) core->remove_thread_attribute(impl_->range);
    delete impl_;
}

}  // namespace replicate::detail

namespace replicate {

void set_log_level(LogLevel level) {
    detail::threshold.store(static_cast<int>(level), std::memory_order_relaxed);
}

LogLevel log_level() { return static_cast<LogLevel>(detail::threshold.load()); }

}  // namespace replicate
