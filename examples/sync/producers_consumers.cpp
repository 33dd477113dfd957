// Seed: "Параллелизм в Python" — asyncio.Queue with producers and consumers: main(2, 4) starts two
// producers and four consumers on one queue, gathers the producers, waits with q.join() until
// every item was consumed (q.task_done()), then cancels the consumers, which loop forever.
//
// The seed draws its sleeps and item counts with random.randint and its items with os.urandom;
// this example draws them from a fixed-seed generator, so that its transcript is the same on
// every run, and it runs on corio's virtual clock: the seconds of sleeping take no time, and the
// waiting times it prints are exact.

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <corio/core.hpp>
#include <corio/sync.hpp>
#include <corio/testing.hpp>

#include "example.hpp"

namespace {

std::mt19937 rng(2002);  // random.seed(2002)

int randint(int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng); }

/// os.urandom(5).hex()
std::string makeitem() {
    std::string hex;
    for (int i = 0; i < 5; ++i) {
        char byte[3];
        std::snprintf(byte, sizeof byte, "%02x", randint(0, 255));
        hex += byte;
    }
    return hex;
}

double now() { return std::chrono::duration<double>(corio::testing::virtual_now()).count(); }

corio::task<void> randsleep(const std::string& caller) {
    const int i = randint(0, 10);
    std::printf("%s sleeping for %d seconds.\n", caller.c_str(), i);
    co_await corio::sleep(std::chrono::seconds(i));
}

using item = std::pair<std::string, double>;  // (the item, when it was put)

corio::task<void> produce(int name, corio::queue<item>& q) {
    const int n = randint(0, 10);
    for (int k = 0; k < n; ++k) {
        co_await randsleep("Producer " + std::to_string(name));
        std::string i = makeitem();
        co_await q.put({i, now()});
        std::printf("Producer %d added <%s> to queue.\n", name, i.c_str());
    }
}

corio::task<void> consume(int name, corio::queue<item>& q) {
    for (;;) {
        co_await randsleep("Consumer " + std::to_string(name));
        auto [i, t] = co_await q.get();
        std::printf("Consumer %d got element <%s> in %0.5f seconds.\n", name, i.c_str(), now() - t);
        q.task_done();
    }
}

corio::task<void> main_task(int nprod, int ncon) {
    corio::queue<item> q;
    std::vector<corio::task<void>> producers;
    for (int n = 0; n < nprod; ++n) producers.push_back(produce(n, q));
    std::vector<corio::task_handle<void>> consumers;
    for (int n = 0; n < ncon; ++n) consumers.push_back(corio::create_task(consume(n, q)));
    co_await corio::gather(std::move(producers));
    co_await q.join();  // implicitly awaits the consumers, too
    for (auto& c : consumers) c.cancel();
    // Let the cancelled consumers finish before the queue they use goes away.
    co_await corio::wait(consumers);
    std::printf("Program completed in %0.5f seconds.\n", now());
}

}  // namespace

CORIO_EXAMPLE(producers_consumers) { corio::testing::run_virtual(main_task(2, 4)); }
