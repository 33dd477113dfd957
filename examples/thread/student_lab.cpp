// Seed 002 ("Параллелизм в Python"), the threading module: four threads made with
// threading.Thread(target=worker, args=(i,)) and started, then the same four sleeping a random
// number of seconds before they report.
//
// Python's threads print in whatever order they get to run. The seed's first run printed labs 1
// to 4 in order; its second printed them in the order their sleeps ended (random.randint drew
// 2, 4, 1 and 2 seconds for labs 1 to 4). Here the threads take turns in those orders
// (thread_log.hpp's script), so the output is the seed's on every run, and nobody sleeps.

#include <array>
#include <string>
#include <vector>

#include <corio/thread/thread.hpp>

#include "example.hpp"
#include "thread_log.hpp"

namespace {

using corio::threading::thread;
using thread_example::say;

/// thread worker function
void worker(int number) { say("I'm student, doing lab %d", number + 1); }

// What the seed's random.randint(1, 10) drew for labs 1 to 4.
constexpr std::array<int, 4> seconds = {2, 4, 1, 2};

void sleepy_worker(int number) {
    // time.sleep(seconds[number]): the script below lets the shortest sleeper speak first.
    say("I'm student, doing lab %d after sleeping %d", number + 1, seconds[number]);
}

/// The four threads' names in the order their sleeps end: by length, then by who started first.
std::vector<std::string> wake_order(const std::vector<thread>& threads) {
    std::vector<std::string> names;
    for (int s = 1; s <= 10; ++s) {
        for (std::size_t i = 0; i < threads.size(); ++i) {
            if (seconds[i] == s) names.push_back(threads[i].name());
        }
    }
    return names;
}

}  // namespace

CORIO_EXAMPLE(student_lab) {
    {
        std::vector<thread> threads;
        for (int i = 0; i < 4; ++i) threads.emplace_back(worker, i);
        thread_example::script order(
            {threads[0].name(), threads[1].name(), threads[2].name(), threads[3].name()});
        for (auto& t : threads) t.start();
        for (auto& t : threads) t.join();
    }
    {
        std::vector<thread> threads;
        for (int i = 0; i < 4; ++i) threads.emplace_back(sleepy_worker, i);
        thread_example::script order(wake_order(threads));
        for (auto& t : threads) t.start();
        for (auto& t : threads) t.join();
    }
}
