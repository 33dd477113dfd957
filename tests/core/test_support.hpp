#pragma once
// Shared helpers of the core tests: the old names of what is now the public testing kit
// (include/corio/testing.hpp). New tests may use corio::testing directly.
#include <corio/core.hpp>
#include <corio/testing.hpp>

namespace corio_test {

/// Loop options for tests: virtual time, so sleeps of hours finish at once and deterministically.
using corio::testing::virtual_time;

/// Runs `main` on a virtual-time loop.
using corio::testing::run_virtual;

/// Collects reports sent to a loop's exception handler (`messages`, `task_names`, `install`).
using handler_log = corio::testing::exception_log;

}  // namespace corio_test
