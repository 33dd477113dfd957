#pragma once
/// @file
/// `corio::net::connect_read_pipe` / `connect_write_pipe`: a pipe end (or FIFO, tty, standard
/// input or output) as a stream reader or writer (asyncio's `loop.connect_read_pipe` and
/// `loop.connect_write_pipe` with a `StreamReader` / `StreamWriter` on top).

#include <cstddef>

#include <corio/net/stream_reader.hpp>
#include <corio/net/stream_writer.hpp>

namespace corio::net {

/// Reads descriptor `fd` as a stream: `readline`, `readexactly`, `read` to end of file, ...
/// (asyncio's `connect_read_pipe` with a `StreamReader` protocol). The reader owns `fd` from then
/// on and closes it when it goes (or when the loop's close ends it). Nothing needs awaiting, so
/// it returns the reader itself.
///
/// What `fd` may be:
/// - a pipe or FIFO, a socket, a character device (a tty, /dev/null): waited on by readiness, on
///   both backends, never handed to a thread;
/// - a regular file (standard input redirected from a file): read where it is, from its current
///   position, to its end. A file is never "not ready": on epoll each read is a short blocking
///   read on the loop's thread (from the page cache, usually); on io_uring the kernel does it.
///   For large files, `corio::file` reads on the loop's thread pool instead (epoll).
///
/// `fd` is made non-blocking (O_NONBLOCK, as asyncio does). That flag belongs to the open file,
/// not the descriptor: a tty or pipe shared with other processes (a shell's stdin) sees it too.
///
/// Cancel safety: the reader's reads are cancel safe (see `stream_reader`): no byte is lost.
///
/// Thread safety: from a task; the reader belongs to its loop.
///
/// Errors: `std::invalid_argument` if `fd` is a directory or a block device, or `limit` is 0;
/// `io_error` (EBADF for a descriptor that is not open); `std::logic_error` outside a running
/// loop. On any error `fd` stays the caller's, open. The reads raise what `read` fails with.
///
/// Example:
/// @code
/// corio::net::stream_reader in = corio::net::connect_read_pipe(0);  // standard input
/// for (;;) {
///     std::string line = co_await in.readline();
///     if (line.empty()) break;  // end of file
///     handle(line);
/// }
/// @endcode
[[nodiscard]] stream_reader connect_read_pipe(int fd, std::size_t limit = default_stream_limit);

/// Writes to descriptor `fd` as a stream: `write` queues and never blocks, `drain` waits while
/// too much is queued (asyncio's `connect_write_pipe` with a `StreamWriter`). The writer owns
/// `fd` from then on: `close()`, and `write_eof()` (a pipe cannot half-close: asyncio closes it
/// too), close it once the queue is out. Nothing needs awaiting, so it returns the writer itself.
///
/// What `fd` may be is as for `connect_read_pipe`: a pipe, FIFO, socket or character device is
/// written by readiness; a regular file (standard output redirected to a file) is written where
/// it is, each write a short blocking one on epoll. It is made non-blocking (O_NONBLOCK).
///
/// `peername()` and `sockname()` are empty; `pipe_fd()` is the descriptor (asyncio's
/// `get_extra_info("pipe")`); `socket()` throws.
///
/// Cancel safety: `write` does not suspend; `drain` and `wait_closed` are cancel safe (the queue
/// keeps going out).
///
/// Thread safety: from a task; the writer belongs to its loop.
///
/// Errors: as `connect_read_pipe` for the adoption. Writing once the reading end is closed fails
/// with `broken_pipe_error` (EPIPE, raised by `write` or `drain`), never with SIGPIPE: the loop
/// ignores that signal, as Python does, unless the program set a handler of its own.
///
/// Example:
/// @code
/// corio::net::stream_writer out = corio::net::connect_write_pipe(::dup(1));  // standard output
/// out.write("hello\n");
/// co_await out.drain();
/// out.close();
/// co_await out.wait_closed();
/// @endcode
[[nodiscard]] stream_writer connect_write_pipe(int fd);

}  // namespace corio::net
