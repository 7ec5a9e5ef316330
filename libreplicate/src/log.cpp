#include "log.hpp"

#include <boost/log/keywords/channel.hpp>

namespace replicate::detail {

Logger& logger() {
    static Logger instance(boost::log::keywords::channel = std::string("replicate"));
    return instance;
}

}  // namespace replicate::detail
