// connect_read_pipe / connect_write_pipe (include/corio/net/pipe.hpp), and the adoption of a
// pipe end by the streams' shared state (stream_connection::make_pipe).
#include <cerrno>
#include <memory>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>

#include <corio/core/event_loop.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/pipe.hpp>

#include "stream_connection.hpp"

namespace corio::detail {

std::shared_ptr<stream_connection> stream_connection::make_pipe(int fd, std::size_t limit,
                                                                const char* who) {
    if (limit == 0) throw std::invalid_argument("stream limit cannot be 0");
    if (!running_loop)
        throw std::logic_error(std::string("corio: ") + who + " must be used from a task");
    event_loop& loop = *running_loop;
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw_io_error(errno, who);
    // asyncio takes pipes, sockets and character devices; a regular file is read in place too
    // (a redirected stdin). A directory cannot be read, and a block device blocks on its disk
    // where no readiness can be waited for.
    if (S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode)) {
        throw std::invalid_argument(std::string(who) + ": descriptor " + std::to_string(fd) +
                                    " is a directory or a block device, not a stream");
    }
    // Non-blocking, so that epoll's try and io_uring's read say EAGAIN instead of waiting (and
    // the fast-path write never blocks the loop).
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) throw_io_error(errno, who);
    if (!(flags & O_NONBLOCK) && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        throw_io_error(errno, who);
    }
    auto c = std::make_shared<stream_connection>(made_by_make{}, limit, loop);
    // Nothing throws from here: the descriptor is the connection's.
    // The descriptor's bytes hold a (closed) socket until now: they become the pipe's.
    std::destroy_at(&c->socket_);
    std::construct_at(&c->pipe_, fd);
    c->is_pipe_ = true;
    // A short read from a regular file means its end, not "drained, wait for an edge" (epoll
    // could never wait for one).
    c->stream_hint_ = !S_ISREG(st.st_mode);
    static_cast<void>(c->pipe_.bind_to_running_loop(who));
    return c;
}

}  // namespace corio::detail

namespace corio::net {

stream_reader connect_read_pipe(int fd, std::size_t limit) {
    return stream_reader(detail::stream_connection::make_pipe(fd, limit, "connect_read_pipe"));
}

stream_writer connect_write_pipe(int fd) {
    return stream_writer(
        detail::stream_connection::make_pipe(fd, default_stream_limit, "connect_write_pipe"));
}

}  // namespace corio::net
