// Seed: "Параллелизм в Python" — chained coroutines: chain(n) awaits part1(n), then part2(n, p1);
// main gathers three chains, which run concurrently.
//
// The seed sleeps randint(0, 10) seconds in each part; this example replays the durations the
// seed's run drew (8, 6, 6, then 3, 10, 1, in the order the parts start), so its transcript is the
// seed's. The whole run takes 16 seconds of loop time; it runs on corio's virtual clock
// (corio::testing), which jumps to the next timer whenever every task is asleep, so it finishes at
// once and its times are exact.

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <corio/core.hpp>
#include <corio/testing.hpp>

#include "example.hpp"

namespace {

/// The seed's randint(0, 10) draws, in the order the parts asked for them.
int next_sleep() {
    static const int draws[] = {8, 6, 6, 3, 10, 1};
    static std::size_t i = 0;
    return draws[i++ % std::size(draws)];
}

double seconds(corio::duration d) { return std::chrono::duration<double>(d).count(); }

corio::task<std::string> part1(int n) {
    const int i = next_sleep();
    std::printf("part1(%d) sleeping for %d seconds.\n", n, i);
    co_await corio::sleep(std::chrono::seconds(i));
    std::string result = "result" + std::to_string(n) + "-1";
    std::printf("Returning part1(%d) == %s.\n", n, result.c_str());
    co_return result;
}

corio::task<std::string> part2(int n, std::string arg) {
    const int i = next_sleep();
    std::printf("part2(%d, '%s') sleeping for %d seconds.\n", n, arg.c_str(), i);
    co_await corio::sleep(std::chrono::seconds(i));
    std::string result = "result" + std::to_string(n) + "-2 derived from " + arg;
    std::printf("Returning part2(%d, '%s') == %s.\n", n, arg.c_str(), result.c_str());
    co_return result;
}

corio::task<void> chain(int n) {
    const auto start = corio::get_running_loop().time();
    std::string p1 = co_await part1(n);
    std::string p2 = co_await part2(n, p1);
    const double took = seconds(corio::get_running_loop().time() - start);
    std::printf("-->Chained result%d => %s (took %0.2f seconds).\n", n, p2.c_str(), took);
}

corio::task<void> main_task(std::vector<int> args) {
    std::vector<corio::task<void>> chains;
    for (int n : args) chains.push_back(chain(n));
    co_await corio::gather(std::move(chains));
}

}  // namespace

CORIO_EXAMPLE(chain) { corio::testing::run_virtual(main_task({1, 2, 3})); }
