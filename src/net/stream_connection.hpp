#pragma once
// The state a stream_reader and a stream_writer share (asyncio's transport and protocol in one):
// the descriptor, the reader's receive buffer, and the writer's queue with the transport that
// sends it. Internal: reached only through the two handles, which hold it by shared_ptr, as does
// every task suspended in one of their operations and the send in flight.
//
// Two transports, one state: a connected stream socket (recv, sendmsg, shutdown for write_eof:
// asyncio's socket transport), or a pipe end (read, writev, close for write_eof: asyncio's
// _UnixReadPipeTransport / _UnixWritePipeTransport). Both wait by readiness on epoll; neither
// ever goes to the thread pool.
//
// Lifetime. The connection closes when the writer is closed (or aborted), when it fails, or
// when both handles are gone. The state itself lives while anything holds it: a handle, a task
// in a read or a drain, and, once both handles are gone, the transport while a send is in
// flight (`self_ref_`, with `held_by_send_`), so the kernel never reads a queue that has been
// freed. (Only then: taking a reference for every send would cost two atomic operations and a
// deferred release per message, and while a handle lives it holds the state anyway.)
//
// Contexts. A backend completion callback may submit again but must not cancel, abandon or
// throw (io/detail/operation.hpp), and closing the socket cancels. So the transport's callback
// never closes the socket nor drops the last reference itself: it hands both to the deferred
// node, a ready node the loop runs on its next iteration.
//
// Size. An idle connection is this object and little else, so its layout is kept tight: the
// socket and the pipe share their bytes, the multishot receive and the deferred node are in
// bases (a completion finds its connection by casts, not by a pointer back), one reference
// serves both reasons to hold the state, and the small fields sit together.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <sys/socket.h>
#include <sys/uio.h>

#include <corio/core/detail/frame_allocator.hpp>
#include <corio/core/detail/ready_queue.hpp>
#include <corio/core/task.hpp>
#include <corio/io/detail/loop_fd.hpp>
#include <corio/io/detail/operation.hpp>
#include <corio/net/address.hpp>
#include <corio/net/detail/read_request.hpp>
#include <corio/net/socket.hpp>
#include <corio/sync/event.hpp>

#include "chunk_queue.hpp"
#include "compact_address.hpp"

namespace corio {
class event_loop;
}

namespace corio::detail {

/// Who calls: a task (anything may happen), or the transport's completion callback (the socket
/// must not be closed, nor the last reference dropped: see "Contexts" above).
enum class caller : std::uint8_t { task, completion };

/// The multishot receive's operation, in a base of stream_connection (see "Size" above). Its
/// only member: the operation's address is the slot's, then a cast gives the connection.
struct stream_receive_slot {
    io_operation receive_op_;
};
/// The deferred node, in a base of stream_connection, as `stream_receive_slot`.
struct stream_deferred_slot {
    ready_node deferred_;
};
static_assert(std::is_standard_layout_v<stream_receive_slot> &&
              std::is_standard_layout_v<stream_deferred_slot>);

class stream_connection : public std::enable_shared_from_this<stream_connection>,
                          private stream_receive_slot,
                          private stream_deferred_slot {
public:
    /// Adopts `connected`, a connected stream socket, on the running loop.
    /// Errors: `std::invalid_argument` (not an open stream socket, `limit` 0), `std::logic_error`
    /// outside a loop, `std::bad_alloc`.
    static std::shared_ptr<stream_connection> make(net::socket connected, std::size_t limit);
    /// Adopts `fd`, a pipe end (or FIFO, socket, character device such as a tty, or regular
    /// file), on the running loop, and makes it non-blocking; `who` names the caller in errors.
    /// Errors (`fd` then stays the caller's, open): `std::invalid_argument` (a directory or a
    /// block device, `limit` 0), `io_error` (EBADF, ...), `std::logic_error` outside a loop,
    /// `std::bad_alloc`. Defined in pipe.cpp.
    static std::shared_ptr<stream_connection> make_pipe(int fd, std::size_t limit, const char* who);

    /// Only `make` and `make_pipe` can name this: they build through `std::make_shared`, which
    /// needs a public constructor, so that the state and its reference counts are one block.
    class made_by_make {
        friend class stream_connection;
        made_by_make() = default;
    };
    stream_connection(made_by_make, std::size_t limit, event_loop& loop);
    stream_connection(const stream_connection&) = delete;
    stream_connection& operator=(const stream_connection&) = delete;
    ~stream_connection();

    // ---- handles (stream_reader and stream_writer) ----------------------------------------

    void add_handle() noexcept { ++handles_; }
    /// One handle gone: with none left, the connection closes (gracefully).
    void drop_handle() noexcept;

    // ---- the connection as a whole ---------------------------------------------------------

    enum class state : std::uint8_t {
        open,     ///< reading and writing
        closing,  ///< close() asked; the queue is going out, then the socket closes
        closed,   ///< the socket is closed
    };
    [[nodiscard]] state current_state() const noexcept { return state_; }
    /// The error that ended the connection, if one did.
    [[nodiscard]] const std::exception_ptr& error() const noexcept { return error_; }
    /// Graceful close: the socket closes once the queue is sent. Idempotent.
    void close() noexcept;
    /// Closes now, dropping the queue.
    void abort() noexcept;
    /// The connection failed with `error` (kept, first one wins): the queue is dropped and the
    /// socket closed, now from a task, deferred from the completion callback.
    void fail(std::exception_ptr error, caller from) noexcept;
    /// Wakes whoever waits for the connection to close, to resume or to flush: set and cleared
    /// at once (a broadcast) whenever one of `current_state() == closed`, `!paused()` and
    /// `flushed()` may have become true. A waiter looks at its condition again, and waits again
    /// if it is false. One event for the three: 40 bytes where three cost 120, for waits that
    /// are rare.
    corio::event changed;
    /// The socket (not for a pipe's transport).
    net::socket& socket() noexcept { return socket_; }
    /// True for a pipe's transport (`make_pipe`), false for a socket's.
    [[nodiscard]] bool is_pipe() const noexcept { return is_pipe_; }
    /// The pipe's descriptor while open; -1 for a socket or once closed.
    [[nodiscard]] int pipe_fd() const noexcept { return is_pipe_ ? pipe_.get() : -1; }
    /// The peer's address: asked of the socket the first time, and kept from then on (also
    /// once the socket is closed). Empty for a pipe, and if it cannot be known (asked first
    /// after the close, or after the peer reset the connection). Errors: `std::bad_alloc`.
    [[nodiscard]] std::optional<net::address> peername() const {
        return address(address_kind::peer);
    }
    /// The local address, as `peername`.
    [[nodiscard]] std::optional<net::address> sockname() const {
        return address(address_kind::local);
    }

    // ---- reading (stream_reader.cpp) --------------------------------------------------------

    [[nodiscard]] std::size_t limit() const noexcept { return limit_; }
    [[nodiscard]] std::size_t buffered() const noexcept { return tail_ - head_; }
    [[nodiscard]] std::string_view data() const noexcept {
        return {buffer_.data() + head_, tail_ - head_};
    }
    /// Takes the first `n` buffered bytes: the buffer itself when that is all of it (with the
    /// multishot receive), else a copy.
    std::string take(std::size_t n);
    /// Drops the first `n` buffered bytes.
    void discard(std::size_t n) noexcept;
    /// How many bytes have been taken or dropped since the start: lets a search that waited
    /// keep its place if another task read meanwhile.
    [[nodiscard]] std::uint64_t consumed() const noexcept { return consumed_; }
    /// No more bytes will come (end of file, or the connection closed).
    [[nodiscard]] bool ended() const noexcept { return eof_ || state_ == state::closed; }
    class receive_awaiter;
    /// Throws `invalid_state_error` if a task is in a read that waits for data: every read checks
    /// first, so that bytes that woke it are not taken from under it (asyncio's error, raised
    /// here also when bytes are buffered).
    void check_no_reader(const char* who) const;
    /// What `receive` returns: awaitable inside a task only.
    struct receive_request {
        stream_connection* connection;
        std::size_t need;
        std::size_t at_most;
        const char* who;
        /// The task's `await_transform` makes the awaiter here: it may run a frame of its own
        /// on the chain (the single receive's) and raises a pending cancellation itself.
        [[nodiscard]] receive_awaiter bind_to_chain(task_frame* parent) const noexcept;
    };
    /// Receives more bytes into the buffer: `co_await` gives false if the stream has ended, and
    /// true if bytes may have come: a wake-up may bring none, so a caller looks at the buffer
    /// again (and receives again). Makes room for at least `need` bytes, and receives at most
    /// `at_most`. `who` names the read, for the error of a second task waiting at once. The
    /// caller holds a reference to the connection.
    /// Errors: `invalid_state_error` (another task is receiving), the connection's error.
    [[nodiscard]] receive_request receive(std::size_t need, std::size_t at_most,
                                          const char* who) noexcept {
        return {this, need, at_most, who};
    }

    // ---- writing (stream_connection.cpp) ----------------------------------------------------

    void write(std::string_view data);
    void write(std::string&& data);
    void write_eof();
    [[nodiscard]] std::size_t queued() const noexcept { return queued_; }
    void set_limits(std::size_t high, std::size_t low) noexcept;
    [[nodiscard]] std::size_t high_water() const noexcept { return high_; }
    [[nodiscard]] std::size_t low_water() const noexcept { return low_; }
    /// True while `drain` must wait: the queue went over the high mark and is not yet down to
    /// the low one.
    [[nodiscard]] bool paused() const noexcept { return paused_; }
    /// True while nothing is queued nor being sent.
    [[nodiscard]] bool flushed() const noexcept { return queued_ == 0 && !sending(); }
    /// A `sendfile` owns the descriptor between these: writes raise `invalid_state_error`, and
    /// a `write_eof` or `close` asked meanwhile waits for its end. `begin_sendfile` requires
    /// `flushed()` and throws what a write would. (These three: stream_writer.cpp.)
    void begin_sendfile();
    void end_sendfile() noexcept;
    /// A write of the sendfile itself (a pipe's copy): as `write`, while the sendfile runs.
    void sendfile_write(std::string&& data);

private:
    // The descriptor, whichever transport holds it.
    [[nodiscard]] int fd() const noexcept { return is_pipe_ ? pipe_.get() : socket_.fd(); }
    [[nodiscard]] bool fd_open() const noexcept { return fd() >= 0; }
    void close_fd() noexcept;
    /// The write system call's name, for errors: "send" or "write".
    [[nodiscard]] const char* write_name() const noexcept { return is_pipe_ ? "write" : "send"; }

    // Reading.
    /// What every receive checks first: false if the stream has ended (or is closing: asyncio's
    /// transport stops reading on close). Errors: the connection's error,
    /// `invalid_state_error` if another task is receiving.
    bool may_receive(const char* who);
    /// `receive` with one recv (or read) per wait, into the buffer itself.
    task<bool> receive_single(std::size_t need, std::size_t at_most, const char* who);
    /// Makes at least `need` bytes free after the data (compacting, then growing): the room.
    std::size_t make_room(std::size_t need);
    /// Moves the unread bytes to the front of the buffer (make_room, and append when a chunk
    /// would not fit behind them).
    void compact() noexcept;
    void released_bytes() noexcept;

    // Writing: the transport.
    /// Checks that a write may queue; throws the connection's error or `invalid_state_error`.
    void check_writable() const;
    /// Queues `data` behind what is queued.
    void enqueue(std::string_view data);
    /// With nothing queued nor in flight: sends what the descriptor takes now; how much it took.
    /// Not where the backend batches submissions (`queue_first_`). Errors: the send's error,
    /// which also ends the connection.
    std::size_t send_now(std::string_view data);
    /// Sends what is queued (one sendmsg or writev of up to `max_iov` chunks at a time; a send of
    /// one) until a send has to wait (then its callback goes on) or the queue is empty.
    void flush(caller from) noexcept;
    /// Counts `result` bytes of a send off the queue; false if the send failed or was
    /// cancelled, and the transport must stop.
    bool sent(int result, caller from) noexcept;
    /// Nothing is in flight any more: finish a pending write_eof or close, release the
    /// transport's reference.
    void went_idle(caller from) noexcept;
    void update_flow() noexcept;
    /// Wakes the waiters of `changed`.
    void notify_changed() noexcept {
        changed.set();
        changed.clear();
    }
    void shutdown_write() noexcept;
    /// Closes the socket now (never from a completion callback).
    void close_now() noexcept;
    enum class deferred_close : std::uint8_t { no, yes };
    /// Runs `close_now` (if asked) and lets go of the state's hold on itself (the send's, or
    /// one taken here) on the next loop iteration.
    void defer(deferred_close close) noexcept;
    /// The deferred node ran (or was discarded): the reference to drop, unless a send holds
    /// the state again.
    std::shared_ptr<stream_connection> deferred_done() noexcept;
    static void on_sent(io_operation* op, int result) noexcept;
    static void run_deferred(ready_node* node);
    static void discard_deferred(ready_node* node) noexcept;

    event_loop* loop_;
    /// The descriptor: the socket transport's or the pipe transport's, as `is_pipe_` says (one
    /// or the other in the same bytes; `make_pipe` switches).
    union {
        net::socket socket_;
        loop_fd pipe_;
    };

    // ---- the one-byte fields, all together: two words (see "Size" above) ----
    bool is_pipe_ = false;
    /// The descriptor is a byte stream (`io_hint_stream`): all but a regular file.
    bool stream_hint_ = true;
    /// A write queues its bytes and submits them, instead of trying a send at once: a socket's,
    /// where the backend batches submissions (io_uring). The send then costs no system call of
    /// its own, and the bytes go to the kernel with the loop's next poll. Elsewhere (epoll, and
    /// pipes, whose writes are rare and whose callers expect EPIPE from the write itself), a
    /// write sends what the descriptor takes at once, as asyncio's does.
    bool queue_first_ = false;
    state state_ = state::open;
    std::uint8_t handles_ = 0;  ///< a reader and a writer at most
    // The reader's.
    bool eof_ = false;
    bool receiving_ = false;  ///< a task waits in a receive (`receive_single`'s: into the buffer)
    /// Whether reads wait for the multishot receive (below), decided at the first read.
    enum class receive_mode : std::uint8_t { unknown, single, multishot };
    receive_mode receive_mode_ = receive_mode::unknown;
    bool receive_stopping_ = false;  ///< cancelled for backpressure: armed again by a read
    // The writer's.
    bool paused_ = false;
    bool sendfile_active_ = false;
    enum class eof_state : std::uint8_t { none, pending, done } write_eof_ = eof_state::none;
    bool discard_queue_ = false;  ///< abort(): drop the queue once the kernel lets go of it
    // Holding the state (below).
    bool held_by_send_ = false;
    bool deferred_queued_ = false;
    bool deferred_close_ = false;

    /// The addresses, once asked. asyncio's transport reads them when the connection is made;
    /// that is two system calls per connection, and 96 bytes, that most connections never use.
    struct known_addresses {
        compact_address peer;
        compact_address local;
    };
    mutable std::unique_ptr<known_addresses> addresses_;
    enum class address_kind : std::uint8_t { peer, local };
    std::optional<net::address> address(address_kind kind) const;
    std::exception_ptr error_;

    // ---- reader ----
    /// The received bytes, [head_, tail_) of it unread. With the multishot receive, completions
    /// append to it (its size is tail_), its storage is a string from `recycled_strings` (as a
    /// sent chunk's, whose storage it may be), and a read that takes all of it takes the string
    /// itself: an echo copies a message once, from the loop's buffer. With `receive_single`, a
    /// receive writes into [tail_, size()) in place, and the storage stays.
    std::string buffer_;
    std::size_t head_ = 0;  ///< first unread byte
    std::size_t tail_ = 0;  ///< end of the data
    std::size_t limit_;
    std::uint64_t consumed_ = 0;

    // ---- writer ----
    chunk_queue queue_;           ///< its chunks never move: a send in flight points into them
    std::size_t front_sent_ = 0;  ///< bytes of queue_.front() already sent
    std::size_t queued_ = 0;
    std::size_t high_ = 64 * 1024;
    std::size_t low_ = 16 * 1024;

    struct send_operation : io_operation {
        stream_connection* owner;
        std::size_t chunks = 0;  ///< queue chunks the send in flight points into
    };
    /// Chunks per sendmsg: large writes are chunks of their own and small ones are coalesced,
    /// so 16 chunks are at least 64 KiB in all but odd mixes of sizes.
    static constexpr std::size_t max_iov = 16;
    /// The send and what it points the kernel at. Held only while the queue has chunks (from
    /// the thread's pool): 400 bytes an idle connection does without.
    struct send_vector : pooled {
        send_operation op{};
        msghdr message{};  ///< sendmsg's header (sockets); a pipe's writev takes `iov` itself
        iovec iov[max_iov]{};
    };
    std::unique_ptr<send_vector> vector_;
    /// A send is in flight (the kernel reads the queue).
    [[nodiscard]] bool sending() const noexcept { return vector_ && vector_->op.in_flight; }
    /// Queue chunks the send in flight points into (none with no send).
    [[nodiscard]] std::size_t iov_chunks() const noexcept {
        return vector_ ? vector_->op.chunks : 0;
    }

    // ---- holding the state: a send in flight with no handle left, the deferred node ----
    /// The state held by itself, while `held_by_send_` or `deferred_queued_`.
    std::shared_ptr<stream_connection> self_ref_;
    /// Holds the state for the send in flight (none of the handles is left).
    void hold_for_send() noexcept;

    // ---- multishot receive (stream_receive.cpp) ----------------------------------------------
    // On a socket, where the backend has it (io_uring's provided buffers; epoll's emulation,
    // into its scratch buffer), one receive stays armed from the first read on: each chunk is
    // appended to the buffer by its completion, and a reading task waits for the buffer to grow.
    // Beyond `limit_` bytes buffered with no task waiting the receive is stopped (cancelled),
    // and armed again by the next read (backpressure). The buffer's storage goes back (to
    // `recycled_strings`) whenever it is empty: an idle connection holds none. Elsewhere (a pipe;
    // io_uring without provided buffers), `receive_single` receives into the buffer itself, one
    // recv per wait.
    /// The connection whose `receive_op_` is `op`.
    static stream_connection& receiver_of(io_operation* op) noexcept {
        // A standard-layout struct and its first member share their address.
        return static_cast<stream_connection&>(*reinterpret_cast<stream_receive_slot*>(op));
    }
    /// The connection whose `deferred_` is `node`.
    static stream_connection& deferred_of(ready_node* node) noexcept {
        return static_cast<stream_connection&>(*reinterpret_cast<stream_deferred_slot*>(node));
    }
    /// Waits until the kernel has let go of the receive (the socket's close cancelled it).
    void abandon_receive() noexcept;
    friend class read_some_awaiter;
    /// Parks the running task as the one waiting for the multishot receive, `hook` (with `ops`)
    /// as its wait: the task, to give to `cancel_receiver`. Shared by the two awaiters that wait
    /// in place (`receive_awaiter`, `read_some_awaiter`).
    task_record_base* park_receiver(wait_hook& hook, const wait_ops& ops) noexcept;
    /// Their `cancel_wait`: ends `task`'s wait with a cancellation, unless it was woken already.
    bool cancel_receiver(task_record_base* task, const std::string& message);
    /// True if reads wait for the multishot receive (decided at the first read).
    bool uses_multishot() noexcept;
    /// Arms the multishot receive. Errors: the submission's (the connection then fails).
    void arm_receive();
    static void on_received(io_operation* op, int result) noexcept;
    /// Appends a received chunk (the completion's context). False if out of memory.
    bool append(const void* data, std::size_t n) noexcept;
    /// Gives an empty buffer's storage back to `recycled_strings`.
    void drop_buffer() noexcept;
    task_record_base* receive_waiter_ = nullptr;
};

/// A task in `receive`. With the multishot receive it waits in place, with no frame of its own
/// (an idle connection waits here: its memory is what a server with many of them pays, and a
/// frame is also an allocation per read): it arms the receive if it is not armed, and waits
/// for a completion to wake it. Otherwise it runs `receive_single` as a child task.
class stream_connection::receive_awaiter : private wait_hook {
public:
    /// `r` is the temporary of the `co_await` expression: it lives until the awaiter is done.
    receive_awaiter(const receive_request& r, task_frame* parent) noexcept
        : c_(r.connection), request_(&r), parent_(parent) {}
    receive_awaiter(const receive_awaiter&) = delete;
    receive_awaiter& operator=(const receive_awaiter&) = delete;
    /// The frame destroyed while waiting (the loop closing under it): the task is forgotten.
    ~receive_awaiter();

    bool await_ready();
    void await_suspend(std::coroutine_handle<> h) noexcept;
    bool await_resume();

private:
    static bool cancel_wait(wait_hook* h, const std::string& message);
    static void describe_wait(const wait_hook* h, std::string& out);

    stream_connection* c_;
    const receive_request* request_;
    task_frame* parent_;
    task_record_base* task_ = nullptr;  ///< set while waiting for the multishot receive
    std::optional<child_awaiter<bool>> single_;
    bool result_ = true;
};

inline stream_connection::receive_awaiter stream_connection::receive_request::bind_to_chain(
    task_frame* parent) const noexcept {
    return {*this, parent};
}

}  // namespace corio::detail
