// Seed 002, "synchronizing through a condition": two consumers wait on a threading.Condition
// until a producer makes the resource available and calls notifyAll().
//
// corio does not wrap this: a Condition is a std::mutex (the lock it wraps, `with cond:`) and a
// std::condition_variable (std::condition_variable_any would wrap any other lock). Python's
// cond.wait() without a predicate misses a notify that comes before it waits; the seed's sleeps
// make sure it does not. C++ waits with a predicate instead (a flag under the lock, as
// cond.wait_for(predicate) does in Python), so no sleep is needed: a consumer that comes late
// sees the flag and goes on. The lines come in the seed's order (thread_log.hpp's script); the
// consumers print after leaving the lock, so that one waiting for its turn to print never holds
// the lock the other needs to wake up.

#include <condition_variable>
#include <functional>
#include <mutex>

#include <corio/thread/thread.hpp>

#include "example.hpp"
#include "thread_log.hpp"

namespace {

namespace threading = corio::threading;
using thread_example::debug;

struct condition {
    std::mutex lock;
    std::condition_variable cv;
    bool available = false;  // the resource
};

/// wait for the condition and use the resource
void consumer(condition& cond) {
    debug("Starting consumer thread");
    {
        std::unique_lock held(cond.lock);                    // with cond:
        cond.cv.wait(held, [&] { return cond.available; });  //     cond.wait()
    }
    debug("Resource is available to consumer");
}

/// set up the resource to be used by the consumer
void producer(condition& cond) {
    debug("Starting producer thread");
    const std::lock_guard held(cond.lock);  // with cond:
    debug("Making resource available");
    cond.available = true;
    cond.cv.notify_all();  // cond.notifyAll()
}

}  // namespace

CORIO_EXAMPLE(condition_consumers) {
    condition cond;
    threading::thread c1(threading::thread_options{.name = "c1"}, consumer, std::ref(cond));
    threading::thread c2(threading::thread_options{.name = "c2"}, consumer, std::ref(cond));
    threading::thread p(threading::thread_options{.name = "p"}, producer, std::ref(cond));
    thread_example::script order({"c1", "c2", "p", "p", "c2", "c1"});
    c1.start();
    // time.sleep(2)
    c2.start();
    // time.sleep(2)
    p.start();
    c1.join();
    c2.join();
    p.join();
}
