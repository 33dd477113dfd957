// Seed: "Параллелизм в Python" — three workers sleeping 2, 2 and 1 seconds on one event loop, and
// a callback run when a task is done.
//
// Times are printed to the tenth of a second (the seed prints every digit of time.time()).

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <corio/core.hpp>

#include "example.hpp"

namespace {

using namespace std::chrono_literals;

std::string log_time(corio::time_point start) {
    const double s =
        std::chrono::duration<double>(corio::get_running_loop().time() - start).count();
    char text[48];
    std::snprintf(text, sizeof text, "%.1f seconds from start", s);
    return text;
}

corio::task<void> worker(std::string name, corio::duration d, corio::time_point start) {
    std::printf("%s starting\n", name.c_str());
    co_await corio::sleep(d);
    std::printf("%s exiting. %s\n", name.c_str(), log_time(start).c_str());
}

corio::task<void> three_workers() {
    const auto start = corio::get_running_loop().time();
    std::vector<corio::task_handle<void>> tasks;
    tasks.push_back(corio::create_task(worker("Worker1", 2s, start)));
    tasks.push_back(corio::create_task(worker("Worker2", 2s, start)));
    tasks.push_back(corio::create_task(worker("Worker3", 1s, start)));
    for (auto& t : tasks) co_await t;
}

corio::task<void> with_callback() {
    const auto start = corio::get_running_loop().time();
    std::printf("Hello from the first line %s\n", log_time(start).c_str());
    auto t = corio::create_task(worker("Worker1", 2s, start));
    t.add_done_callback([start](corio::task_handle<void>&) {
        std::printf("Hello from callback %s\n", log_time(start).c_str());
    });
    std::printf("Hello from the last line %s\n", log_time(start).c_str());
    co_await t;
    co_await corio::yield_now();  // done-callbacks run on the loop, right after the task ends
}

}  // namespace

CORIO_EXAMPLE(workers) {
    corio::run(three_workers());
    corio::run(with_callback());
}
