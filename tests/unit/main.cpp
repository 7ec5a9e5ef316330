#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <boost/log/core.hpp>

#include "../support/nonempty_run.hpp"

int main(int argc, char** argv) {
    // The library logs through Boost.Log; tests keep the console quiet unless asked.
    if (std::getenv("REPLICATE_TEST_LOG") == nullptr) boost::log::core::get()->set_logging_enabled(false);
    doctest::Context context(argc, argv);
    return nonempty_run::run_nonempty(context);
}
