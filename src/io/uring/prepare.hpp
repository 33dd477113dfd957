#pragma once
// The submission queue entry of each operation (io/detail/operation.hpp's opcodes), as the
// io_uring backend submits it.
#include <liburing.h>

#include <corio/io/detail/operation.hpp>

namespace corio::detail::uring {

/// Fills `sqe` for `op` (not its user_data). `native_multishot_accept`: a multishot accept is
/// the kernel's own; else a single-shot one, which the backend submits again after each
/// result. A multishot recv selects a buffer of buffer_ring::group.
void prepare(io_uring_sqe& sqe, const io_operation& op, bool native_multishot_accept) noexcept;

/// True for the opcodes that wait for input (readiness POLLIN).
bool is_input(io_opcode op) noexcept;

}  // namespace corio::detail::uring
