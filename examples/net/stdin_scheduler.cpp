// Seed 003's A/B/C scheduler once more, now on the event loop: each task is a coroutine that
// waits for event B, then C; the events come from standard input, read as a stream through the
// loop (net::connect_read_pipe, asyncio's connect_read_pipe: the loop waits for the descriptor to
// be readable), so nothing blocks the loop while no line has come. The transcript is the
// generator version's, line for line.
// Try it: `printf 'A\nA\nA\nB\nB\nC\nC\nB\nC\n' | example_stdin_scheduler`.

#include <deque>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include <unistd.h>

#include <corio/core.hpp>
#include <corio/net/pipe.hpp>

#include "example.hpp"

namespace {

using corio::task;

/// The tasks waiting for each event, first come first woken.
std::map<std::string, std::deque<corio::future<void>>> waiting;

/// Suspends the calling task until `event` is read (its turn among those waiting for it).
task<void> wait_event(const std::string& event) {
    corio::future<void> woken;
    waiting[event].push_back(woken);
    co_await woken;
}

task<void> event_task(int id) {
    std::cout << id << " Processing event A, blocking on B\n";
    co_await wait_event("B");
    std::cout << id << " Processing event B, blocking on C\n";
    co_await wait_event("C");
    std::cout << id << " Processing event C, task done\n";
}

/// Lines of standard input, read through the loop (asyncio's `connect_read_pipe(sys.stdin)`):
/// nullopt at its end.
class stdin_lines {
public:
    task<std::optional<std::string>> next() {
        // The loop runs everything else until a whole line has come.
        std::string line = co_await input_.readline();
        if (line.empty()) co_return std::nullopt;  // end of file
        if (line.back() == '\n') line.pop_back();
        co_return line;
    }

private:
    /// Owns descriptor 0 from now on. A pipe or a tty is waited on by readiness; a file
    /// (`< events.txt`) is read in place.
    corio::net::stream_reader input_ = corio::net::connect_read_pipe(STDIN_FILENO);
};

task<void> scheduler() {
    waiting.clear();
    const bool echo = !isatty(STDIN_FILENO);  // as the generator version: show piped input
    stdin_lines input;
    int counter = 0;
    for (;;) {
        std::size_t size = 0;
        for (const auto& [event, queue] : waiting) size += queue.size();
        std::cout << "Task queue size " << size << '\n';
        std::cout << "> " << std::flush;
        const std::optional<std::string> event = co_await input.next();
        if (!event) break;
        if (echo) std::cout << *event << '\n';
        if (*event == "A") corio::spawn(event_task, counter++);
        auto& queue = waiting[*event];
        if (!queue.empty()) {
            queue.front().set_result();
            queue.pop_front();
        }
        // Let the task started or woken run to its next wait before the next prompt.
        co_await corio::yield_now();
    }
    std::cout << '\n';
    waiting.clear();  // tasks still waiting are cancelled when the loop shuts down
}

}  // namespace

CORIO_EXAMPLE(stdin_scheduler) { corio::run(scheduler()); }
