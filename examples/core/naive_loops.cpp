// Seed: the talk "Thinking outside the event loop" — two event loops built by hand, then corio's.
//
// 1. Task objects with a run() method, polled by `wait` until each says it is ready (a busy loop).
// 2. Generators as coroutines: `wait` sends each one what it last yielded; `yield from` lets
//    coroutines call coroutines, and a generator's return value is its result.
// 3. The same thousand sleeps as corio tasks: the loop sleeps until the next timer is due.
//
// The seed draws durations with randint(1, 3); this example uses a seeded generator, so the runs
// are repeatable. Durations are printed to the tenth (truncated) of a second the seed shows.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include <corio/core.hpp>
#include <corio/gen/generator.hpp>

#include "example.hpp"

namespace {

using std::chrono::steady_clock;

steady_clock::time_point seconds_from_now(double seconds) {
    return steady_clock::now() + std::chrono::duration_cast<steady_clock::duration>(
                                     std::chrono::duration<double>(seconds));
}

double seconds_since(steady_clock::time_point start) {
    return std::chrono::duration<double>(steady_clock::now() - start).count();
}

void print_duration(double seconds) {
    // Truncated, not rounded: a sleep never ends early but may end late on a loaded machine, and
    // up to a tenth of a second late must still print the seed's figure.
    std::printf("duration = %.1f\n", std::floor(seconds * 10) / 10);
    std::fflush(stdout);
}

// ---- 1. tasks polled by a busy loop -----------------------------------------------------------

struct naive_task {
    bool ready = false;
    virtual ~naive_task() = default;
    virtual void run() = 0;
};

struct naive_sleep final : naive_task {
    explicit naive_sleep(double seconds) : threshold(seconds_from_now(seconds)) {}
    void run() override {
        if (steady_clock::now() >= threshold) ready = true;
    }
    steady_clock::time_point threshold;
};

/// `before`: when the tasks were made, the moment their deadlines count from.
void wait(std::vector<std::unique_ptr<naive_task>>& tasks, steady_clock::time_point before) {
    std::vector<naive_task*> pending;
    for (auto& t : tasks) pending.push_back(t.get());
    while (!pending.empty()) {
        std::erase_if(pending, [](naive_task* t) {
            t->run();
            return t->ready;
        });
    }
    print_duration(seconds_since(before));
}

void polled_sleeps(int count, std::mt19937& rng) {
    std::uniform_int_distribution<int> randint(1, 3);
    std::vector<std::unique_ptr<naive_task>> tasks;
    // Timed from before the tasks are made: each sleep counts from its making, so none can end
    // before `before` plus its length, and the truncated duration is the seed's figure.
    const auto before = steady_clock::now();
    for (int i = 0; i < count; ++i) tasks.push_back(std::make_unique<naive_sleep>(randint(rng)));
    wait(tasks, before);
}

// ---- 2. generators as coroutines --------------------------------------------------------------

using coroutine = corio::generator<int, int, int>;  // yields nothing useful, returns an int

coroutine sleep(double seconds) {
    const auto threshold = seconds_from_now(seconds);
    while (steady_clock::now() < threshold) co_yield 0;
    co_return 0;
}

coroutine bar() {
    co_yield corio::yield_from(sleep(0.1));
    co_return 123;
}

coroutine foo() {
    int value = co_yield corio::yield_from(bar());
    co_return value;
}

std::vector<int> wait(std::vector<coroutine>& coros) {
    std::vector<coroutine*> pending;
    for (auto& c : coros) pending.push_back(&c);
    const auto before = steady_clock::now();
    while (!pending.empty()) {
        std::erase_if(pending, [](coroutine* c) { return !c->next(); });  // exhausted: done
    }
    print_duration(seconds_since(before));
    std::vector<int> results;
    for (auto& c : coros) results.push_back(c.return_value());
    return results;
}

// ---- 3. the same with corio -------------------------------------------------------------------

corio::task<void> sleeper(int seconds) { co_await corio::sleep(std::chrono::seconds(seconds)); }

corio::task<void> corio_sleeps(int count, std::mt19937& rng) {
    std::uniform_int_distribution<int> randint(1, 3);
    std::vector<corio::task_handle<void>> tasks;
    const auto before = steady_clock::now();
    for (int i = 0; i < count; ++i) {
        tasks.push_back(corio::create_task(sleeper(randint(rng))));
    }
    for (auto& t : tasks) co_await t;
    print_duration(seconds_since(before));
}

}  // namespace

CORIO_EXAMPLE(naive_loops) {
    std::mt19937 rng(2019);
    polled_sleeps(10, rng);
    polled_sleeps(1000, rng);

    std::vector<coroutine> coros;
    coros.push_back(foo());
    coros.push_back(foo());
    const auto results = wait(coros);
    std::printf("[%d, %d]\n", results[0], results[1]);

    corio::run(corio_sleeps(1000, rng));
}
