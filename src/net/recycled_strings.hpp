#pragma once
// Per-thread storage of spent strings, for readers' buffers and the strings reads return: see
// the class.
#include <cstddef>
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
    /// An empty string with room for `size` bytes: the last kept one if it fits (large enough,
    /// and not more than twice as large: the caller may keep the string for long), else a new
    /// one. Errors: `std::bad_alloc`.
    static std::string take(std::size_t size) {
        state& s = local();
        if (size > min_capacity && s.count != 0 && s.kept[s.count - 1].capacity() >= size &&
            s.kept[s.count - 1].capacity() <= 2 * size) {
            std::string out = std::move(s.kept[--s.count]);
            s.bytes -= out.capacity();
            out.clear();
            return out;
        }
        std::string out;
        out.reserve(size);
        return out;
    }
    /// Keeps `spent`'s storage for a later `take`, if there is room.
    static void give(std::string&& spent) noexcept {
        const std::size_t capacity = spent.capacity();
        if (capacity <= min_capacity || capacity > max_capacity) return;
        state& s = local();
        if (s.count == max_count || s.bytes + capacity > max_bytes) return;
        s.kept[s.count++] = std::move(spent);
        s.bytes += capacity;
    }

    /// How many strings this thread keeps (tests, diagnostics).
    [[nodiscard]] static std::size_t kept() noexcept { return local().count; }
    /// Frees every string this thread keeps.
    static void clear() noexcept {
        state& s = local();
        while (s.count != 0) std::string().swap(s.kept[--s.count]);
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
    static constexpr std::size_t max_bytes = 1024 * 1024;

private:
    struct state {
        std::string kept[max_count];
        std::size_t count = 0;
        std::size_t bytes = 0;
    };
    static state& local() noexcept {
        static thread_local state s;
        return s;
    }
};

}  // namespace corio::detail
