// Seed 002, "protecting shared resources": a Counter whose increment() takes a threading.Lock;
// two workers increment it four times each, sleeping a random fraction of a second before each
// increment; the main thread joins every other thread found by threading.enumerate() and prints
// the total, 8.
//
// threading.Lock is std::mutex here (corio does not wrap it; `with lock:` is std::lock_guard),
// the Counter's value is guarded by it. The sleeps are the seed's draws of random.random(), and
// the lines come in the order those sleeps produced in the seed's run (thread_log.hpp's script),
// without sleeping. A worker says "Acquired lock" while it holds the lock, as in the seed; the
// script never gives the other worker a line in between, so no thread waits for its turn while
// holding the lock the next speaker needs.

#include <array>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <corio/thread/thread.hpp>

#include "example.hpp"
#include "thread_log.hpp"

namespace {

namespace threading = corio::threading;
using thread_example::debug;

class counter {
public:
    explicit counter(int start = 0) : value_(start) {}

    void increment() {
        debug("Waiting for lock");
        const std::lock_guard held(lock_);  // self.lock.acquire() ... finally: release()
        debug("Acquired lock");
        value_ = value_ + 1;
    }
    int value() {
        const std::lock_guard held(lock_);
        return value_;
    }

private:
    std::mutex lock_;
    int value_;
};

/// The seed's random.random() draws, worker by worker.
constexpr std::array<std::array<double, 4>, 2> pauses = {
    {{0.55, 0.46, 0.45, 0.60}, {0.72, 0.20, 0.32, 0.70}}};

void worker(counter& c, int which) {
    for (double pause : pauses[which]) {
        debug("Sleeping %0.02f", pause);
        // time.sleep(pause)
        c.increment();
    }
    debug("Done");
}

}  // namespace

CORIO_EXAMPLE(counter_lock) {
    counter c;
    std::vector<threading::thread> workers;
    for (int i = 0; i < 2; ++i) workers.emplace_back(worker, std::ref(c), i);

    // Who speaks when in the seed's run: a and b are the workers, m the main thread. After the
    // first sleeps, each increment is "Waiting for lock", "Acquired lock" and the next "Sleeping"
    // (or "Done"): the one whose sleeps add up to less goes first.
    const std::string a = workers[0].name(), b = workers[1].name(), m = "MainThread";
    thread_example::script order({a, b, m,  //
                                  a, a, a,  // a at 0.55 s
                                  b, b, b,  // b at 0.72
                                  b, b, b,  // b at 0.92
                                  a, a, a,  // a at 1.01
                                  b, b, b,  // b at 1.24
                                  a, a, a,  // a at 1.46
                                  b, b, b,  // b at 1.94, done
                                  a, a, a,  // a at 2.06, done
                                  m});
    for (auto& t : workers) t.start();
    debug("Waiting for worker threads");
    const threading::thread_ref main_thread = threading::current_thread();
    for (const threading::thread_ref& t : threading::enumerate()) {
        // The seed limits the wait to 5 s because IPython runs threads of its own.
        if (t != main_thread) t.join();
    }
    debug("Counter: %d", c.value());
}
