#pragma once
/// @file
/// The loop's pending timers: a hierarchical timing wheel (Varghese & Lauck, as in Tokio and the
/// Linux kernel) of intrusive nodes. Insert and cancel are O(1) and allocate nothing, whatever
/// the number of pending timers; timers come out in (deadline, scheduling order), as asyncio
/// fires them, and never before their exact deadline.
///
/// A deadline of `time_point::max()` means "never" (what a saturated `now + duration::max()`
/// gives): such a node is kept apart, out of the wheel, so that it counts in `size()` and can be
/// removed, but `next_deadline()` ignores it and only `pop_expired(time_point::max())` (the loop
/// closing) returns it.
///
/// This is the seam the timer structure sits behind: `event_loop` uses only `insert`, `remove`,
/// `empty`, `size`, `next_deadline` and `pop_expired`. How the wheel works: see
/// src/core/timer_queue.cpp.

#include <cstddef>
#include <cstdint>

#include <corio/core/clock.hpp>

namespace corio::detail {

class timer_queue;
struct timer_node;

/// What the loop does with a kind of `timer_node`. One static table per kind, so that a node
/// carries one pointer rather than two: a node lives in the frame of every sleeping task.
struct timer_ops {
    /// Called by the loop when the deadline has passed; the node is already out of the queue.
    void (*fire)(timer_node*) = nullptr;
    /// Called instead of `fire` when the loop closes with the node still queued (null: the queue
    /// owned nothing; the waiter removes itself when destroyed).
    void (*discard)(timer_node*) noexcept = nullptr;
};

/// A pending timer. Lives inside whatever waits (a sleep awaiter, a `call_later` callback).
struct timer_node {
    time_point deadline{};
    const timer_ops* ops = nullptr;  ///< set before the node is queued

    [[nodiscard]] bool queued() const noexcept { return slot_ != not_queued; }

private:
    friend class timer_queue;
    static constexpr unsigned slot_bits = 11;
    static constexpr std::uint64_t not_queued = (std::uint64_t{1} << slot_bits) - 1;

    // Owned by the queue while the node is queued. 40 bytes in all, 8 more than a heap's node.
    timer_node* prev_timer_ = nullptr;  ///< neighbours in the node's slot list
    timer_node* next_timer_ = nullptr;
    /// Insertion order, to break ties between equal deadlines: 53 bits, compared modulo 2^53
    /// (timer_queue::before), so its wrapping around matters only to two timers due at the very
    /// same nanosecond and inserted more than 2^52 (4.5e15) insertions apart.
    std::uint64_t seq_ : 64 - slot_bits = 0;
    std::uint64_t slot_ : slot_bits = not_queued;  ///< which list holds the node (`heads_` index)
};

/// The pending timers of one loop, ordered by (deadline, insertion order).
///
/// Thread safety: none; the loop's thread only.
class timer_queue {
public:
    timer_queue() noexcept = default;
    timer_queue(const timer_queue&) = delete;
    timer_queue& operator=(const timer_queue&) = delete;

    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

    /// A time at or before the earliest deadline, for the loop's poll timeout; `time_point::max()`
    /// if no timer has a deadline other than "never" (or none is queued). Exact when the
    /// earliest timer is already due or shares its wheel slot with few others (`scan_limit`);
    /// else the start of that slot's span (the loop wakes early, `pop_expired` finds nothing due
    /// but moves the slot's timers to finer slots or the due list, and the next answer is
    /// closer). Calling `pop_expired(next_deadline())` always makes progress, so a virtual clock
    /// that jumps to this time reaches every deadline exactly. O(1); cached between changes.
    [[nodiscard]] time_point next_deadline() const noexcept;

    /// Queues `node` (not queued) to fire at `node->deadline`, which may be in the past. O(1).
    void insert(timer_node* node) noexcept;
    /// Removes a queued node (no-op if it is not queued). O(1).
    void remove(timer_node* node) noexcept;
    /// Removes and returns the earliest node if its deadline is at or before `now`, else null.
    /// Amortized O(1) per node, plus the sort of each 1 ms batch of timers as it falls due.
    timer_node* pop_expired(time_point now) noexcept;

private:
    // 256 slots a level: a 60 s timeout starts one level up and is moved ("cascaded") once.
    static constexpr unsigned slot_bits = 8;
    static constexpr unsigned slots = 1u << slot_bits;
    static constexpr unsigned levels = 6;  ///< 48 bits of 1 ms ticks: all of `time_point`
    static constexpr std::uint32_t due_slot = levels * slots;  ///< the sorted list of due nodes
    static constexpr std::uint32_t never_slot = due_slot + 1;  ///< deadline `time_point::max()`
    static constexpr unsigned scan_limit = 32;  ///< next_deadline reads at most this many nodes
    static constexpr unsigned words = levels * slots / 64;  ///< of the occupied-slots bitmap

    static constexpr std::uint64_t seq_mask =
        (std::uint64_t{1} << (64 - timer_node::slot_bits)) - 1;
    static_assert(never_slot < timer_node::not_queued, "timer_node::slot_ is too narrow");

    /// (deadline, seq) order; seq compared modulo 2^53: right for any two nodes inserted fewer
    /// than 2^52 insertions apart.
    static bool before(const timer_node* a, const timer_node* b) noexcept {
        if (a->deadline != b->deadline) return a->deadline < b->deadline;
        return ((a->seq_ - b->seq_) & seq_mask) > seq_mask / 2;
    }

    struct slot_ref {
        std::uint32_t slot;   ///< level * slots + digit
        std::uint64_t start;  ///< first tick the slot covers
    };
    bool earliest_slot(slot_ref& out) const noexcept;
    void place(timer_node* node, std::uint64_t tick) noexcept;
    /// Pushes `node` at the front of slot list `slot` (a wheel slot or the "never" list).
    void link_front(timer_node* node, std::uint32_t slot) noexcept;
    void insert_due(timer_node* node) noexcept;
    void unlink(timer_node* node) noexcept;
    void advance(std::uint64_t target) noexcept;
    void expire_slot(const slot_ref& slot) noexcept;
    void mark_empty(std::uint32_t slot) noexcept {
        if ((occupied_[slot / 64] &= ~(std::uint64_t{1} << slot % 64)) == 0) {
            occupied_words_ &= ~(std::uint32_t{1} << slot / 64);
        }
    }

    /// Slot lists, level by level (`level * slots + digit`), then the due list at `due_slot`,
    /// then the "never" list at `never_slot`.
    timer_node* heads_[levels * slots + 2] = {};
    timer_node* due_tail_ = nullptr;
    std::uint64_t occupied_[words] = {};  ///< bit `slot`: that slot's list is not empty
    std::uint32_t occupied_words_ = 0;    ///< bit w: occupied_[w] is not zero
    std::uint64_t current_ = 0;           ///< the wheel's position in ticks; see the .cpp
    std::uint64_t next_seq_ = 0;
    std::size_t size_ = 0;
    // next_deadline's answer for the wheel part (the due list needs none), kept until a change
    // could make it wrong: recomputing it may scan a slot.
    mutable time_point cached_next_{};
    mutable bool cache_valid_ = false;
};

}  // namespace corio::detail
