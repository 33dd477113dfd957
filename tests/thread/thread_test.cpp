// corio::threading::thread: Python's threading.Thread. Ordering is controlled with events and
// joins, never with sleeps; no assertion depends on how long anything took.
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pthread.h>

#include <corio/threading.hpp>

namespace {

using namespace std::chrono_literals;
namespace threading = corio::threading;
using corio::invalid_state_error;
using threading::thread;
using threading::thread_options;

/// The kernel's name of the calling thread.
std::string kernel_name() {
    char buffer[64] = {};
    pthread_getname_np(pthread_self(), buffer, sizeof buffer);
    return buffer;
}

/// The N of "Thread-N".
long number_of(const std::string& name, const std::string& prefix = "Thread-") {
    EXPECT_EQ(name.rfind(prefix, 0), 0U) << name;
    return std::stol(name.substr(prefix.size()));
}

TEST(Thread, GivenNameIsKeptWholeAndTheKernelGetsFifteenBytes) {
    std::string inside, kernel;
    thread t(thread_options{.name = "a_very_long_thread_name"}, [&] {
        inside = threading::current_thread().name();
        kernel = kernel_name();
    });
    EXPECT_EQ(t.name(), "a_very_long_thread_name");
    t.start();
    t.join();
    EXPECT_EQ(inside, "a_very_long_thread_name");
    EXPECT_EQ(kernel, "a_very_long_thr");
}

TEST(Thread, KernelNameIsCutAtACharacterBoundary) {
    std::string kernel;
    // 11 two-byte characters: 15 bytes would split the 8th, so the kernel gets 7 (14 bytes).
    thread t(thread_options{.name = "ПотокДанных"}, [&] { kernel = kernel_name(); });
    t.start();
    t.join();
    EXPECT_EQ(kernel, "ПотокДа");
    EXPECT_EQ(t.name(), "ПотокДанных");
}

TEST(Thread, DefaultNamesCountUpAndShareTheCounterWithDummies) {
    thread a([] {});
    thread b([] {});
    std::string dummy;
    std::thread([&] { dummy = threading::current_thread().name(); }).join();
    thread c(thread_options{.name = ""}, [] {});  // empty means default, as in Python
    const long n = number_of(a.name());
    EXPECT_EQ(number_of(b.name()), n + 1);
    EXPECT_EQ(number_of(dummy, "Dummy-"), n + 2);
    EXPECT_EQ(number_of(c.name()), n + 3);
}

TEST(Thread, RenamingChangesCorioNameOnly) {
    threading::event renamed, checked;
    std::string kernel_after;
    thread t(thread_options{.name = "before"}, [&] {
        renamed.wait();
        kernel_after = kernel_name();
        checked.set();
    });
    t.start();
    t.set_name("after");
    renamed.set();
    checked.wait();
    EXPECT_EQ(t.name(), "after");
    EXPECT_EQ(kernel_after, "before");
    t.join();
}

TEST(Thread, IdentsAreKnownOnceStarted) {
    std::uint64_t ident_inside = 0, native_inside = 0;
    thread t([&] {
        ident_inside = threading::get_ident();
        native_inside = threading::get_native_id();
    });
    EXPECT_EQ(t.ident(), 0U);  // Python's None
    EXPECT_EQ(t.native_id(), 0U);
    t.start();
    EXPECT_NE(t.ident(), 0U);  // start() returned: the thread runs
    EXPECT_NE(t.native_id(), 0U);
    t.join();
    EXPECT_EQ(t.ident(), ident_inside);
    EXPECT_EQ(t.native_id(), native_inside);
    EXPECT_NE(t.ident(), threading::get_ident());
    EXPECT_NE(t.native_id(), threading::get_native_id());
}

TEST(Thread, JoinWithTimeoutIsFalseWhileBlockedThenTrue) {
    threading::event release;
    thread t([&] { release.wait(); });
    EXPECT_FALSE(t.is_alive());
    t.start();
    EXPECT_TRUE(t.is_alive());
    EXPECT_FALSE(t.join(10ms));  // blocked on `release`, which only this test sets
    EXPECT_FALSE(t.join(-1s));   // negative: does not wait
    EXPECT_TRUE(t.is_alive());
    release.set();
    EXPECT_TRUE(t.join(std::chrono::duration<double>::max()));  // "forever", no overflow
    EXPECT_FALSE(t.is_alive());
    EXPECT_TRUE(t.join(0s));  // joining again is fine, as in Python
    t.join();
}

TEST(Thread, ArgumentsAreCopiedAndMovedIn) {
    int seen = 0;
    auto box = std::make_unique<int>(7);
    int target = 0;
    thread t([&seen](std::unique_ptr<int> p, int& out) { seen = *p, out = 8; }, std::move(box),
             std::ref(target));
    t.start();
    t.join();
    EXPECT_EQ(seen, 7);
    EXPECT_EQ(target, 8);
}

TEST(Thread, CallableObjectIsPythonsSubclassWithRun) {
    struct my_thread {
        std::string* out;
        void operator()() const { *out = threading::current_thread().name() + " running"; }
    };
    std::string out;
    auto t = threading::spawn(my_thread{&out});
    t.join();
    EXPECT_EQ(out, t.name() + " running");
}

TEST(Thread, MisuseRaisesPythonsErrors) {
    thread t([] {});
    EXPECT_THROW(t.join(), invalid_state_error);  // cannot join thread before it is started
    t.set_daemon(false);
    t.start();
    EXPECT_THROW(t.start(), invalid_state_error);  // threads can only be started once
    EXPECT_THROW(t.set_daemon(true), invalid_state_error);
    t.join();
    EXPECT_THROW(t.set_daemon(true), invalid_state_error);

    thread empty;
    EXPECT_FALSE(empty);
    EXPECT_THROW((void)empty.name(), invalid_state_error);
    EXPECT_THROW(empty.start(), invalid_state_error);

    std::atomic<bool> self_join_refused = false;
    auto self = threading::spawn([&] {
        try {
            threading::current_thread().join();
        } catch (const invalid_state_error& e) {
            self_join_refused = std::string(e.what()) == "cannot join current thread";
        }
    });
    self.join();
    EXPECT_TRUE(self_join_refused);
    EXPECT_THROW(threading::main_thread().join(), invalid_state_error);
}

TEST(Thread, NonDaemonDestructorJoins) {
    threading::event go;
    bool finished = false;  // written by the thread, read after the destructor: a join orders it
    {
        thread t([&] {
            go.wait();
            finished = true;
        });
        t.start();
        go.set();
    }
    EXPECT_TRUE(finished);
    thread never_started([] {});  // destroying one that never ran is fine too
}

TEST(Thread, DaemonIsDetachedAndCanStillBeJoined) {
    auto release = std::make_shared<threading::event>();  // outlives the owner: shared
    threading::thread_ref ref;
    {
        thread d(thread_options{.name = "daemon", .daemon = true}, [release] { release->wait(); });
        EXPECT_TRUE(d.daemon());
        d.start();
        ref = d.ref();
    }  // the destructor did not wait: the thread is still blocked on `release`
    EXPECT_TRUE(ref.is_alive());
    EXPECT_FALSE(ref.join(1ms));
    release->set();
    ref.join();
    EXPECT_FALSE(ref.is_alive());
}

TEST(Thread, DaemonFlagIsInheritedFromTheCreatingCorioThread) {
    bool child_daemon = false, grandchild_daemon = true;
    auto parent = threading::spawn(thread_options{.daemon = true}, [&] {
        thread child([] {});
        child_daemon = child.daemon();
        thread other(thread_options{.daemon = false}, [] {});
        grandchild_daemon = other.daemon();
    });
    parent.join();
    EXPECT_TRUE(child_daemon);
    EXPECT_FALSE(grandchild_daemon);
    EXPECT_FALSE(thread([] {}).daemon());  // from the main thread
    bool from_foreign = true;
    std::thread([&] { from_foreign = thread([] {}).daemon(); }).join();
    EXPECT_FALSE(from_foreign);
}

TEST(Thread, MovingKeepsTheThread) {
    threading::event release;
    thread a(thread_options{.name = "moved"}, [&] { release.wait(); });
    a.start();
    thread b(std::move(a));
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved from is empty
    EXPECT_EQ(b.name(), "moved");
    EXPECT_TRUE(b.is_alive());

    bool first_done = false;
    thread c([&] { first_done = true; });
    c.start();
    c = std::move(b);  // joins what c ran first
    EXPECT_TRUE(first_done);
    release.set();
    c.join();
}

TEST(Thread, ManyThreadsStartRunAndLeave) {
    constexpr int count = 64;
    const std::size_t before = threading::active_count();
    std::atomic<int> ran = 0;
    threading::event release;
    std::vector<thread> threads;
    for (int i = 0; i < count; ++i) {
        threads.emplace_back([&] {
            ran.fetch_add(1);
            release.wait();
        });
        threads.back().start();
    }
    EXPECT_EQ(threading::active_count(), before + count);
    release.set();
    for (auto& t : threads) t.join();
    EXPECT_EQ(ran.load(), count);
    EXPECT_EQ(threading::active_count(), before);
}

}  // namespace
