#pragma once
/// @file
/// The loop's pending timers: intrusive nodes, O(log n) insert and cancel, stable order for equal
/// deadlines (asyncio fires timers due at the same time in the order they were scheduled).
///
/// This is the seam the timer structure sits behind: `event_loop` uses only `insert`, `remove`,
/// `empty`, `size`, `next_deadline` and `pop_expired`.

#include <cstddef>
#include <cstdint>
#include <vector>

#include <corio/core/clock.hpp>

namespace corio::detail {

/// A pending timer. Lives inside whatever waits (a sleep awaiter, a `call_later` callback).
struct timer_node {
    time_point deadline{};
    /// Called by the loop when the deadline has passed; the node is already out of the queue.
    void (*fire)(timer_node*) = nullptr;
    /// Called instead of `fire` when the loop closes with the node still queued (null: the queue
    /// owned nothing; the waiter removes itself when destroyed).
    void (*discard)(timer_node*) noexcept = nullptr;
    std::uint64_t seq = 0;     ///< insertion order, breaks ties between equal deadlines
    std::size_t index = npos;  ///< position in the queue; npos when not queued
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    [[nodiscard]] bool queued() const noexcept { return index != npos; }
};

/// An indexed 4-ary min-heap of `timer_node*` ordered by (deadline, seq).
class timer_queue {
public:
    [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }

    /// The earliest deadline. Precondition: not empty.
    [[nodiscard]] time_point next_deadline() const noexcept { return heap_.front()->deadline; }

    void insert(timer_node* node);
    /// Removes a queued node (no-op if it is not queued).
    void remove(timer_node* node) noexcept;
    /// Removes and returns the earliest node if its deadline is at or before `now`, else null.
    timer_node* pop_expired(time_point now) noexcept;

private:
    static bool before(const timer_node* a, const timer_node* b) noexcept {
        return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
    }
    void sift_up(std::size_t i) noexcept;
    void sift_down(std::size_t i) noexcept;
    void place(std::size_t i, timer_node* node) noexcept {
        heap_[i] = node;
        node->index = i;
    }

    std::vector<timer_node*> heap_;
    std::uint64_t next_seq_ = 0;
};

}  // namespace corio::detail
