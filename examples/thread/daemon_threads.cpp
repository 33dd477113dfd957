// Seed 002, "daemon and non-daemon threads": a daemon thread that sleeps two seconds and one that
// does not; join(timeout) gives up on the daemon while it sleeps, is_alive() says it still runs,
// and a plain join() waits for it.
//
// C++ has no interpreter exit that waits for non-daemon threads, so corio's daemon flag means what
// it can: a daemon thread is detached (nothing waits for it unless asked, and the process may end
// under it), a non-daemon one is joined by its owner's destructor at the latest. The seed notes
// that, run from a file, its first version never prints the daemon's "Exiting": the program ends
// first. Here the daemon is joined at the end, as in the seed's next version, so that the tour
// can go on: a daemon must not outlive what it uses (this one uses the script below).
//
// The daemon's two-second sleep is its wait for its turn (thread_log.hpp's script): it speaks
// last, so join(0.1 s) on it is false whatever the machine's speed. The seed waits 1 s; 0.1 s
// shows the same.

#include <chrono>

#include <corio/thread/thread.hpp>

#include "example.hpp"
#include "thread_log.hpp"

namespace {

using namespace std::chrono_literals;
using corio::threading::thread;
using corio::threading::thread_options;
using thread_example::debug;

/// def daemon() (renamed: POSIX has a daemon() of its own)
void daemon_target() {
    debug("Starting");
    // time.sleep(2)
    debug("Exiting");
}

/// def non_daemon()
void non_daemon_target() {
    debug("Starting");
    debug("Exiting");
}

}  // namespace

CORIO_EXAMPLE(daemon_threads) {
    thread d(thread_options{.name = "daemon"}, daemon_target);
    d.set_daemon(true);  // d.setDaemon(True)
    thread t(thread_options{.name = "non-daemon"}, non_daemon_target);

    thread_example::script order({"daemon", "non-daemon", "non-daemon", "MainThread", "daemon"});
    d.start();
    t.start();
    t.join();  // joined first (the seed joins it last): its lines come before main's
    d.join(0.1s);
    debug("d.is_alive() %s", thread_example::py_bool(d.is_alive()));
    d.join();
}
