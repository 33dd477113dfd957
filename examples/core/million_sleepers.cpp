// Seed 004's thousand sleeping tasks, scaled up: 1,000,000 concurrent tasks, each sleeping a
// random time between 1 and 3 seconds, on one thread. In a Release build the whole run takes
// about three seconds, the longest sleep, because the loop sleeps until the next timer is due and
// a sleeping task costs a few hundred bytes; scripts/bench measures the time and memory (it is not
// printed here, so that the output is the same on every machine and build).

#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include <corio/core.hpp>

#include "example.hpp"

namespace {

corio::task<void> sleeper(std::chrono::milliseconds d, long* finished, long* slept_ms) {
    co_await corio::sleep(d);
    ++*finished;
    *slept_ms += d.count();
}

corio::task<void> sleepers(int count) {
    std::mt19937 rng(1);
    std::uniform_int_distribution<long> ms(1000, 3000);  // uniform(1, 3) s, to the millisecond
    long finished = 0;
    long slept_ms = 0;
    std::vector<corio::task_handle<void>> tasks;
    tasks.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const std::chrono::milliseconds d(ms(rng));
        tasks.push_back(corio::create_task(sleeper(d, &finished, &slept_ms)));
    }
    for (auto& t : tasks) co_await t;
    std::printf("%ld tasks finished\n", finished);
    std::printf("one after another they would have slept %ld hours; together, about 3 seconds\n",
                slept_ms / 3'600'000);
}

}  // namespace

CORIO_EXAMPLE(million_sleepers) { corio::run(sleepers(1'000'000)); }
