#pragma once
/// @file
/// The item store of `corio::channel<T>`: a circular buffer that grows (doubling) up to the
/// channel's capacity. A bounded channel never holds more than its capacity, so it never needs a
/// node-based container: once warm, sending and receiving allocate nothing, and a channel built
/// with a huge capacity does not reserve it up front.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace corio::detail {

/// A FIFO of at most `limit` items in one circular array.
///
/// Errors: `push` may throw `std::bad_alloc` (growing) or what `T`'s constructor throws; then
/// nothing changed. `take_front` may throw what `T`'s move constructor throws; then nothing
/// changed either.
template <class T>
class channel_ring {
public:
    explicit channel_ring(std::size_t limit) noexcept : limit_(limit) {}
    channel_ring(const channel_ring&) = delete;
    channel_ring& operator=(const channel_ring&) = delete;
    ~channel_ring() {
        clear();
        release(data_, alloc_);
    }

    [[nodiscard]] std::size_t size() const noexcept { return count_; }
    [[nodiscard]] bool empty() const noexcept { return count_ == 0; }

    /// Appends `T(std::forward<U>(v))`. The caller keeps `size() < limit`.
    template <class U>
    void push(U&& v) {
        if (count_ == alloc_) grow();
        ::new (static_cast<void*>(data_ + index(count_))) T(std::forward<U>(v));
        ++count_;
    }

    /// Moves the oldest item into `out` (an `std::optional<T>`), then removes it.
    template <class Out>
    void take_front(Out& out) {
        T& front = data_[head_];
        out.emplace(std::move(front));  // may throw: then the item is still here
        front.~T();
        head_ = index(1);
        --count_;
    }

    void clear() noexcept {
        for (; count_ > 0; --count_) {
            data_[head_].~T();
            head_ = index(1);
        }
        head_ = 0;
    }

private:
    [[nodiscard]] std::size_t index(std::size_t offset) const noexcept {
        const std::size_t i = head_ + offset;
        return i < alloc_ ? i : i - alloc_;
    }

    static T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
    static void release(T* p, std::size_t n) noexcept {
        if (p) std::allocator<T>().deallocate(p, n);
    }

    /// Doubles the array (at least 8 slots, at most `limit_`), moving the items to its start. If
    /// an item's move throws, the ones moved so far are destroyed and the old array is kept (a
    /// type whose move may throw and that has no copy is then left valid but moved from).
    void grow() {
        const std::size_t wanted = alloc_ == 0 ? 8 : alloc_ * 2;
        const std::size_t n = std::min(std::max(wanted, alloc_ + 1), std::max(limit_, alloc_ + 1));
        T* fresh = allocate(n);
        std::size_t moved = 0;
        try {
            for (; moved < count_; ++moved) {
                ::new (static_cast<void*>(fresh + moved))
                    T(std::move_if_noexcept(data_[index(moved)]));
            }
        } catch (...) {
            for (std::size_t i = 0; i < moved; ++i) fresh[i].~T();
            release(fresh, n);
            throw;
        }
        for (std::size_t i = 0; i < count_; ++i) data_[index(i)].~T();
        release(data_, alloc_);
        data_ = fresh;
        alloc_ = n;
        head_ = 0;
    }

    T* data_ = nullptr;
    std::size_t alloc_ = 0;  ///< slots allocated
    std::size_t head_ = 0;   ///< slot of the oldest item
    std::size_t count_ = 0;
    std::size_t limit_;
};

}  // namespace corio::detail
