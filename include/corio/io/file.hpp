#pragma once
/// @file
/// `corio::file`: regular files read and written without blocking the loop (what Python's
/// aiofiles gives asyncio). On io_uring the kernel does the reads and writes; on epoll, which
/// cannot wait for a file, the loop's default executor does. Buffers are owned by the calls
/// (strings in, strings out), so a cancelled call can never leave a thread or the kernel writing
/// into memory that is gone.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <corio/core/task.hpp>

namespace corio {

namespace detail {
/// A file descriptor closed when the last owner lets go: a file, and each job of the executor
/// still working on it (so that a job outliving a cancelled call never writes to a descriptor
/// number that a later open reused).
struct file_descriptor;
}  // namespace detail

/// How `file::open` opens a file.
enum class open_mode : std::uint8_t {
    read,        ///< read only; the file must exist
    write,       ///< write only; created if missing, truncated
    append,      ///< write only at the end; created if missing
    read_write,  ///< read and write; the file must exist
    create_new,  ///< read and write; created, and it must not exist yet (O_EXCL)
};

/// An open regular file: reads and writes at an offset, awaited without blocking the loop.
///
/// Cancel safety: a cancelled `read_at` returns nothing and its bytes are not consumed (files
/// have no cursor here); a cancelled `write_at` may have written a prefix (as any interrupted
/// write): rewrite the range if it matters. In both cases nothing is left touching freed memory:
/// on io_uring the loop waits for the kernel to let go; on epoll the thread finishes with its own
/// copy.
///
/// Thread safety: one loop's thread at a time.
///
/// Errors: `io_error` (ENOENT, EACCES, EISDIR, ENOSPC, ...).
///
/// Example:
/// @code
/// corio::file f = co_await corio::file::open("data.bin", corio::open_mode::read);
/// std::string header = co_await f.read_at(0, 512);
/// @endcode
class file {
public:
    /// No file.
    file() noexcept = default;
    file(file&&) noexcept = default;
    file& operator=(file&&) noexcept = default;
    ~file() = default;

    /// Opens `path` (on the loop's default executor: opening may block on a slow disk).
    static task<file> open(std::string path, open_mode mode = open_mode::read,
                           unsigned permissions = 0644);

    /// Up to `size` bytes from `offset`: fewer only at the end of the file.
    task<std::string> read_at(std::uint64_t offset, std::size_t size);
    /// Writes all of `data` at `offset`; in `append` mode the offset is ignored.
    task<void> write_at(std::uint64_t offset, std::string data);
    /// The whole file, from offset 0 to its end.
    task<std::string> read_all();
    /// The file's size in bytes (fstat: metadata, never blocks for long).
    [[nodiscard]] std::uint64_t size() const;
    /// Flushes the file's data to the device (fdatasync, on the default executor).
    task<void> sync();
    /// Closes the file (once no job of the executor uses it any more); idempotent.
    void close() noexcept { fd_.reset(); }
    [[nodiscard]] bool is_open() const noexcept { return fd_ != nullptr; }
    /// The descriptor, or -1.
    [[nodiscard]] int fd() const noexcept;

private:
    explicit file(std::shared_ptr<detail::file_descriptor> fd) noexcept : fd_(std::move(fd)) {}
    std::shared_ptr<detail::file_descriptor> fd_;
};

/// The contents of the file at `path`. Errors: `io_error`.
task<std::string> read_file(std::string path);
/// Replaces the contents of the file at `path` with `data` (created if missing). Errors:
/// `io_error`. Cancel safety: a cancelled write may leave the file partly written.
task<void> write_file(std::string path, std::string data);

}  // namespace corio
