// Seed 002, "communication between threads by Event": a thread that blocks in e.wait() and one
// that waits with a timeout, doing other work each time the wait times out; the main thread sets
// the event after a while.
//
// The lines come in the seed's order (thread_log.hpp's script). The main thread's three-second
// sleep becomes its wait for its turn: it sets the event only once 'non-block' has timed out once
// and started waiting again, so the first wait(t) really times out and the second really sees
// the set. The timeout t is 1 s (the seed's 2 s would only make the example slower): the first
// wait takes that long, the second ends as soon as the main thread sets the event.

#include <chrono>
#include <functional>

#include <corio/thread/event.hpp>
#include <corio/thread/thread.hpp>

#include "example.hpp"
#include "thread_log.hpp"

namespace {

using namespace std::chrono_literals;
namespace threading = corio::threading;
using thread_example::debug;
using thread_example::py_bool;

/// Wait for the event to be set before doing anything
void wait_for_event(threading::event& e) {
    debug("wait_for_event starting");
    const bool event_is_set = e.wait();
    debug("event set: %s", py_bool(event_is_set));
}

/// Wait t seconds and then timeout
void wait_for_event_timeout(threading::event& e, std::chrono::duration<double> t) {
    while (!e.is_set()) {
        debug("wait_for_event_timeout starting");
        const bool event_is_set = e.wait(t);
        debug("event set: %s", py_bool(event_is_set));
        if (event_is_set) {
            debug("processing event");
        } else {
            debug("doing other work");
        }
    }
}

}  // namespace

CORIO_EXAMPLE(thread_event) {
    threading::event e;
    threading::thread t1(threading::thread_options{.name = "block"}, wait_for_event, std::ref(e));
    threading::thread t2(threading::thread_options{.name = "non-block"}, wait_for_event_timeout,
                         std::ref(e), 1s);
    thread_example::script order({"block", "non-block", "MainThread",     // starting; waiting
                                  "non-block", "non-block", "non-block",  // timed out, again
                                  "MainThread", "block", "non-block", "non-block"});  // set
    t1.start();
    t2.start();
    debug("Waiting before calling Event.set()");
    {
        auto turn = order.turn();  // time.sleep(3): until the others had their say
        e.set();
        debug("Event is set");
    }
    t1.join();
    t2.join();
}
