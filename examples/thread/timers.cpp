// Seed 002, "threads and timers": two threading.Timer(3, delayed), named t1 and t2, started
// together; t2 is cancelled before it fires, t1 fires after the main thread is done.
//
// A corio::threading::timer is a thread that waits on an event with a timeout: cancel() sets the
// event, so t2's thread ends at once instead of sleeping out its delay. To make "cancelled before
// it fires" certain on any machine (the seed relies on 2 s < 3 s), t2's delay is an hour; t1's
// is 0.3 s, a tenth of the seed's, and its line waits for its turn after main's (thread_log.hpp's
// script), as the seed's came a second after "done".

#include <chrono>

#include <corio/thread/timer.hpp>

#include "example.hpp"
#include "thread_log.hpp"

namespace {

using namespace std::chrono_literals;
using corio::threading::timer;
using thread_example::debug;

void delayed() { debug("worker running"); }

}  // namespace

CORIO_EXAMPLE(timers) {
    timer t1(0.3s, delayed);
    t1.set_name("t1");
    timer t2(1h, delayed);
    t2.set_name("t2");

    thread_example::script order({"MainThread", "MainThread", "MainThread", "MainThread", "t1"});
    debug("starting timers");
    t1.start();
    t2.start();
    debug("waiting before canceling %s", t2.name().c_str());
    // time.sleep(2)
    debug("canceling %s", t2.name().c_str());
    t2.cancel();
    debug("done");
    t2.join();  // at once: cancel() woke it
    t1.join();  // Python's exit waits for the non-daemon t1 likewise
}
