// Seed: "Параллелизм в Python" — timeouts: ask two IP services at once and keep what arrives first,
// within a deadline: asyncio.wait(..., timeout=t, return_when=FIRST_COMPLETED), then cancel the
// rest.
//
// The seed fetches over the Internet with aiohttp; here each service is simulated by a sleep of
// its latency in the seed's run (ip-api answered in 0.10 s; ipify took longer than the deadlines),
// on corio's virtual clock, so the times are exact. Two get_all calls run at once, with deadlines
// of 0.05 s (nothing arrives in time) and 0.2 s (ip-api does), as in the seed.

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <corio/core.hpp>
#include <corio/testing.hpp>

#include "example.hpp"

namespace {

using namespace std::chrono_literals;

struct service {
    std::string name;
    corio::duration latency;
};

/// In the order asyncio happened to start them in the seed's run (it takes a set).
const std::vector<service> services = {{"ip-api", 100ms}, {"ipify", 560ms}};

corio::task<std::string> fetch_ip(service s) {
    const auto start = corio::get_running_loop().time();
    std::printf("Fetching IP from %s\n", s.name.c_str());
    co_await corio::sleep(s.latency);  // the HTTP request, simulated
    const double took =
        std::chrono::duration<double>(corio::get_running_loop().time() - start).count();
    char line[128];
    std::snprintf(line, sizeof line, "%s finished with result: 37.214.62.45, took: %.2f seconds",
                  s.name.c_str(), took);
    co_return line;
}

corio::task<void> get_all(corio::duration timeout) {
    std::vector<corio::task_handle<std::string>> futures;
    for (const auto& s : services) futures.push_back(corio::create_task(fetch_ip(s)));
    auto [done, pending] =
        co_await corio::wait(futures, timeout, corio::return_when::first_completed);
    for (auto& f : pending) f.cancel();
    for (auto& f : done) std::printf("%s\n", f.result().c_str());
}

corio::task<void> main_task() {
    auto first = corio::create_task(get_all(50ms));
    auto second = corio::create_task(get_all(200ms));
    co_await first;
    co_await second;
}

}  // namespace

CORIO_EXAMPLE(get_all) { corio::testing::run_virtual(main_task()); }
