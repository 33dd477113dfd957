// Seed 002, "semaphores to let several threads at a resource": four threads, named 0 to 3, wait
// to join a pool that a Semaphore(2) keeps to two members at a time; the pool's list of active
// members is guarded by a Lock, and printed as it changes. It never shows more than two.
//
// corio does not wrap these: Semaphore(2) is std::counting_semaphore<2>, Lock is std::mutex.
// The lines come in the order of the seed's run (thread_log.hpp's script), in which threads 0 and
// 1 got in first and 3 before 2. Each thread takes its turn before it asks the semaphore, so that
// permits go in that order too; a thread that waits for a permit holds its turn, which is
// harmless because giving a permit back needs no turn.

#include <algorithm>
#include <functional>
#include <mutex>
#include <semaphore>
#include <string>
#include <vector>

#include <corio/thread/thread.hpp>

#include "example.hpp"
#include "thread_log.hpp"

namespace {

namespace threading = corio::threading;
using thread_example::debug;

class active_pool {
public:
    void make_active(const std::string& name) {
        const std::lock_guard held(lock_);  // with self.lock:
        active_.push_back(name);
        debug("Running: %s", repr().c_str());
    }
    void make_inactive(const std::string& name) {
        const std::lock_guard held(lock_);
        active_.erase(std::find(active_.begin(), active_.end(), name));
        debug("Running: %s", repr().c_str());
    }

private:
    /// Python's repr of the list: ['0', '1']
    std::string repr() const {
        std::string out = "[";
        for (const auto& name : active_) out += (out.size() > 1 ? ", '" : "'") + name + "'";
        return out + "]";
    }

    std::mutex lock_;
    std::vector<std::string> active_;
};

void worker(std::counting_semaphore<2>& s, active_pool& pool) {
    debug("Waiting to join the pool");
    const std::string name = threading::current_thread().name();
    {
        auto turn = thread_example::turn();
        s.acquire();  // with s:
        pool.make_active(name);
    }
    // time.sleep(0.1)
    {
        auto turn = thread_example::turn();
        pool.make_inactive(name);
    }
    s.release();
}

}  // namespace

CORIO_EXAMPLE(active_pool) {
    active_pool pool;
    std::counting_semaphore<2> s(2);
    std::vector<threading::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back(threading::thread_options{.name = std::to_string(i)}, worker,
                             std::ref(s), std::ref(pool));
    }
    thread_example::script order({"0", "1", "2", "3",    // waiting
                                  "0", "1", "0", "1",    // 0 and 1 in, then out
                                  "3", "2", "3", "2"});  // 3 and 2 in, then out
    for (auto& t : threads) t.start();
    for (auto& t : threads) t.join();
}
