// Seed: "How do coroutines work internally in Python?" — an event loop made of generators.
//
// Each task is a generator that yields the name of the event it waits for next; `app` keeps one
// queue of waiting generators per event and resumes the first one waiting for each event read from
// standard input. Try it: `printf 'A\nA\nA\nB\nB\nC\nC\nB\nC\n' | example_event_scheduler`.

#include <deque>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include <unistd.h>

#include <corio/gen/generator.hpp>

#include "example.hpp"

namespace {

using task = corio::generator<std::string>;

task wait_for_b() { co_yield "B"; }
task wait_for_c() { co_yield "C"; }

int counter = 0;

task task_generator() {
    const int id = counter++;
    std::cout << id << " Processing event A, blocking on B\n";
    co_yield corio::yield_from(wait_for_b());
    std::cout << id << " Processing event B, blocking on C\n";
    co_yield corio::yield_from(wait_for_c());
    std::cout << id << " Processing event C, task done\n";
}

}  // namespace

CORIO_EXAMPLE(event_scheduler) {
    counter = 0;
    std::map<std::string, std::deque<task>>
        tasks;  // waiting generators, by the event they wait for
    // Python's input() shows what is typed because the terminal echoes it; when the events come
    // from a pipe or a string (as in the tour), echo them so the transcript reads the same.
    const bool echo = !isatty(STDIN_FILENO) || dynamic_cast<std::stringbuf*>(std::cin.rdbuf());
    for (;;) {
        std::cout << "Task queue size " << tasks["A"].size() + tasks["B"].size() + tasks["C"].size()
                  << '\n';
        std::cout << "> " << std::flush;
        std::string event;
        if (!std::getline(std::cin, event)) break;  // end of input ends the app
        if (echo) std::cout << event << '\n';
        if (event == "A") {
            task new_task = task_generator();
            const std::string waiting_for = *new_task.next();  // Python: new_task.send(None)
            tasks[waiting_for].push_back(std::move(new_task));
        }
        auto& queue = tasks[event];
        if (!queue.empty()) {
            task t = std::move(queue.front());
            queue.pop_front();
            if (auto waiting_for = t.next()) tasks[*waiting_for].push_back(std::move(t));
        }
    }
    std::cout << '\n';
}
