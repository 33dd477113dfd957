// Seed 002, "walking all threads": three daemon workers sleep a random number of seconds while
// the main thread goes through threading.enumerate() and joins every thread but itself.
//
// (The seed's loop starts with a stray `break`, so its run joined nothing; this is the loop as
// meant.) The workers' sleeps are the seed's draws, 3, 5 and 1 seconds, and the lines come in the
// order those sleeps and joins produce: main joins the first worker, the third ends before it;
// main then joins the second, and finds the third already gone. thread_log.hpp's script keeps
// that order on every run, without sleeping. Joining the main thread itself would never end:
// Python deadlocks, corio refuses (invalid_state_error).

#include <array>
#include <string>
#include <vector>

#include <corio/thread/thread.hpp>

#include "example.hpp"
#include "thread_log.hpp"

namespace {

namespace threading = corio::threading;
using thread_example::debug;

void worker(int pause) {
    debug("sleeping %d", pause);
    // time.sleep(pause)
    debug("ending");
}

/// "['MainThread', 'Thread-1', ...]"
std::string names(const std::vector<threading::thread_ref>& threads) {
    std::string out;
    for (const auto& t : threads) out += (out.empty() ? "['" : ", '") + t.name() + "'";
    return out + "]";
}

}  // namespace

CORIO_EXAMPLE(enumerate_threads) {
    constexpr std::array<int, 3> pauses = {3, 5, 1};  // random.randint(1, 5), as the seed drew
    std::vector<threading::thread> workers;
    for (int pause : pauses) {
        workers.emplace_back(threading::thread_options{.daemon = true}, worker, pause);
    }
    const std::string a = workers[0].name(), b = workers[1].name(), c = workers[2].name();
    thread_example::script order({a, b, c,                       // sleeping ...
                                  "MainThread", "MainThread",    // the list; joining a
                                  c, a,                          // ending: 1 s, then 3 s
                                  "MainThread", b,               // joining b; 5 s
                                  "MainThread", "MainThread"});  // joining c; the list
    for (auto& t : workers) t.start();

    const threading::thread_ref main_thread = threading::current_thread();
    debug("threading.enumerate(): %s", names(threading::enumerate()).c_str());
    for (const threading::thread_ref& t : threading::enumerate()) {
        if (t == main_thread) continue;  // waiting for main thread causes deadlock
        debug("joining %s", t.name().c_str());
        t.join();
    }
    debug("threading.enumerate(): %s", names(threading::enumerate()).c_str());
}
