// Error paths of the loop and of tasks: no exception is silently dropped, and nothing leaks or
// gets lost when an allocation fails. Allocation failures are injected by replacing the global
// operator new in this test program; leaks are caught by LeakSanitizer in the sanitizer builds.
#include <atomic>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/testing.hpp>

// ---- fault injection ----------------------------------------------------------------------------

namespace {
/// -1: allocations succeed; n >= 0: the n-th allocation from now (0: the next) throws bad_alloc.
thread_local long fail_countdown = -1;

void* allocate(std::size_t n) {
    if (fail_countdown >= 0 && fail_countdown-- == 0) throw std::bad_alloc();
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
}  // namespace

// Every non-aligned form, so that no allocation pairs this malloc with another allocator's free.
void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return allocate(n);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

using namespace std::chrono_literals;
using corio::event_loop;
using corio::task;
using corio::testing::exception_log;
using corio::testing::virtual_time;

/// Makes the `nth` allocation from now fail, for the scope of the object.
class failing_allocation {
public:
    explicit failing_allocation(long nth) noexcept { fail_countdown = nth; }
    failing_allocation(const failing_allocation&) = delete;
    failing_allocation& operator=(const failing_allocation&) = delete;
    ~failing_allocation() { fail_countdown = -1; }
    /// True if the failure was injected (the countdown ran out) while this object is alive.
    [[nodiscard]] static bool fired() noexcept { return fail_countdown == -1; }
};

/// Runs `attempt(n)` with the n-th allocation failing, for n = 0, 1, ... until an attempt makes no
/// more allocations than n (then every allocation of the operation has been made to fail once).
/// Returns how many attempts saw bad_alloc.
template <class Attempt>
int for_each_allocation_failure(Attempt attempt) {
    int failures = 0;
    for (long n = 0; n < 100; ++n) {
        bool threw = false;
        bool fired = false;
        {
            failing_allocation fail(n);
            try {
                attempt();
            } catch (const std::bad_alloc&) {
                threw = true;
            }
            fired = failing_allocation::fired();
        }
        failures += threw;
        if (!fired) return failures;
    }
    ADD_FAILURE() << "the operation kept allocating";
    return failures;
}

// ---- allocation failures ------------------------------------------------------------------------

TEST(ErrorPaths, CallSoonAndCallLaterLeakNothingWhenAllocationFails) {
    for (int which = 0; which < 2; ++which) {
        event_loop loop(virtual_time());
        int ran = 0;
        int scheduled = 0;
        const int failures = for_each_allocation_failure([&] {
            if (which == 0) {
                loop.call_soon([&ran] { ++ran; });
            } else {
                loop.call_later(1ms, [&ran] { ++ran; });  // node, then the timer heap's storage
            }
            ++scheduled;
        });
        EXPECT_GE(failures, 1);
        loop.call_later(1h, [&loop] { loop.stop(); });
        loop.run_forever();
        EXPECT_EQ(ran, scheduled);  // what was scheduled ran; the failed calls left nothing behind
    }
}

task<int> forty_two() { co_return 42; }

TEST(ErrorPaths, CreateTaskLeaksNothingWhenAllocationFails) {
    event_loop loop(virtual_time());
    std::vector<corio::task_handle<int>> created;
    created.reserve(100);  // so that only create_task allocates in the attempts
    const int failures = for_each_allocation_failure([&] {
        auto coro = forty_two();  // the frame; then the record and its name inside create_task
        created.push_back(loop.create_task(std::move(coro), "a name long enough to allocate"));
    });
    EXPECT_GE(failures, 1);
    // Only the successful call made a task; the frames of the failed ones were destroyed.
    ASSERT_EQ(loop.all_tasks().size(), 1U);
    EXPECT_EQ(loop.run_until_complete(created.back()), 42);
}

task<void> sleep_long() { co_await corio::sleep(24h); }

TEST(ErrorPaths, CancelThatFailsToAllocateLeavesTheTaskAsleep) {
    auto main_task = []() -> task<int> {
        const std::string message = "a cancellation message too long for the small buffer";
        int failures = 0;
        for (long n = 0; n < 10; ++n) {
            auto t = corio::create_task(sleep_long());
            co_await corio::yield_now();  // t is asleep now
            bool threw = false;
            {
                failing_allocation fail(n);
                try {
                    t.cancel(message);
                } catch (const std::bad_alloc&) {
                    threw = true;
                }
            }
            if (threw) {
                ++failures;
                // As if never asked: not counted, and still asleep on its timer, so it wakes when
                // its time is up (were the timer lost, this would be a deadlock).
                EXPECT_EQ(t.cancelling(), 0);
                EXPECT_FALSE(t.done());
                co_await t;
                EXPECT_FALSE(t.cancelled());
                continue;
            }
            bool ended = false;
            try {
                co_await t;
            } catch (const corio::cancelled_error& e) {
                ended = true;
                EXPECT_EQ(e.message(), message);
            } catch (const std::bad_alloc&) {
                // make_exception_ptr could not copy the cancelled_error and captured the bad_alloc
                // instead: the task ends with that error, which is not lost either.
                ended = true;
            }
            EXPECT_TRUE(ended);
            break;  // cancel() went through: every allocation it makes has been made to fail
        }
        co_return failures;
    };
    EXPECT_GE(corio::testing::run_virtual(main_task()), 1);
}

TEST(ErrorPaths, CallSoonThreadsafeFailsBeforeQueueingAndItsDrainCannotFail) {
    event_loop loop(virtual_time());
    std::vector<int> ran;
    std::vector<int> queued;
    ran.reserve(100);  // the callbacks themselves must not allocate
    queued.reserve(100);
    int next = 0;
    // The node is allocated by the posting call: a failure there throws to the poster and
    // queues nothing.
    const int failures = for_each_allocation_failure([&] {
        const int i = next++;
        loop.call_soon_threadsafe([&ran, i] { ran.push_back(i); });
        queued.push_back(i);
    });
    EXPECT_GE(failures, 1);
    loop.call_later(1h, [&loop] { loop.stop(); });
    {
        failing_allocation fail(0);
        loop.run_forever();  // the drain only links the posted nodes into the ready queue
        EXPECT_FALSE(failing_allocation::fired());
    }
    EXPECT_EQ(ran, queued);
}

TEST(ErrorPaths, ClosingALoopWithATaskThatNeverRanFreesItOnce) {
    exception_log log;
    {
        event_loop loop(virtual_time());
        log.install(loop);
        loop.create_task(forty_two(), "never ran");  // queued, handle dropped: the loop owns it
        loop.close();
    }
    ASSERT_EQ(log.size(), 1U);
    EXPECT_EQ(log.messages[0], "Task was destroyed but it is pending!");
    EXPECT_EQ(log.task_names[0], "never ran");
}

TEST(ErrorPaths, CallSoonThreadsafeRacingCloseIsRefusedCleanly) {
    bool refused = false;
    {
        event_loop loop;
        std::atomic<int> posted{0};
        std::thread poster([&] {
            try {
                for (;;) {
                    loop.call_soon_threadsafe([] {});
                    ++posted;
                }
            } catch (const std::logic_error&) {  // "event loop is closed": the caller knows
                refused = true;
            }
        });
        while (posted.load() < 10) std::this_thread::yield();
        loop.close();
        poster.join();
    }
    EXPECT_TRUE(refused);
}

// ---- exceptions thrown by user code -------------------------------------------------------------

TEST(ErrorPaths, ExceptionEscapingTheExceptionHandlerIsReportedToo) {
    event_loop loop;
    loop.set_exception_handler([](event_loop&, const corio::exception_context&) {
        throw std::runtime_error("the handler broke");
    });
    bool after = false;
    loop.call_soon([] { throw std::runtime_error("callback failed"); });
    loop.call_soon([&] {
        after = true;
        loop.stop();
    });
    testing::internal::CaptureStderr();
    loop.run_forever();
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_TRUE(after);
    // Both the handler's own failure and the report it failed to handle reach stderr.
    EXPECT_NE(err.find("Unhandled error in exception handler"), std::string::npos) << err;
    EXPECT_NE(err.find("the handler broke"), std::string::npos) << err;
    EXPECT_NE(err.find("Exception in callback"), std::string::npos) << err;
    EXPECT_NE(err.find("callback failed"), std::string::npos) << err;
}

TEST(ErrorPaths, ExceptionInADoneCallbackIsReportedAndTheOthersStillRun) {
    auto main_task = []() -> task<std::vector<int>> {
        std::vector<int> ran;
        corio::future<int> f;
        f.add_done_callback([&ran](corio::future<int>&) { ran.push_back(1); });
        f.add_done_callback([](corio::future<int>&) { throw std::runtime_error("callback 2"); });
        f.add_done_callback([&ran](corio::future<int>&) { ran.push_back(3); });
        auto t = corio::create_task(forty_two());
        t.add_done_callback([](corio::task_handle<int>&) { throw std::logic_error("task cb"); });
        f.set_result(5);
        co_await t;
        co_await corio::yield_now();
        co_return ran;
    };
    exception_log log;
    EXPECT_EQ(corio::testing::run_virtual(main_task(), log), (std::vector<int>{1, 3}));
    ASSERT_EQ(log.count("Exception in done callback"), 2U);
    EXPECT_THROW(std::rethrow_exception(log.exceptions[0]), std::runtime_error);
    EXPECT_THROW(std::rethrow_exception(log.exceptions[1]), std::logic_error);
}

/// Moving it throws once its budget of moves is spent.
struct fragile {
    explicit fragile(int moves) : moves_left(moves) {}
    fragile(fragile&& o) : moves_left(o.moves_left - 1) {
        if (o.moves_left == 0) throw std::runtime_error("move failed");
    }
    fragile& operator=(fragile&&) = delete;
    ~fragile() = default;
    int moves_left;
};

// co_return moves the value into the frame; the task (or the awaiter) then moves it out.
task<fragile> fragile_result() { co_return fragile(1); }

TEST(ErrorPaths, ExceptionFromMovingAResultOutReachesTheAwaiter) {
    auto main_task = []() -> task<int> {
        int caught = 0;
        try {
            (void)co_await fragile_result();  // a child: moved out in the awaiting task
        } catch (const std::runtime_error&) {
            ++caught;
        }
        auto t = corio::create_task(fragile_result());  // a task: moved into its record
        try {
            (void)co_await t;
        } catch (const std::runtime_error&) {
            ++caught;
        }
        EXPECT_TRUE(t.done());
        EXPECT_FALSE(t.cancelled());
        co_return caught;
    };
    exception_log log;
    EXPECT_EQ(corio::testing::run_virtual(main_task(), log), 2);
    EXPECT_TRUE(log.empty());
}

TEST(ErrorPaths, UnretrievedResultMoveFailureIsReported) {
    auto main_task = []() -> task<void> {
        corio::create_task(fragile_result(), "fragile");  // handle dropped
        co_await corio::sleep(1ms);
    };
    exception_log log;
    corio::testing::run_virtual(main_task(), log);
    ASSERT_EQ(log.size(), 1U);
    EXPECT_EQ(log.messages[0], "Task exception was never retrieved");
    EXPECT_EQ(log.task_names[0], "fragile");
}

}  // namespace
