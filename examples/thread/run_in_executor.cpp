// Seed 000's IO-bound case with a blocking API: a legacy call that blocks its thread (here, a
// read that waits for a "device") runs on the loop's default executor through run_in_executor,
// while a task on the loop keeps ticking; then to_thread does the same in asyncio's newer
// spelling, and a failure in the blocking call comes out of the co_await.
//
// The device is a semaphore the ticking task signals after three ticks: the read can only
// finish if the loop kept running tasks while the read blocked a thread, and the transcript is
// the same on every run.

#include <chrono>
#include <functional>
#include <iostream>
#include <semaphore>
#include <stdexcept>
#include <string>

#include <corio/core.hpp>
#include <corio/thread.hpp>

#include "example.hpp"

namespace {

using namespace std::chrono_literals;

/// A blocking call from a library that knows nothing of corio: it waits for the device.
std::string blocking_read(std::binary_semaphore& device) {
    device.acquire();
    return "42 bytes from the device";
}

int parse_reading(const std::string& text) {
    if (text.empty()) throw std::invalid_argument("empty reading");
    return static_cast<int>(text.size());
}

corio::task<void> main_task() {
    corio::event_loop& loop = corio::get_running_loop();
    std::binary_semaphore device(0);

    // asyncio: loop.run_in_executor(None, blocking_read, device)
    corio::concurrent_future<std::string> reading =
        loop.run_in_executor(corio::default_executor, blocking_read, std::ref(device));
    for (int tick = 1; tick <= 3; ++tick) {
        std::cout << "the loop is free: tick " << tick << '\n';
        co_await corio::sleep(10ms);
    }
    device.release();  // the device answers
    std::cout << "read: " << co_await reading << '\n';

    // asyncio: await asyncio.to_thread(parse_reading, text)
    std::cout << "parsed length: " << co_await corio::to_thread(parse_reading, std::string("abc"))
              << '\n';
    try {
        co_await corio::to_thread(parse_reading, std::string());
    } catch (const std::invalid_argument& e) {
        std::cout << "the blocking call failed: " << e.what() << '\n';
    }
}

}  // namespace

CORIO_EXAMPLE(run_in_executor) { corio::run(main_task()); }
