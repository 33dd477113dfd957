#pragma once
/// @file
/// `corio::loop_options`: how an `event_loop` is built (its clock, debug mode and I/O backend).

#include <chrono>
#include <cstdint>

#include <corio/core/clock.hpp>

namespace corio {

/// Which clock a loop's `time()` reads.
enum class clock_mode : std::uint8_t {
    monotonic,     ///< the real monotonic clock (`std::chrono::steady_clock`)
    virtual_time,  ///< starts at zero; jumps to the next timer whenever nothing else can run
};

/// Whether a loop runs in debug mode (asyncio's `loop.set_debug`).
enum class debug_mode : std::uint8_t {
    from_environment,  ///< on if the environment variable `CORIO_DEBUG` is set to `1`
    off,
    on,
};

/// Which I/O backend a loop uses (`loop_options::backend`, `event_loop::backend_name`).
enum class io_backend_kind : std::uint8_t {
    /// io_uring when the kernel allows it, else epoll; the environment variable
    /// `CORIO_BACKEND=epoll|io_uring` forces one.
    automatic,
    epoll,     ///< readiness emulating operations: works wherever Linux does
    io_uring,  ///< the kernel's own operations; the loop fails to start if it is refused
};

/// How to build an `event_loop`.
///
/// Example: `corio::run(main(), {.clock = corio::clock_mode::monotonic, .backend =
/// corio::io_backend_kind::epoll});`
struct loop_options {
    clock_mode clock = clock_mode::monotonic;
    io_backend_kind backend = io_backend_kind::automatic;
    debug_mode debug = debug_mode::from_environment;
    /// In debug mode, callbacks and task steps running longer than this are reported.
    duration slow_callback_duration = std::chrono::milliseconds(100);
};

}  // namespace corio
