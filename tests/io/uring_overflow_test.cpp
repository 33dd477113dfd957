// The io_uring backend with a completion queue far smaller than the completions that arrive at
// once (4 submission and 8 completion entries, hundreds of operations made ready together): the
// kernel keeps what does not fit (IORING_FEAT_NODROP) and the backend must flush it in, so that
// every operation completes exactly once with its own result.
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <corio/core.hpp>
#include <corio/net/socket.hpp>

#include "uring_env.hpp"

namespace {

using corio::task;
using corio::net::socket;
using namespace std::chrono_literals;

constexpr int pairs = 200;

/// Receives what `s` gets first; records it at `got[i]`.
task<void> receive_one(socket& s, std::vector<std::string>& got, int i) {
    std::array<std::byte, 64> buf{};
    const std::size_t n = co_await s.recv(buf);
    got[static_cast<std::size_t>(i)] += std::string(reinterpret_cast<const char*>(buf.data()), n);
}

task<void> wait_one(socket& s, std::vector<int>& events, int i) {
    events[static_cast<std::size_t>(i)] += static_cast<int>(co_await s.wait_readable());
}

/// Starts `pairs` waits with `start`, lets them all reach the kernel, then makes them all
/// ready at once with plain writes on the other ends (no submission needed).
template <class Start>
task<void> all_at_once(std::vector<std::pair<socket, socket>>& ends, Start start) {
    std::vector<corio::task_handle<void>> waits;
    for (int i = 0; i < pairs; ++i) waits.push_back(corio::create_task(start(i)));
    co_await corio::sleep(20ms);  // every wait submitted, and armed in the kernel
    for (int i = 0; i < pairs; ++i) {
        const std::string message = "message " + std::to_string(i);
        EXPECT_EQ(
            ::send(ends[static_cast<std::size_t>(i)].first.fd(), message.data(), message.size(), 0),
            static_cast<ssize_t>(message.size()));
    }
    for (auto& w : waits) co_await corio::wait_for(std::move(w), 30s);
}

class UringOverflow : public ::testing::Test {
protected:
    void SetUp() override {
        env_.set("CORIO_URING_ENTRIES", "4:8");
        loop_ = corio_test::make_uring_loop();
        if (!loop_) GTEST_SKIP() << "io_uring is refused here (kernel or seccomp)";
    }
    corio_test::scoped_env env_;
    std::unique_ptr<corio::event_loop> loop_;
};

TEST_F(UringOverflow, EveryReceiveCompletesOnceWithItsOwnBytes) {
    std::vector<std::pair<socket, socket>> ends;
    for (int i = 0; i < pairs; ++i) ends.push_back(socket::pair());
    std::vector<std::string> got(pairs);
    loop_->run_until_complete(all_at_once(ends, [&](int i) {
        return receive_one(ends[static_cast<std::size_t>(i)].second, got, i);
    }));
    for (int i = 0; i < pairs; ++i) {
        EXPECT_EQ(got[static_cast<std::size_t>(i)], "message " + std::to_string(i)) << i;
    }
    // Nothing is left to arrive twice: a second delivery would have run into a frame that is
    // gone (AddressSanitizer) or appended to `got`. The loop is still sound for more work.
    auto [x, y] = socket::pair();
    EXPECT_EQ(::send(x.fd(), "z", 1, 0), 1);
    std::vector<std::string> last(1);
    std::vector<std::pair<socket, socket>> one;
    one.emplace_back(std::move(x), std::move(y));
    loop_->run_until_complete(receive_one(one[0].second, last, 0));
    EXPECT_EQ(last[0], "z");
}

TEST_F(UringOverflow, EveryReadinessWaitCompletesOnce) {
    std::vector<std::pair<socket, socket>> ends;
    for (int i = 0; i < pairs; ++i) ends.push_back(socket::pair());
    std::vector<int> events(pairs, 0);
    loop_->run_until_complete(all_at_once(ends, [&](int i) {
        return wait_one(ends[static_cast<std::size_t>(i)].second, events, i);
    }));
    for (int i = 0; i < pairs; ++i) EXPECT_EQ(events[static_cast<std::size_t>(i)], POLLIN) << i;
}

}  // namespace
