// Seed 002, "the current thread": threads named 'worker' and 'my_service' and one with the
// default name print "<name> Starting" and "<name> Exiting", the name coming from
// threading.current_thread(); then Thread subclasses overriding run().
//
// The seed's threads interleave as its sleeps let them; here they take turns in the seed's order
// (thread_log.hpp's script). The default names count from Thread-1 in each program (the seed's
// notebook had made 44 threads before); in the tour they go on from the earlier chapters.
//
// Subclassing Thread to override run() becomes, in C++, a class with operator(): the thread
// runs a copy of the object, with whatever arguments it holds.

#include <map>
#include <string>
#include <tuple>

#include <corio/thread/thread.hpp>

#include "example.hpp"
#include "thread_log.hpp"

namespace {

namespace threading = corio::threading;
using thread_example::debug;
using thread_example::say;
using threading::thread;
using threading::thread_options;

void worker() {
    say("%s Starting", threading::current_thread().name().c_str());
    say("%s Exiting", threading::current_thread().name().c_str());
}

void my_service() {
    say("%s Starting", threading::current_thread().name().c_str());
    // time.sleep(3): the others go first (the script)
    say("%s Exiting", threading::current_thread().name().c_str());
}

/// class MyThread(threading.Thread): def run(self): logging.debug('running')
struct my_thread {
    void operator()() const { debug("running"); }
};

/// class MyThreadWithArgs(threading.Thread), keeping args=(i,) and kwargs={'a': 'A', 'b': 'B'}.
struct my_thread_with_args {
    std::tuple<int> args;
    std::map<std::string, std::string> kwargs;

    void operator()() const {
        std::string shown;
        for (const auto& [key, value] : kwargs) {
            shown += (shown.empty() ? "" : ", ") + ("'" + key + "': '" + value + "'");
        }
        debug("running with (%d,) and {%s}", std::get<0>(args), shown.c_str());
    }
};

}  // namespace

CORIO_EXAMPLE(named_threads) {
    {
        thread t(thread_options{.name = "my_service"}, my_service);
        thread w(thread_options{.name = "worker"}, worker);
        thread w2(worker);                                                  // use default name
        thread_example::script order({"worker", w2.name(), "my_service",    // Starting
                                      "worker", w2.name(), "my_service"});  // Exiting
        w.start();
        w2.start();
        t.start();
        w.join();
        w2.join();
        t.join();
    }
    // Each subclass thread is joined before the next starts: the seed's, quick as they were,
    // printed in this order too.
    for (int i = 0; i < 5; ++i) {
        thread t{my_thread{}};
        t.start();
        t.join();
    }
    for (int i = 0; i < 5; ++i) {
        thread t{my_thread_with_args{{i}, {{"a", "A"}, {"b", "B"}}}};
        t.start();
        t.join();
    }
}
