#pragma once
#include <functional>

#include <doctest/doctest.h>

#include <replicate/error.hpp>
#include <replicate/orchestrator.hpp>
#include <replicate/partition.hpp>
#include <replicate/types.hpp>

namespace doctest {
template <> struct StringMaker<replicate::Date> {
    static String convert(const replicate::Date& d) { return d.to_string().c_str(); }
};
}  // namespace doctest

namespace test {

/// The kind of the Error \p fn throws; fails the test if it throws nothing or something else.
inline replicate::ErrorKind error_kind(const std::function<void()>& fn, std::string* message = nullptr) {
    try {
        fn();
    } catch (const replicate::Error& e) {
        if (message) *message = e.what();
        return e.kind();
    } catch (const std::exception& e) {
        FAIL("expected replicate::Error, got: " << e.what());
    }
    FAIL("expected replicate::Error, nothing was thrown");
    return replicate::ErrorKind::internal;
}

inline replicate::Date d(const char* s) { return replicate::Date::parse(s); }

}  // namespace test
