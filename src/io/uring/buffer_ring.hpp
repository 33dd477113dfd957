#pragma once
// The loop's provided buffers for multishot receives: one buffer ring registered with the ring
// (IORING_REGISTER_PBUF_RING). The kernel takes a buffer when bytes arrive and names it in the
// completion; the backend hands the bytes to the operation's callback and gives the buffer back
// as soon as the callback returns, so the buffers are shared by every connection of the loop
// and an idle connection holds none.
#include <cstddef>
#include <cstdint>

#include <liburing.h>

namespace corio::detail::uring {

class buffer_ring {
public:
    /// The buffer group of every multishot receive.
    static constexpr std::uint16_t group = 0;

    buffer_ring() = default;
    buffer_ring(const buffer_ring&) = delete;
    buffer_ring& operator=(const buffer_ring&) = delete;
    ~buffer_ring();

    /// Registers `count` (a power of two) buffers of `size` bytes with `ring`, allocating them
    /// the first time. Again on a new ring (the loop moved to another thread): the same memory,
    /// every buffer given to it. -errno if the kernel refuses (then receives are not multishot).
    int attach(io_uring& ring, unsigned count, unsigned size);
    /// Whether `attach` succeeded on the current ring.
    [[nodiscard]] bool attached() const noexcept { return attached_; }
    /// The ring is going away (the registration goes with it).
    void detach() noexcept { attached_ = false; }

    /// The bytes of buffer `id`.
    [[nodiscard]] std::byte* address(unsigned id) const noexcept {
        return memory_ + static_cast<std::size_t>(id) * size_;
    }
    /// Gives buffer `id` back to the kernel.
    void give_back(unsigned id) noexcept;

private:
    io_uring_buf_ring* ring_ = nullptr;  ///< shared with the kernel
    std::byte* memory_ = nullptr;        ///< the buffers, one after the other
    std::size_t ring_bytes_ = 0;
    std::size_t memory_bytes_ = 0;
    unsigned count_ = 0;
    unsigned size_ = 0;
    bool attached_ = false;
};

}  // namespace corio::detail::uring
