// Seed 002, "re-entrant lock": a plain Lock cannot be taken twice by the same thread, an RLock
// can; then `with lock:` and acquire()/release() in try/finally, which do the same.
//
// corio does not wrap these: RLock is std::recursive_mutex. Python's Lock belongs to no thread (any
// thread may release it, and its owner trying again just fails): that is std::binary_semaphore,
// which this example uses to show the seed's "Second try: False". A std::mutex is owned: its
// owner must not lock or even try_lock it again (undefined behaviour), so it cannot show that
// line; it is what the rest of the examples use as a Lock. `with lock:` is std::lock_guard.

#include <functional>
#include <mutex>
#include <semaphore>

#include <corio/thread/thread.hpp>

#include "example.hpp"
#include "thread_log.hpp"

namespace {

namespace threading = corio::threading;
using thread_example::debug;
using thread_example::py_bool;
using thread_example::say;

// Each worker takes its turn in the script before the lock, and keeps it until the lock is
// released: a worker holding the lock while it waits for its turn would deadlock with the other
// waiting for the lock while holding the turn.
void worker_with(std::mutex& lock) {
    const auto my_turn = thread_example::turn();
    const std::lock_guard held(lock);  // with lock:
    debug("Lock acquired via with");
}

void worker_no_with(std::mutex& lock) {
    const auto my_turn = thread_example::turn();
    lock.lock();  // lock.acquire(); try: ... finally: lock.release()
    debug("Lock acquired directly");
    lock.unlock();
}

}  // namespace

CORIO_EXAMPLE(rlock) {
    {
        std::binary_semaphore lock(1);  // threading.Lock()
        lock.acquire();
        say("First try : %s", py_bool(true));  // lock.acquire() blocks until it has it: True
        say("Second try: %s", py_bool(lock.try_acquire()));  // lock.acquire(0)
        lock.release();
    }
    {
        std::recursive_mutex lock;  // threading.RLock()
        lock.lock();
        say("First try : %s", py_bool(true));
        const bool second = lock.try_lock();
        say("Second try: %s", py_bool(second));
        if (second) lock.unlock();
        lock.unlock();
    }
    {
        std::mutex lock;
        threading::thread w(worker_with, std::ref(lock));
        threading::thread nw(worker_no_with, std::ref(lock));
        thread_example::script order({w.name(), nw.name()});
        w.start();
        nw.start();
        w.join();
        nw.join();
    }
}
