#pragma once
// Runs a test once per I/O backend: every network test is the same on epoll and io_uring.
#include <string>

#include <gtest/gtest.h>

#include <corio/core.hpp>

namespace corio_test {

class on_each_backend : public ::testing::TestWithParam<corio::io_backend_kind> {
protected:
    [[nodiscard]] corio::loop_options options() const {
        corio::loop_options o;
        o.backend = GetParam();
        return o;
    }
    /// Runs `main` to completion on a new loop of this test's backend.
    template <class T>
    T run(corio::task<T> main) {
        return corio::run(std::move(main), options());
    }
};

inline std::string backend_label(const ::testing::TestParamInfo<corio::io_backend_kind>& info) {
    return info.param == corio::io_backend_kind::epoll ? "epoll" : "io_uring";
}

}  // namespace corio_test

/// Instantiates the parameterized suite `suite` for both backends.
#define CORIO_ON_EACH_BACKEND(suite)                                                        \
    INSTANTIATE_TEST_SUITE_P(                                                               \
        backends, suite,                                                                    \
        ::testing::Values(corio::io_backend_kind::epoll, corio::io_backend_kind::io_uring), \
        corio_test::backend_label)
