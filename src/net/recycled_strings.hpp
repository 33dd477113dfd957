#pragma once
// Per-thread storage of spent strings, for readers' buffers and the strings reads return: see
// the class.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace corio::detail {

/// The storage of sent chunks and of emptied readers' buffers, kept per thread for readers'
/// buffers (a multishot receive's chunk starts one) and for the strings reads copy out.
///
/// Why: an echo (or a proxy) reads a string, writes it, and the writer frees it once the kernel
/// has it. On io_uring that is at the next poll, after every connection of the iteration has
/// read its own, so a hundred 4 KiB strings are alive at once and then freed together: glibc gives
/// the top of its heap back to the kernel and faults it in again on the next iteration (0.08 page
/// faults and +25% server CPU per round trip at 100 connections). Reused here, a read's string
/// costs no allocation in the steady state. Bounded: at most `max_count` strings and `max_bytes`
/// of capacity per thread; a string too large or too small (its bytes inline) is just freed.
class recycled_strings {
public:
    /// How large a kept string `take` may give.
    enum class fit : std::uint8_t {
        /// Not more than twice the size asked: the caller (a read's) may keep it for long.
        close,
        /// Any: a reader's buffer, given back once empty, or to a read that takes all of it only
        /// if that fits closely (chunks then append in place: a 16 KiB message from four 4 KiB
        /// provided buffers, say, into a kept 16 KiB string).
        at_least,
    };
    /// An empty string with room for `size` bytes: the last kept one if it fits (large enough,
    /// and as `f` says), else a new one. Errors: `std::bad_alloc`.
    static std::string take(std::size_t size, fit f = fit::close) {
        state& s = local();
        if (size > min_capacity && s.count != 0) {
            std::string& last = s.at(s.count - 1);
            if (last.capacity() >= size && (f == fit::at_least || last.capacity() <= 2 * size)) {
                std::string out = std::move(last);
                --s.count;
                s.bytes -= out.capacity();
                out.clear();
                return out;
            }
        }
        std::string out;
        out.reserve(size);
        return out;
    }
    /// Keeps `spent`'s storage for a later `take`. Where the bounds are reached, the oldest kept
    /// strings are freed to make room: when the sizes of messages change (from 64 bytes to 4 KiB,
    /// say), the new ones replace the old, which no `take` would fit any more.
    static void give(std::string&& spent) noexcept {
        const std::size_t capacity = spent.capacity();
        if (capacity <= min_capacity || capacity > max_capacity) return;
        state& s = local();
        while (s.count == max_count || s.bytes + capacity > max_bytes) {
            std::string oldest = std::move(s.at(0));
            s.first = (s.first + 1) % max_count;
            --s.count;
            s.bytes -= oldest.capacity();
        }
        s.at(s.count++) = std::move(spent);
        s.bytes += capacity;
    }

    /// How many strings this thread keeps (tests, diagnostics).
    [[nodiscard]] static std::size_t kept() noexcept { return local().count; }
    /// Frees every string this thread keeps.
    static void clear() noexcept {
        state& s = local();
        while (s.count != 0) std::string().swap(s.at(--s.count));
        s.first = 0;
        s.bytes = 0;
    }

    /// Strings this small keep their bytes inline (libstdc++'s inline capacity; a smaller value
    /// elsewhere only keeps some inline strings for nothing): nothing to reuse. Any larger one is
    /// worth keeping: malloc and free of a 64-byte string cost an echo more than the pool does.
    /// (Not `std::string().capacity()`: Clang 16 cannot evaluate it at compile time with GCC
    /// 12's library.)
    static constexpr std::size_t min_capacity = 15;
    static constexpr std::size_t max_capacity = 64 * 1024;
    static constexpr std::size_t max_count = 256;
    /// Enough for every connection holding bytes between a poll and its task (an epoll wait
    /// brings up to 128 events, and more completions come per io_uring poll), up to 16 KiB
    /// each; beyond, each busy iteration frees and allocates the excess, and glibc gives the top
    /// of its heap back to the kernel and faults it in again (0.76 page faults per round trip,
    /// and 2.5 times the server's CPU, at 1,000 connections on epoll when 64-byte strings held
    /// every place while the messages were 4 KiB, before the oldest gave way).
    static constexpr std::size_t max_bytes = 4 * 1024 * 1024;

private:
    /// A ring: `take` and `give` work at its end, `give` frees from its start.
    struct state {
        std::string kept[max_count];
        std::size_t first = 0;  ///< the oldest
        std::size_t count = 0;
        std::size_t bytes = 0;
        std::string& at(std::size_t i) noexcept { return kept[(first + i) % max_count]; }
    };
    static state& local() noexcept {
        static thread_local state s;
        return s;
    }
};

}  // namespace corio::detail
