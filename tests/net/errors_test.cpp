// corio::io_error and its subclasses: Python's OSError family, picked by errno.
#include <cerrno>
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>
#include <typeinfo>

#include <gtest/gtest.h>

#include <corio/net/errors.hpp>

namespace {

using corio::detail::make_io_error;
using corio::detail::throw_io_error;

// The dynamic type of what throw_io_error throws for `errno_value`, checked to be the same as
// make_io_error's, with the error code and message it carries.
const std::type_info& thrown_type(int errno_value, const char* what) {
    try {
        throw_io_error(errno_value, what);
    } catch (const corio::io_error& e) {
        EXPECT_EQ(e.code().value(), errno_value);
        EXPECT_EQ(&e.code().category(), &std::system_category());
        EXPECT_EQ(std::string(e.what()),
                  std::string(what) + ": " + std::system_category().message(errno_value));
        try {
            std::rethrow_exception(make_io_error(errno_value, what));
        } catch (const corio::io_error& made) {
            EXPECT_EQ(typeid(made), typeid(e));
            EXPECT_EQ(made.code(), e.code());
            EXPECT_STREQ(made.what(), e.what());
        }
        return typeid(e);
    }
    ADD_FAILURE() << "throw_io_error did not throw an io_error";
    return typeid(void);
}

TEST(IoError, ErrnoPicksTheMostSpecificClass) {
    EXPECT_EQ(thrown_type(ECONNRESET, "recv"), typeid(corio::connection_reset_error));
    EXPECT_EQ(thrown_type(ECONNREFUSED, "connect"), typeid(corio::connection_refused_error));
    EXPECT_EQ(thrown_type(ECONNABORTED, "accept"), typeid(corio::connection_aborted_error));
    // Python's BrokenPipeError covers both.
    EXPECT_EQ(thrown_type(EPIPE, "send"), typeid(corio::broken_pipe_error));
    EXPECT_EQ(thrown_type(ESHUTDOWN, "send"), typeid(corio::broken_pipe_error));
}

TEST(IoError, OtherErrnosAreIoErrorItself) {
    for (int e : {ENOENT, EACCES, EAGAIN, ETIMEDOUT, EADDRINUSE, EHOSTUNREACH, EBADF, 0}) {
        EXPECT_EQ(thrown_type(e, "op"), typeid(corio::io_error)) << "errno " << e;
    }
}

TEST(IoError, MessageReadsLikePython) {
    try {
        throw_io_error(ECONNRESET, "recv");
    } catch (const corio::connection_reset_error& e) {
        EXPECT_STREQ(e.what(), "recv: Connection reset by peer");
        EXPECT_EQ(e.code(), std::errc::connection_reset);
        return;
    }
    FAIL() << "not thrown";
}

TEST(IoError, NullWhatIsAccepted) {
    try {
        throw_io_error(EPIPE, nullptr);
    } catch (const corio::broken_pipe_error& e) {
        EXPECT_NE(std::string(e.what()).find("Broken pipe"), std::string::npos) << e.what();
        return;
    }
    FAIL() << "not thrown";
}

TEST(IoError, HierarchyFollowsPython) {
    // A server loop catches connection_error for any of the four; io_error catches everything.
    EXPECT_THROW(throw_io_error(ECONNRESET, "recv"), corio::connection_error);
    EXPECT_THROW(throw_io_error(ECONNREFUSED, "connect"), corio::connection_error);
    EXPECT_THROW(throw_io_error(ECONNABORTED, "accept"), corio::connection_error);
    EXPECT_THROW(throw_io_error(EPIPE, "send"), corio::connection_error);
    EXPECT_THROW(throw_io_error(EPIPE, "send"), corio::io_error);
    EXPECT_THROW(throw_io_error(ENOENT, "open"), std::system_error);
    EXPECT_THROW(throw_io_error(ENOENT, "open"), std::runtime_error);
    try {
        throw_io_error(ETIMEDOUT, "connect");
    } catch (const corio::connection_error&) {
        FAIL() << "ETIMEDOUT is not a connection_error";
    } catch (const corio::io_error&) {
    }
}

TEST(IoError, ConstructedDirectly) {
    const corio::connection_refused_error e(ECONNREFUSED, "connect");
    EXPECT_EQ(e.code(), std::errc::connection_refused);
    EXPECT_STREQ(e.what(), "connect: Connection refused");
}

TEST(AddressError, IsAnInvalidArgumentNotAnIoError) {
    const corio::address_error e("bad");
    const std::exception& base = e;
    EXPECT_NE(dynamic_cast<const std::invalid_argument*>(&base), nullptr);
    EXPECT_EQ(dynamic_cast<const std::system_error*>(&base), nullptr);
    EXPECT_STREQ(e.what(), "bad");
}

}  // namespace
