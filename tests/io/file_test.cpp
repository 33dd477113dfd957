// corio::file on both backends: io_uring reads and writes files itself, epoll sends them to the
// loop's thread pool; the results are the same.
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include <corio/core.hpp>
#include <corio/io/file.hpp>
#include <corio/net/errors.hpp>

#include "../net/backend_param.hpp"

namespace {

using corio::task;
using namespace std::chrono_literals;

std::string temp_path(const char* name) {
    return "/tmp/corio-file-test-" + std::to_string(::getpid()) + "-" + name;
}

class File : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(File);

TEST_P(File, WholeFileRoundTrip) {
    const std::string path = temp_path("whole");
    auto main = [](std::string path) -> task<std::string> {
        std::string data(3 << 20, '\0');
        for (std::size_t i = 0; i < data.size(); ++i)
            data[i] = static_cast<char>(i * 7 + (i >> 12));
        co_await corio::write_file(path, data);
        std::string back = co_await corio::read_file(path);
        EXPECT_TRUE(back == data);
        co_return back.substr(0, 3);
    };
    EXPECT_EQ(run(main(path)).size(), 3u);
    ::unlink(path.c_str());
}

TEST_P(File, ReadAndWriteAtOffsets) {
    const std::string path = temp_path("offsets");
    auto main = [](std::string path) -> task<void> {
        corio::file f = co_await corio::file::open(path, corio::open_mode::create_new);
        co_await f.write_at(0, "hello world");
        co_await f.write_at(6, "corio");
        EXPECT_EQ(f.size(), 11u);
        EXPECT_EQ(co_await f.read_at(6, 100), "corio");  // short at the end of the file
        EXPECT_EQ(co_await f.read_at(0, 5), "hello");
        EXPECT_EQ(co_await f.read_at(50, 5), "");
        co_await f.sync();
        f.close();
        EXPECT_FALSE(f.is_open());
        EXPECT_THROW(co_await f.read_at(0, 1), corio::io_error);
    };
    run(main(path));
    ::unlink(path.c_str());
}

TEST_P(File, AppendModeWritesAtTheEnd) {
    const std::string path = temp_path("append");
    auto main = [](std::string path) -> task<std::string> {
        co_await corio::write_file(path, "one,");
        corio::file f = co_await corio::file::open(path, corio::open_mode::append);
        co_await f.write_at(0, "two");
        f.close();
        co_return co_await corio::read_file(path);
    };
    EXPECT_EQ(run(main(path)), "one,two");
    ::unlink(path.c_str());
}

TEST_P(File, ErrorsAreTyped) {
    auto main = []() -> task<void> {
        try {
            co_await corio::read_file("/nonexistent/corio/file");
            ADD_FAILURE() << "opened a file that does not exist";
        } catch (const corio::io_error& e) {
            EXPECT_EQ(e.code().value(), ENOENT);
        }
        const std::string path = temp_path("exists");
        co_await corio::write_file(path, "x");
        EXPECT_THROW(co_await corio::file::open(path, corio::open_mode::create_new),
                     corio::io_error);
        ::unlink(path.c_str());
    };
    run(main());
}

TEST_P(File, CancelledReadsLeaveNothingBehind) {
    const std::string path = temp_path("cancel");
    auto main = [](std::string path) -> task<void> {
        co_await corio::write_file(path, std::string(1 << 20, 'r'));
        corio::file f = co_await corio::file::open(path, corio::open_mode::read);
        for (int i = 0; i < 50; ++i) {
            auto read = corio::spawn(
                [&f]() -> task<std::size_t> { co_return (co_await f.read_at(0, 1 << 20)).size(); });
            if (i % 2) co_await corio::yield_now();
            read.cancel();
            try {
                EXPECT_EQ(co_await read, 1u << 20);
            } catch (const corio::cancelled_error&) {
            }
        }
        f.close();  // jobs still running keep the descriptor until they finish
    };
    run(main(path));
    ::unlink(path.c_str());
}

}  // namespace
