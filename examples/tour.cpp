// The corio tour: the examples in reading order, each chapter introduced by what it shows.
//
//   tour           runs every chapter
//   tour 3 5       runs chapters 3 and 5
//   tour --list    lists the chapters
//
// Adding a chapter is adding one CORIO_CHAPTER line to the table below. Every example source is
// already compiled into this program (see examples/CMakeLists.txt).

#include <charconv>
#include <cstddef>
#include <exception>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace {

struct chapter {
    std::string_view title;
    std::string_view about;  ///< one paragraph: what this chapter shows
    std::string_view source;
    void (*run)();
};

struct part {
    std::string_view title;
    std::vector<chapter> chapters;
};

}  // namespace

/// A chapter running the example `CORIO_EXAMPLE(name)` from examples/<module>/<name>.cpp. The
/// lambda declares `corio_example_<name>()`; the table is in the global namespace so that this
/// declaration names the function CORIO_EXAMPLE defines there.
#define CORIO_CHAPTER(module, name, title, about)                \
    chapter {                                                    \
        title, about, "examples/" #module "/" #name ".cpp", [] { \
            void corio_example_##name();                         \
            corio_example_##name();                              \
        }                                                        \
    }

/// A chapter whose example reads standard input: the tour feeds it `input` instead.
#define CORIO_CHAPTER_WITH_INPUT(module, name, input, title, about)       \
    chapter {                                                             \
        title, about, "examples/" #module "/" #name ".cpp", [] {          \
            void corio_example_##name();                                  \
            std::istringstream fed(input);                                \
            std::streambuf* const original = std::cin.rdbuf(fed.rdbuf()); \
            struct restore {                                              \
                std::streambuf* buf;                                      \
                ~restore() { std::cin.rdbuf(buf); }                       \
            } guard{original};                                            \
            corio_example_##name();                                       \
        }                                                                 \
    }

/// A chapter whose example reads the standard input descriptor itself, through the loop: the tour
/// puts a pipe holding `input` on descriptor 0 while it runs.
#define CORIO_CHAPTER_WITH_STDIN(module, name, input, title, about)                          \
    chapter {                                                                                \
        title, about, "examples/" #module "/" #name ".cpp", [] {                             \
            void corio_example_##name();                                                     \
            int fds[2];                                                                      \
            if (::pipe(fds) != 0) throw std::runtime_error("pipe");                          \
            const std::string_view text(input); /* fits in a pipe: the write cannot block */ \
            if (::write(fds[1], text.data(), text.size()) != ssize_t(text.size()))           \
                throw std::runtime_error("write");                                           \
            ::close(fds[1]);                                                                 \
            struct restore {                                                                 \
                int saved;                                                                   \
                ~restore() {                                                                 \
                    ::dup2(saved, 0);                                                        \
                    ::close(saved);                                                          \
                }                                                                            \
            } guard{::dup(0)};                                                               \
            ::dup2(fds[0], 0);                                                               \
            ::close(fds[0]);                                                                 \
            corio_example_##name();                                                          \
        }                                                                                    \
    }

// clang-format off
static const std::vector<part> tour = {
    {"Part 1: iterators and generators", {
        CORIO_CHAPTER(gen, odd_numbers, "Iterators, the long way and the generator way",
            "A Python iterator class keeps its position in member variables and raises "
            "StopIteration itself when it runs out. A generator function does the same job with "
            "ordinary local variables: each co_yield hands out a value and pauses the function, "
            "and the next call to next() resumes it where it stopped. Both print the same numbers."),
        CORIO_CHAPTER(gen, fibonacci, "Lazy sequences: Fibonacci three ways",
            "Nothing in a generator runs until a value is asked for, so an endless one is fine: "
            "take five values with corio::next(). A finite one works in a range-for loop. Past "
            "its end, corio::next() throws corio::stop_iteration, Python's StopIteration (the "
            "member gen.next() returns an empty std::optional instead)."),
        CORIO_CHAPTER(gen, genexp, "Generator expressions, ranges and iterable classes",
            "Python's sum(1 + x for x in range(2000000)) adds up two million numbers without "
            "ever storing them. In C++ the same laziness comes from a generator or from a "
            "std::ranges pipeline. A class becomes iterable by handing out a generator, as "
            "WordSplitterGenerator's __iter__ does with yield."),
        CORIO_CHAPTER(gen, itertools, "itertools: building blocks for iterators",
            "corio::itertools is Python's itertools as generators over any range: count, "
            "takewhile, filterfalse, accumulate, chain, product and groupby here, and each of "
            "them also has a pipe form, range | takewhile(pred)."),
    }},
    {"Part 2: coroutines, talking to a generator", {
        CORIO_CHAPTER(gen, send_walkthrough, "send() — talking back to a generator",
            "A generator can receive values too: send(v) resumes it, and the paused co_yield "
            "evaluates to v (a std::optional, empty after a plain next()). The first step must "
            "be next(), to run the body up to its first co_yield: sending to a generator that "
            "has not started throws corio::generator_error with Python's message."),
        CORIO_CHAPTER(gen, gen_roster, "Stopping a generator with a sent value",
            "What a generator receives can steer it: sending \"stop\" makes the roster return. "
            "Where Python's send() raises StopIteration because the generator finished, corio's "
            "send() returns an empty std::optional."),
        CORIO_CHAPTER(gen, counter_send, "A running total: the generator as a coroutine",
            "counter() adds up whatever it is sent and yields the total so far, until it reaches "
            "its limit. A function that pauses, receives values and keeps its state in between "
            "is a coroutine."),
        CORIO_CHAPTER(gen, interleaved, "Two generators, one thread",
            "Stepping two generators by hand, in any order, interleaves their bodies on a single "
            "thread. Let a scheduler choose the order and this is cooperative multitasking, the "
            "idea behind an event loop."),
        CORIO_CHAPTER(gen, generator_state, "Where is my generator? state()",
            "state() is Python's inspect.getgeneratorstate: created before the first step, "
            "running while the body executes, suspended at a co_yield, closed once finished. "
            "Values travel both ways here, out through co_yield and in through send(), and "
            "close() ends the generator while it is paused."),
    }},
    {"Part 3: delegating with yield_from", {
        CORIO_CHAPTER(gen, yield_from, "yield_from: delegating to a range or a generator",
            "co_yield corio::yield_from(x) yields everything x yields: a string, a range or "
            "another generator. Delegating to a generator also passes next, send, "
            "throw_exception and close straight through, and the expression evaluates to the "
            "delegate's co_return value, as Python's count = yield from gen does."),
        CORIO_CHAPTER(gen, yield_from_up_down, "Up and down: delegating twice",
            "A generator may delegate any number of times: wrapper_generator counts up with one "
            "step_generator, then back down with another."),
        CORIO_CHAPTER(gen, failing_generator, "Exceptions through yield_from",
            "An exception thrown inside a delegate propagates through yield_from to the "
            "delegating generator, which catches it like any other. An error injected from "
            "outside with throw_exception() (Python's gen.throw()) is raised in the innermost "
            "generator and travels the same way."),
    }},
    {"Part 4: event loops", {
        CORIO_CHAPTER_WITH_INPUT(core, event_scheduler, "A\nA\nA\nB\nB\nC\nC\nB\nC\n",
            "An event loop made of generators",
            "Each task is a generator that yields the name of the event it waits for; the app "
            "keeps a queue of waiting generators per event and resumes the first one waiting for "
            "each event it reads. The tour feeds it A A A B B C C B C; run "
            "examples/core/event_scheduler yourself to type events."),
        CORIO_CHAPTER(core, naive_loops, "Event loops by hand, then corio's",
            "Seed 004 polls task objects in a busy loop until each is ready, then runs generator "
            "coroutines by sending each what it last yielded, with yield_from for calls between "
            "coroutines. Both finish when the longest sleep ends. corio runs the same thousand "
            "sleeps as tasks: its loop sleeps until the next timer is due instead of spinning."),
        CORIO_CHAPTER(core, native_coroutines, "Native coroutines: async def, await, async for",
            "Calling an async function makes a coroutine object and runs nothing: foo() has not "
            "started until corio::run (asyncio.run) runs it. sleepy(1.0) sleeps a float number "
            "of seconds, as asyncio.sleep does, and gives 37 to the coroutine awaiting it. An "
            "async_generator is Python's async generator: co_yield inside, co_await next() for "
            "async for."),
        CORIO_CHAPTER(core, workers, "Tasks on the event loop",
            "create_task schedules coroutines to run concurrently on one thread: three workers "
            "sleep 2, 2 and 1 seconds, and the one that sleeps least finishes first, after one "
            "second, not five. add_done_callback runs a function on the loop once a task is done."),
        CORIO_CHAPTER(core, chain, "Chained coroutines, gathered",
            "chain(n) awaits part1(n), then part2 with its result; gather runs three chains at "
            "once and waits for all of them. Each chain takes as long as its own two sleeps, not "
            "the sum of all six. The chain needs 16 seconds of loop time, so this chapter runs on "
            "corio's virtual clock (corio::testing::run_virtual): instant, and the times are exact."),
        CORIO_CHAPTER(core, get_all, "First answer within a deadline",
            "Ask two services at once, keep whichever answers first within the deadline, cancel "
            "the other: corio::wait with a timeout and return_when::first_completed, then "
            "cancel() on the pending tasks. With 0.05 s nothing arrives in time; with 0.2 s the "
            "0.1 s service does."),
        CORIO_CHAPTER(core, million_sleepers, "A million sleeping tasks",
            "The thousand sleepers again, times a thousand: 1,000,000 tasks each sleep 1 to 3 "
            "seconds, concurrently, on one thread. A sleeping task is a small coroutine frame and "
            "a timer node, nothing more; scripts/bench measures the time and the memory."),
    }},
    {"Part 5: synchronization between tasks", {
        CORIO_CHAPTER(sync, producers_consumers, "A queue between producers and consumers",
            "Two producers put items on a corio::queue, four consumers get them and call "
            "task_done(); main gathers the producers, waits with join() until every item was "
            "consumed, then cancels the consumers, which loop forever. Cancelling a consumer "
            "blocked in get() loses no item: a cancelled get takes nothing. It runs on the "
            "virtual clock, with the seed's random sleeps drawn from a fixed seed."),
    }},
    {"Part 6: threads (Python's threading)", {
        CORIO_CHAPTER(thread, student_lab, "Threads with arguments",
            "corio::threading::thread is Python's threading.Thread: made with a function and its "
            "arguments, started by start(), waited for by join(). Four students do their labs on "
            "four threads, then again after sleeping. The thread examples print in the order "
            "the seed's run did: the threads take turns instead of sleeping, so the output is "
            "the same on every run."),
        CORIO_CHAPTER(thread, named_threads, "Named threads and the current thread",
            "Every thread has a name: the one given, or Thread-N. current_thread() tells a "
            "thread who it is; the kernel gets the name too (what top -H shows). Subclassing "
            "Thread to override run() becomes a class with operator()."),
        CORIO_CHAPTER(thread, daemon_threads, "Daemon threads and join with a timeout",
            "A non-daemon thread is joined by its owner's destructor at the latest; a daemon "
            "thread is detached and nothing waits for it. join(timeout) returns false while the "
            "thread still runs, and is_alive() says so; join() waits."),
        CORIO_CHAPTER(thread, enumerate_threads, "Walking all threads",
            "threading::enumerate() lists the main thread and every thread alive; the main "
            "thread joins all the others through the list. A thread that ended drops off it."),
        CORIO_CHAPTER(thread, timers, "Timers",
            "A corio::threading::timer calls a function after a delay on a thread of its own, "
            "unless cancel() came first. Cancelling wakes the timer's thread at once: t2, "
            "cancelled, never runs and does not sleep out its hour."),
        CORIO_CHAPTER(thread, thread_event, "Events between threads",
            "corio::threading::event is threading.Event: set(), clear(), is_set(), and wait() "
            "with an optional timeout that returns false if the flag was not set in time. One "
            "thread blocks until the event is set; the other does other work each time its "
            "wait times out."),
        CORIO_CHAPTER(thread, counter_lock, "A counter under a lock",
            "threading.Lock is std::mutex, and `with lock:` is std::lock_guard: corio does not "
            "wrap what the standard library has. Two workers increment a counter four times "
            "each; the total is 8."),
        CORIO_CHAPTER(thread, try_lock_retry, "Trying a lock without blocking",
            "lock.acquire(False) is std::mutex::try_lock: the worker tries, counts, and goes on "
            "whether it got the lock or not, until it had it three times. A stop event ends the "
            "lock holder."),
        CORIO_CHAPTER(thread, rlock, "Re-entrant locks",
            "An RLock (std::recursive_mutex) can be taken again by the thread that holds it; a "
            "Lock cannot. Python's Lock belongs to no thread, like std::binary_semaphore; a "
            "std::mutex must never be locked twice by its owner."),
        CORIO_CHAPTER(thread, condition_consumers, "A condition: one producer wakes two consumers",
            "threading.Condition is a std::mutex with a std::condition_variable; notify_all() "
            "wakes every consumer. Waiting with a predicate means a consumer that comes late "
            "does not miss the notification."),
        CORIO_CHAPTER(thread, active_pool, "A semaphore keeps a pool to two",
            "threading.Semaphore(2) is std::counting_semaphore<2>: four threads want in, two at "
            "a time get in, and the pool's list, guarded by a mutex, never shows more than two."),
        CORIO_CHAPTER(thread, thread_local_data, "Thread-local data",
            "threading.local() is C++'s thread_local: each thread has its own value, made (and "
            "its initializer run) the first time that thread uses it."),
    }},
    {"Part 7: between threads and the loop", {
        CORIO_CHAPTER(thread, run_in_executor, "Blocking calls off the loop",
            "A blocking call (here a read that waits for a device) runs on the loop's default "
            "executor through run_in_executor, while a task on the loop keeps ticking; "
            "to_thread is the same in asyncio's newer spelling, and the call's exception comes "
            "out of the co_await."),
        CORIO_CHAPTER(thread, cpu_bound_pool, "CPU-bound work in parallel",
            "Seed 000 says two CPU-bound Python threads run one after the other. C++ has no GIL: "
            "the same count of primes, split over a thread_pool with one thread per core, gives "
            "the same answer sooner (the speed-up is printed on standard error)."),
    }},
    {"Part 8: real I/O", {
        CORIO_CHAPTER_WITH_STDIN(net, stdin_scheduler, "A\nA\nA\nB\nB\nC\nC\nB\nC\n",
            "The A/B/C scheduler, reading standard input through the loop",
            "The A/B/C scheduler of Part 4, now with tasks on the event loop: each waits for its "
            "events with co_await, and the events are read from standard input through the loop, "
            "which waits for the descriptor to be readable instead of blocking in a read. The "
            "transcript is the same as the generator version's."),
        CORIO_CHAPTER(net, echo, "An echo server and its clients over TCP",
            "asyncio's streams: start_server runs a handler task per connection with a reader "
            "and a writer; open_connection gives a client the same pair. Real sockets on "
            "loopback, on io_uring where the kernel allows it, else epoll."),
        CORIO_CHAPTER(net, currency_exchange, "Seed 003's currency exchange, waiting without blocking",
            "The exchange service asks a slower rates service for every request. On one corio "
            "thread it serves two hundred clients at once, because a task waiting for the rates "
            "service blocks nothing else; the thread-per-request version needs a thread per "
            "client for the same work. Both are measured (the figures vary from run to run)."),
        CORIO_CHAPTER(net, chat_server, "A line chat server",
            "Every line a client sends goes to every other client: write() never blocks, so a "
            "slow client only grows its own queue. Here three scripted clients chat; run it with "
            "CORIO_CHAT_PORT=7000 and join with nc, and Ctrl-C shuts it down gracefully through "
            "add_signal_handler, saying goodbye to everyone."),
        CORIO_CHAPTER(process, stream_lines, "A subprocess's output, line by line as it comes",
            "A child's pipes are streams, asyncio's proc.stdout and proc.stderr: readline() on "
            "each, in two tasks of a task group, prints every line the moment the child writes "
            "it, numbered and tagged with its pipe, then wait() gives the return code. The times "
            "show the lines arriving 0.1 s apart, as the shell loop prints them."),
    }},
};
// clang-format on

namespace {

/// Prints `text` wrapped at `width` columns.
void print_wrapped(std::string_view text, std::size_t width = 80) {
    std::size_t column = 0;
    while (!text.empty()) {
        const auto space = text.find(' ');
        const auto word = text.substr(0, space);
        text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
        if (column > 0 && column + 1 + word.size() > width) {
            std::cout << '\n';
            column = 0;
        }
        std::cout << (column > 0 ? " " : "") << word;
        column += (column > 0 ? 1 : 0) + word.size();
    }
    std::cout << '\n';
}

/// The chapters the command line asks for (numbers, counted from 1), or all of them.
std::vector<bool> selection(int argc, char** argv, std::size_t count) {
    std::vector<bool> wanted(count, argc <= 1);
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        std::size_t n = 0;
        const auto [end, error] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
        if (error != std::errc{} || end != arg.data() + arg.size() || n < 1 || n > count) {
            throw std::invalid_argument("no chapter " + std::string(arg) + " (try --list)");
        }
        wanted[n - 1] = true;
    }
    return wanted;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t count = 0;
    for (const auto& p : tour) count += p.chapters.size();

    if (argc == 2 && std::string_view(argv[1]) == "--list") {
        std::size_t number = 0;
        for (const auto& p : tour) {
            std::cout << p.title << '\n';
            for (const auto& c : p.chapters) {
                std::cout << "  " << ++number << ". " << c.title << "  (" << c.source << ")\n";
            }
        }
        return 0;
    }

    try {
        const auto wanted = selection(argc, argv, count);
        std::size_t number = 0;
        for (const auto& p : tour) {
            bool part_shown = false;
            for (const auto& c : p.chapters) {
                if (!wanted[number++]) continue;
                if (!part_shown) {
                    std::cout << "══ " << p.title << " ══\n\n";
                    part_shown = true;
                }
                std::cout << "── Chapter " << number << ": " << c.title << " ──\n";
                print_wrapped(c.about);
                std::cout << "(" << c.source << ")\n\n";
                c.run();
                std::cout << '\n';
            }
        }
    } catch (const std::exception& error) {
        std::cout << std::flush;
        std::cerr << "tour: error: " << error.what() << '\n';
        return 1;
    }
}
