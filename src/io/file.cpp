// corio::file (include/corio/io/file.hpp): reads and writes as io_uring operations where the
// backend has native file I/O, else as jobs on the loop's default executor.
#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <corio/core/event_loop.hpp>
#include <corio/io/detail/io_awaiter.hpp>
#include <corio/io/file.hpp>
#include <corio/net/errors.hpp>
#include <corio/thread/thread_pool.hpp>

#include "backend.hpp"

namespace corio {

namespace detail {
struct file_descriptor {
    int fd;
    explicit file_descriptor(int f) noexcept : fd(f) {}
    file_descriptor(const file_descriptor&) = delete;
    file_descriptor& operator=(const file_descriptor&) = delete;
    ~file_descriptor() { ::close(fd); }
};
}  // namespace detail

namespace {

using descriptor = std::shared_ptr<detail::file_descriptor>;

int flags_of(open_mode mode) {
    switch (mode) {
        case open_mode::read:
            return O_RDONLY;
        case open_mode::write:
            return O_WRONLY | O_CREAT | O_TRUNC;
        case open_mode::append:
            return O_WRONLY | O_CREAT | O_APPEND;
        case open_mode::read_write:
            return O_RDWR;
        case open_mode::create_new:
            return O_RDWR | O_CREAT | O_EXCL;
    }
    return O_RDONLY;
}

/// One read or write at an offset, as an operation of the loop's backend.
struct file_args {
    int fd;
    detail::io_opcode opcode;
    void* buffer;
    std::size_t length;
    std::uint64_t offset;
};
class file_awaiter : public detail::io_awaiter {
public:
    file_awaiter(detail::task_record_base* task, const file_args& a) noexcept : io_awaiter(task) {
        opcode = a.opcode;
        fd = a.fd;
        buffer = a.buffer;
        length = a.length;
        offset = a.offset;
    }
    std::size_t await_resume() {
        const int r = finish();
        if (r < 0) detail::throw_io_error(-r, detail::io_opcode_name(opcode));
        return static_cast<std::size_t>(r);
    }
};
auto file_op(const file_args& a) { return detail::io_request<file_awaiter, file_args>(a); }

bool native() { return get_running_loop().io().native_file_io(); }

/// The blocking versions, for the executor: each owns its buffer.
std::string blocking_read(const descriptor& d, std::uint64_t offset, std::size_t size) {
    const int fd = d->fd;
    std::string out(size, '\0');
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n =
            ::pread(fd, out.data() + got, size - got, static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) detail::throw_io_error(errno, "read");
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
}

void blocking_write(const descriptor& d, std::uint64_t offset, const std::string& data) {
    const int fd = d->fd;
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n =
            ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) detail::throw_io_error(errno, "write");
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

int file::fd() const noexcept { return fd_ ? fd_->fd : -1; }

task<file> file::open(std::string path, open_mode mode, unsigned permissions) {
    const int fd = co_await to_thread(
        [](const std::string& p, int flags, unsigned perms) {
            const int r = ::open(p.c_str(), flags | O_CLOEXEC, perms);
            if (r < 0) detail::throw_io_error(errno, ("open " + p).c_str());
            return r;
        },
        std::move(path), flags_of(mode), permissions);
    co_return file(std::make_shared<detail::file_descriptor>(fd));
}

task<std::string> file::read_at(std::uint64_t offset, std::size_t size) {
    if (!fd_) detail::throw_io_error(EBADF, "read");
    // Kept for the whole call: a close() meanwhile must not free the number under it.
    const descriptor d = fd_;
    if (!native()) co_return co_await to_thread(blocking_read, d, offset, size);
    std::string out(size, '\0');
    std::size_t got = 0;
    while (got < size) {
        const std::size_t n = co_await file_op(
            {d->fd, detail::io_opcode::read, out.data() + got, size - got, offset + got});
        if (n == 0) break;
        got += n;
    }
    out.resize(got);
    co_return out;
}

task<void> file::write_at(std::uint64_t offset, std::string data) {
    if (!fd_) detail::throw_io_error(EBADF, "write");
    const descriptor d = fd_;  // as in read_at
    if (!native()) {
        co_await to_thread(blocking_write, d, offset, std::move(data));
        co_return;
    }
    std::size_t done = 0;
    while (done < data.size()) {
        done += co_await file_op({d->fd, detail::io_opcode::write, data.data() + done,
                                  data.size() - done, offset + done});
    }
}

task<std::string> file::read_all() {
    std::string out;
    constexpr std::size_t chunk = 1 << 20;
    for (;;) {
        std::string part = co_await read_at(out.size(), chunk);
        out += part;
        if (part.size() < chunk) co_return out;
    }
}

std::uint64_t file::size() const {
    struct stat st {};
    if (::fstat(fd(), &st) != 0) detail::throw_io_error(errno, "fstat");
    return static_cast<std::uint64_t>(st.st_size);
}

task<void> file::sync() {
    if (!fd_) detail::throw_io_error(EBADF, "fdatasync");
    co_await to_thread(
        [](const descriptor& d) {
            if (::fdatasync(d->fd) != 0) detail::throw_io_error(errno, "fdatasync");
        },
        fd_);
}

task<std::string> read_file(std::string path) {
    file f = co_await file::open(std::move(path), open_mode::read);
    co_return co_await f.read_all();
}

task<void> write_file(std::string path, std::string data) {
    file f = co_await file::open(std::move(path), open_mode::write);
    co_await f.write_at(0, std::move(data));
}

}  // namespace corio
