// Seed 002, "thread-private data": threading.local() holds a value per thread; another thread
// does not see it. Then a local subclass with an __init__, which runs again in each thread that
// uses the object.
//
// corio does not wrap this: it is C++'s thread_local. A thread_local variable has one instance
// per thread, made the first time that thread uses it, with its initializer run then: so the
// subclass's __init__ is the thread_local's constructor. Python's "no attribute yet" is an empty
// std::optional. The values are the seed's draws of random.randint(1, 100); the lines come in
// the seed's order (thread_log.hpp's script).

#include <array>
#include <optional>
#include <string>
#include <vector>

#include <corio/thread/thread.hpp>

#include "example.hpp"
#include "thread_log.hpp"

namespace {

namespace threading = corio::threading;
using thread_example::debug;

// local_data = threading.local()
thread_local std::optional<int> local_value;

void show_value(const std::optional<int>& value) {
    if (!value) {
        debug("No value yet");
    } else {
        debug("value=%d", *value);
    }
}

void worker(int drawn) {
    show_value(local_value);
    local_value = drawn;  // data.value = random.randint(1, 100)
    show_value(local_value);
}

/// class MyLocal(threading.local): __init__ logs and sets value.
struct my_local {
    explicit my_local(int v) : value(v) { debug("Initializing my_local"); }
    std::optional<int> value;
};

thread_local my_local local_data(1000);  // MyLocal(1000): run again in every thread

void my_local_worker(int drawn) {
    show_value(local_data.value);
    local_data.value = drawn;
    show_value(local_data.value);
}

/// Starts one thread per value, following `speakers` (names of the threads: {0} and {1}).
template <class F>
void run_two(F function, std::array<int, 2> drawn, std::vector<int> speakers) {
    std::vector<threading::thread> threads;
    for (int value : drawn) threads.emplace_back(function, value);
    std::vector<std::string> names;
    for (int i : speakers) names.push_back(threads[static_cast<std::size_t>(i)].name());
    thread_example::script order(std::move(names));
    for (auto& t : threads) t.start();
    for (auto& t : threads) t.join();
}

}  // namespace

CORIO_EXAMPLE(thread_local_data) {
    show_value(local_value);
    local_value = 1000;
    show_value(local_value);
    run_two(worker, {65, 44}, {0, 1, 0, 1});

    show_value(local_data.value);  // the main thread's instance is made (and logs) here
    run_two(my_local_worker, {68, 40}, {0, 1, 0, 1, 0, 1});
}
