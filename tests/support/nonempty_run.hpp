#pragma once
// doctest 2.4.9 exits 0 when --test-case matches nothing, so a renamed test case would turn
// every ctest entry that filters on it green without running anything. run_nonempty() runs
// the context and fails (exit 1, with the reason) when no test case ran.
// Include after DOCTEST_CONFIG_IMPLEMENT and <doctest/doctest.h>, in the file with main().
#include <iostream>

namespace nonempty_run {

inline int& ran() {
    static int n = -1;
    return n;
}

/// Records how many test cases passed the filters; reports nothing itself.
struct Counter : doctest::IReporter {
    explicit Counter(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats& s) override {
        ran() = static_cast<int>(s.numTestCasesPassingFilters);
    }
    void test_case_start(const doctest::TestCaseData&) override {}
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};
REGISTER_LISTENER("nonempty_run", 1, Counter);

inline int run_nonempty(doctest::Context& context) {
    const int rc = context.run();
    if (context.shouldExit()) return rc;  // --help, --list-test-cases and the like
    if (ran() == 0) {
        std::cout << "FAILED: no test case matched the filters; a renamed test would pass by "
                     "running nothing\n";
        return 1;
    }
    return rc;
}

}  // namespace nonempty_run
