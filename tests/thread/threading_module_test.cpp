// The module functions of corio::threading (Python's threading.current_thread, main_thread,
// enumerate, active_count, excepthook) and how an exception leaves a thread.
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <corio/threading.hpp>

namespace {

using namespace std::chrono_literals;
namespace threading = corio::threading;
using threading::thread;
using threading::thread_options;
using threading::thread_ref;

bool listed(const thread_ref& t) {
    const auto all = threading::enumerate();
    return std::find(all.begin(), all.end(), t) != all.end();
}

/// Installs a hook for one test, and puts the previous one back.
class hook_guard {
public:
    explicit hook_guard(threading::excepthook hook)
        : previous_(threading::set_excepthook(std::move(hook))) {}
    hook_guard(const hook_guard&) = delete;
    hook_guard& operator=(const hook_guard&) = delete;
    ~hook_guard() { threading::set_excepthook(std::move(previous_)); }

private:
    threading::excepthook previous_;
};

TEST(CurrentThread, MainThreadIsMainThread) {
    const thread_ref me = threading::current_thread();
    EXPECT_EQ(me.name(), "MainThread");
    EXPECT_EQ(me, threading::main_thread());
    EXPECT_TRUE(me.is_alive());
    EXPECT_FALSE(me.daemon());
    EXPECT_EQ(me.ident(), threading::get_ident());
    EXPECT_EQ(me.native_id(), threading::get_native_id());
}

TEST(CurrentThread, InACorioThreadItIsThatThread) {
    thread_ref inside;
    thread t(thread_options{.name = "worker"}, [&] { inside = threading::current_thread(); });
    t.start();
    t.join();
    EXPECT_EQ(inside, t.ref());
    EXPECT_EQ(inside.name(), "worker");
    EXPECT_NE(inside, threading::main_thread());
}

TEST(CurrentThread, AForeignThreadIsADummyListedUntilItExits) {
    threading::event asked, release;
    thread_ref dummy;
    bool listed_inside = false;
    std::thread foreign([&] {
        dummy = threading::current_thread();
        listed_inside = listed(dummy);
        EXPECT_EQ(threading::current_thread(), dummy);  // the same one on every call
        asked.set();
        release.wait();
    });
    asked.wait();
    EXPECT_EQ(dummy.name().rfind("Dummy-", 0), 0U);
    EXPECT_TRUE(listed_inside);
    EXPECT_TRUE(dummy.is_alive());
    EXPECT_TRUE(dummy.daemon());
    EXPECT_NE(dummy.native_id(), 0U);
    EXPECT_THROW(dummy.join(), corio::invalid_state_error);  // cannot join a dummy thread
    release.set();
    foreign.join();  // its thread_local destructors have run: it is gone from the list
    EXPECT_FALSE(listed(dummy));
    EXPECT_FALSE(dummy.is_alive());
}

TEST(Enumerate, ListsMainFirstThenLiveThreadsInStartOrder) {
    threading::event release;
    thread a(thread_options{.name = "a"}, [&] { release.wait(); });
    thread b(thread_options{.name = "b"}, [&] { release.wait(); });
    thread unstarted(thread_options{.name = "unstarted"}, [] {});
    const std::size_t before = threading::active_count();
    b.start();
    a.start();
    auto all = threading::enumerate();
    ASSERT_GE(all.size(), 3U);
    EXPECT_EQ(all.front(), threading::main_thread());
    EXPECT_EQ(all.size(), threading::active_count());
    EXPECT_EQ(threading::active_count(), before + 2);
    const auto pos_a = std::find(all.begin(), all.end(), a.ref());
    const auto pos_b = std::find(all.begin(), all.end(), b.ref());
    ASSERT_NE(pos_a, all.end());
    ASSERT_NE(pos_b, all.end());
    EXPECT_LT(pos_b, pos_a);  // b started first
    EXPECT_FALSE(listed(unstarted.ref()));

    release.set();
    a.join();
    EXPECT_FALSE(listed(a.ref()));  // joined: gone
    b.join();
    EXPECT_FALSE(listed(b.ref()));
    EXPECT_EQ(threading::active_count(), before);
}

TEST(Enumerate, ThreadsCanBeJoinedThroughTheList) {
    // Seed 002's counter: "for t in threading.enumerate(): if t is not main_thread: t.join()".
    std::atomic<int> done = 0;
    std::vector<thread> workers;
    for (int i = 0; i < 3; ++i) workers.push_back(threading::spawn([&] { ++done; }));
    for (const thread_ref& t : threading::enumerate()) {
        if (t == threading::main_thread()) continue;
        EXPECT_TRUE(t.join(std::chrono::duration<double>::max()));
    }
    EXPECT_EQ(done.load(), 3);
}

TEST(Exceptions, JoinRethrowsWhatTheFunctionThrew) {
    int hook_calls = 0;
    hook_guard guard([&](const threading::excepthook_args&) { ++hook_calls; });
    {
        thread t([] { throw std::runtime_error("boom"); });
        t.start();
        EXPECT_THROW(t.join(), std::runtime_error);
        EXPECT_FALSE(t.is_alive());
        EXPECT_THROW(t.join(), std::runtime_error);  // every join does
        EXPECT_THROW((void)t.join(1s), std::runtime_error);
        EXPECT_THROW(t.ref().join(), std::runtime_error);
    }
    EXPECT_EQ(hook_calls, 0);  // it was rethrown: handled
}

TEST(Exceptions, AnUnjoinedFailureGoesToTheHookWhenTheOwnerGoes) {
    std::vector<std::string> reports;
    hook_guard guard([&](const threading::excepthook_args& args) {
        try {
            std::rethrow_exception(args.exception);
        } catch (const std::exception& e) {
            reports.push_back(args.thread.name() + ": " + e.what());
        }
    });
    {
        thread t(thread_options{.name = "failing"}, [] { throw std::logic_error("bad"); });
        t.start();
        EXPECT_THROW((void)t.join(std::chrono::duration<double>::max()), std::logic_error);
    }
    EXPECT_TRUE(reports.empty());  // joined with a timeout: that rethrew it, so it is handled
    {
        thread t(thread_options{.name = "unjoined"}, [] { throw std::logic_error("bad"); });
        t.start();
    }  // the destructor joins, nobody saw the error: reported here, on this thread
    EXPECT_EQ(reports, (std::vector<std::string>{"unjoined: bad"}));
}

TEST(Exceptions, ADaemonFailingAfterItsOwnerWentIsReportedByItself) {
    threading::event reported;
    std::string where;
    hook_guard guard([&](const threading::excepthook_args& args) {
        where = args.thread.name() + (threading::current_thread() == args.thread ? " (self)" : "");
        reported.set();
    });
    auto release = std::make_shared<threading::event>();
    {
        thread d(thread_options{.name = "d", .daemon = true}, [release] {
            release->wait();
            throw std::runtime_error("late");
        });
        d.start();
    }
    release->set();
    reported.wait();
    EXPECT_EQ(where, "d (self)");
}

TEST(Exceptions, DefaultHookPrintsLikePython) {
    hook_guard guard(nullptr);
    testing::internal::CaptureStderr();
    {
        thread t(thread_options{.name = "worker"}, [] { throw std::runtime_error("boom"); });
        t.start();
    }
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "Exception in thread worker:\nstd::runtime_error: boom\n");
}

TEST(Exceptions, AFailingHookLosesNothing) {
    hook_guard guard([](const threading::excepthook_args&) { throw std::runtime_error("hook"); });
    testing::internal::CaptureStderr();
    {
        thread t(thread_options{.name = "w"}, [] { throw 42; });
        t.start();
    }
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "Exception in thread w:\nint\nException in thread w:\nstd::runtime_error: hook\n");
}

}  // namespace
