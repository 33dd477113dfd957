// event_loop::add_reader / add_writer on both backends: level-triggered callbacks for descriptors
// of other libraries, removed at any point of their life.
#include <string>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <corio/core.hpp>

#include "../net/backend_param.hpp"

namespace {

using corio::task;
using namespace std::chrono_literals;

/// A non-blocking pipe, closed at the end of the test.
struct pipe_pair {
    int read_end = -1;
    int write_end = -1;
    pipe_pair() {
        int fds[2];
        EXPECT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
        read_end = fds[0];
        write_end = fds[1];
    }
    ~pipe_pair() {
        ::close(read_end);
        ::close(write_end);
    }
};

class Watchers : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(Watchers);

TEST_P(Watchers, ReaderIsCalledWhileDataWaitsAndUntilRemoved) {
    corio::event_loop loop(options());
    pipe_pair p;
    std::string got;
    int calls = 0;
    loop.add_reader(p.read_end, [&] {
        ++calls;
        char c;
        // One byte per call: level-triggered, so the rest brings more calls.
        if (::read(p.read_end, &c, 1) == 1) got += c;
        if (got == "abc") loop.remove_reader(p.read_end);
    });
    auto main = [](pipe_pair& p, std::string& got) -> task<void> {
        co_await corio::sleep(1ms);
        EXPECT_EQ(::write(p.write_end, "abc", 3), 3);
        while (got.size() < 3) co_await corio::sleep(1ms);
        // Removed: more data brings no call.
        EXPECT_EQ(::write(p.write_end, "d", 1), 1);
        co_await corio::sleep(5ms);
    };
    loop.run_until_complete(main(p, got));
    EXPECT_EQ(got, "abc");
    EXPECT_EQ(calls, 3);
    EXPECT_FALSE(loop.remove_reader(p.read_end));
}

TEST_P(Watchers, WriterIsCalledWhenWritable) {
    corio::event_loop loop(options());
    pipe_pair p;
    int calls = 0;
    loop.add_writer(p.write_end, [&] {
        if (++calls == 2) loop.remove_writer(p.write_end);
    });
    auto main = [](int& calls) -> task<void> {
        while (calls < 2) co_await corio::sleep(1ms);
        co_await corio::sleep(5ms);
    };
    loop.run_until_complete(main(calls));
    EXPECT_EQ(calls, 2);
}

TEST_P(Watchers, ReplacingAndRemovingFromOutsideTheCallback) {
    corio::event_loop loop(options());
    pipe_pair p;
    std::vector<std::string> log;
    loop.add_reader(p.read_end, [&] { log.push_back("first"); });
    loop.add_reader(p.read_end, [&] {
        log.push_back("second");
        char buf[8];
        (void)::read(p.read_end, buf, sizeof buf);
    });
    auto main = [](pipe_pair& p, std::vector<std::string>& log,
                   corio::event_loop& loop) -> task<void> {
        EXPECT_EQ(::write(p.write_end, "x", 1), 1);
        while (log.empty()) co_await corio::sleep(1ms);
        EXPECT_TRUE(loop.remove_reader(p.read_end));
        EXPECT_EQ(::write(p.write_end, "y", 1), 1);
        co_await corio::sleep(5ms);
    };
    loop.run_until_complete(main(p, log, loop));
    EXPECT_EQ(log, std::vector<std::string>{"second"});
}

TEST_P(Watchers, ACallbackExceptionIsReportedAndTheReaderStays) {
    corio::event_loop loop(options());
    pipe_pair p;
    std::vector<std::string> reports;
    loop.set_exception_handler([&](corio::event_loop&, const corio::exception_context& c) {
        reports.push_back(c.message);
    });
    int calls = 0;
    loop.add_reader(p.read_end, [&] {
        if (++calls == 1) throw std::runtime_error("boom");
        loop.remove_reader(p.read_end);
    });
    EXPECT_EQ(::write(p.write_end, "x", 1), 1);
    auto main = [](int& calls) -> task<void> {
        while (calls < 2) co_await corio::sleep(1ms);
    };
    loop.run_until_complete(main(calls));
    EXPECT_EQ(reports, std::vector<std::string>{"Exception in callback"});
}

TEST_P(Watchers, ClosingTheLoopWithWatchersRegisteredOrQueuedFreesThem) {
    pipe_pair p;
    {
        corio::event_loop loop(options());
        loop.add_reader(p.read_end, [] {});
        loop.add_writer(p.write_end, [] {});  // writable at once: its call is queued
        loop.close();
    }
    {
        corio::event_loop loop(options());
        loop.add_writer(p.write_end, [] {});
        loop.remove_writer(p.write_end);  // removed with its call queued
        loop.close();
    }
    SUCCEED();  // ASan reports any watcher leaked or freed twice
}

}  // namespace
