// The loop's provided buffers (buffer_ring.hpp).
#include "buffer_ring.hpp"

#include <cerrno>

#include <sys/mman.h>

namespace corio::detail::uring {

buffer_ring::~buffer_ring() {
    if (ring_) ::munmap(ring_, ring_bytes_);
    if (memory_) ::munmap(memory_, memory_bytes_);
}

int buffer_ring::attach(io_uring& ring, unsigned count, unsigned size) {
    attached_ = false;
    if (!ring_) {
        // Anonymous mappings: page-aligned, as the ring must be, and the buffers cost resident
        // memory only once the kernel has written into them.
        ring_bytes_ = static_cast<std::size_t>(count) * sizeof(io_uring_buf);
        memory_bytes_ = static_cast<std::size_t>(count) * size;
        void* r = ::mmap(nullptr, ring_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                         -1, 0);
        if (r == MAP_FAILED) return -errno;
        void* m = ::mmap(nullptr, memory_bytes_, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) {
            const int e = errno;
            ::munmap(r, ring_bytes_);
            return -e;
        }
        ring_ = static_cast<io_uring_buf_ring*>(r);
        memory_ = static_cast<std::byte*>(m);
        count_ = count;
        size_ = size;
    }
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uint64_t>(ring_);
    reg.ring_entries = count_;
    reg.bgid = group;
    const int r = io_uring_register_buf_ring(&ring, &reg, 0);
    if (r < 0) return r;
    io_uring_buf_ring_init(ring_);
    const int mask = io_uring_buf_ring_mask(count_);
    for (unsigned id = 0; id < count_; ++id) {
        io_uring_buf_ring_add(ring_, address(id), size_, static_cast<unsigned short>(id), mask,
                              static_cast<int>(id));
    }
    io_uring_buf_ring_advance(ring_, static_cast<int>(count_));
    attached_ = true;
    return 0;
}

void buffer_ring::give_back(unsigned id) noexcept {
    io_uring_buf_ring_add(ring_, address(id), size_, static_cast<unsigned short>(id),
                          io_uring_buf_ring_mask(count_), 0);
    io_uring_buf_ring_advance(ring_, 1);
}

}  // namespace corio::detail::uring
