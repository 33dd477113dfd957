// Seed 002, "acquire(False)": a lock holder takes a lock for half a second, lets it go for half a
// second, again and again, until told to stop; a worker tries to take it without blocking every
// half second and counts its tries until it got the lock three times.
//
// lock.acquire(False) is std::mutex::try_lock (corio does not wrap std::mutex). The seed's result
// depends on how the two threads' half seconds drift against each other: in its run, the
// worker's first try came just before the holder let go, its second just after the holder took
// the lock again, and from then on it found the lock taken and free in turn: 7 tries. The script
// (thread_log.hpp) replays that run; each of its turns is a line together with the lock
// operation next to it in the seed's code (script::turn()), so a try sees exactly the lock
// state the seed's did. The holder is a daemon, as in the seed, but is joined at the end so that
// it is gone before the objects it uses are.

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <corio/thread/event.hpp>
#include <corio/thread/thread.hpp>

#include "example.hpp"
#include "thread_log.hpp"

namespace {

namespace threading = corio::threading;
using thread_example::debug;

void lock_holder(std::mutex& lock, threading::event& stop_event) {
    debug("Starting");
    for (;;) {
        {
            auto turn = thread_example::turn();
            if (stop_event.is_set()) break;  // while not stop_event.is_set():
            lock.lock();
            debug("Holding");
        }
        // time.sleep(0.5)
        {
            auto turn = thread_example::turn();
            debug("Not holding");
            lock.unlock();
        }
        // time.sleep(0.5)
    }
}

void worker(std::mutex& lock) {
    debug("Starting");
    int num_tries = 0;
    int num_acquires = 0;
    while (num_acquires < 3) {
        // time.sleep(0.5)
        bool have_it = false;
        {
            auto turn = thread_example::turn();
            debug("Trying to acquire");
            have_it = lock.try_lock();  // lock.acquire(False)
        }
        auto turn = thread_example::turn();
        ++num_tries;
        if (have_it) {
            debug("Iteration %d: Acquired", num_tries);
            ++num_acquires;
            lock.unlock();
        } else {
            debug("Iteration %d: Not acquired", num_tries);
        }
    }
    debug("Done after %d iterations", num_tries);
}

}  // namespace

CORIO_EXAMPLE(try_lock_retry) {
    std::mutex lock;
    threading::event stop_event;
    threading::thread holder(threading::thread_options{.name = "LockHolder"}, lock_holder,
                             std::ref(lock), std::ref(stop_event));
    holder.set_daemon(true);
    threading::thread w(threading::thread_options{.name = "Worker"}, worker, std::ref(lock));

    // H: the holder, W: the worker, M: main. A holder turn is "Holding" with the lock taken just
    // before, or "Not holding" with the release just after; a worker's try is "Trying to
    // acquire" with the try_lock after it, and its result a turn of its own.
    const char* const seed_run = "HWHWHWHWWHWWHWWHWWHWWHWWWMH";
    std::vector<std::string> speakers;
    for (const char* c = seed_run; *c; ++c) {
        speakers.emplace_back(*c == 'H' ? "LockHolder" : *c == 'W' ? "Worker" : "MainThread");
    }
    thread_example::script order(std::move(speakers));
    holder.start();
    w.start();
    w.join();
    {
        auto turn = order.turn();  // its turn: after the worker is done
        stop_event.set();
    }
    holder.join();
}
