// Choosing the I/O backend: the loop option, CORIO_BACKEND, and the fallback to epoll when the
// kernel or a seccomp filter refuses io_uring (Docker's default profile does).
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <string>
#include <system_error>
#include <thread>

#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <corio/core.hpp>
#include <corio/net/socket.hpp>

namespace {

using corio::task;

/// Installs a seccomp filter in this process that makes io_uring_setup fail with EPERM, as
/// Docker's default profile does.
void refuse_io_uring() {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        std::_Exit(3);
    }
}

/// A round trip over a socket pair: the loop's I/O works.
task<bool> round_trip() {
    auto [x, y] = corio::net::socket::pair();
    const std::array<std::byte, 3> out{std::byte{1}, std::byte{2}, std::byte{3}};
    co_await x.send_all(out);
    std::array<std::byte, 3> in{};
    co_return co_await y.recv(in) == 3 && in == out;
}

TEST(Backend, AutomaticPrefersIoUringWhereTheKernelAllowsIt) {
    // This machine's kernel allows it (the I/O tests run on both backends anyway).
    corio::event_loop loop;
    EXPECT_EQ(loop.backend_name(), std::getenv("CORIO_BACKEND") ? loop.backend_name() : "io_uring");
}

TEST(Backend, FallsBackToEpollWhenSeccompRefusesIoUring) {
    EXPECT_EXIT(
        {
            refuse_io_uring();
            corio::event_loop loop;
            const bool works = loop.run_until_complete(round_trip());
            std::_Exit(loop.backend_name() == "epoll" && works ? 0 : 1);
        },
        ::testing::ExitedWithCode(0), "");
}

TEST(Backend, ForcedIoUringFailsClearlyWhenRefused) {
    EXPECT_EXIT(
        {
            refuse_io_uring();
            try {
                corio::loop_options o;
                o.backend = corio::io_backend_kind::io_uring;
                corio::event_loop loop(o);
            } catch (const std::system_error& e) {
                std::_Exit(std::string(e.what()).find("io_uring") != std::string::npos ? 0 : 2);
            }
            std::_Exit(1);
        },
        ::testing::ExitedWithCode(0), "");
}

TEST(Backend, EnvironmentVariableChoosesTheBackend) {
    const char* saved = std::getenv("CORIO_BACKEND");
    const std::string restore = saved ? saved : "";
    ::setenv("CORIO_BACKEND", "epoll", 1);
    EXPECT_EQ(corio::event_loop().backend_name(), "epoll");
    ::setenv("CORIO_BACKEND", "io_uring", 1);
    EXPECT_EQ(corio::event_loop().backend_name(), "io_uring");
    ::setenv("CORIO_BACKEND", "kqueue", 1);
    EXPECT_THROW(corio::event_loop(), std::invalid_argument);
    // An explicit option wins over the environment.
    corio::loop_options o;
    o.backend = corio::io_backend_kind::epoll;
    ::setenv("CORIO_BACKEND", "io_uring", 1);
    EXPECT_EQ(corio::event_loop(o).backend_name(), "epoll");
    if (saved) {
        ::setenv("CORIO_BACKEND", restore.c_str(), 1);
    } else {
        ::unsetenv("CORIO_BACKEND");
    }
}

TEST(Backend, ALoopMadeOnOneThreadRunsOnAnother) {
    // An io_uring ring is set up for one thread: the loop's is enabled by the thread that runs it.
    corio::event_loop loop;
    bool works = false;
    std::thread runner([&] { works = loop.run_until_complete(round_trip()); });
    runner.join();
    EXPECT_TRUE(works);
    // And later on this thread, with nothing in flight.
    EXPECT_TRUE(loop.run_until_complete(round_trip()));
}

}  // namespace
