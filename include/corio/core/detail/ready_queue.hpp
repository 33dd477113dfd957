#pragma once
/// @file
/// The loop's run queue: an intrusive FIFO of things ready to run (task steps and callbacks).
/// Intrusive so that waking a task allocates nothing: the node lives in the task record.

#include <cstddef>

namespace corio::detail {

struct ready_node;

/// What the loop does with a kind of `ready_node`. One static table per kind, so that a node
/// carries one pointer rather than two: a node lives in every task record.
struct ready_ops {
    /// Runs the node. Called once per scheduling; the node may be scheduled again from inside.
    void (*run)(ready_node*) = nullptr;
    /// Called instead of `run` when the loop closes with the node still queued: frees what the
    /// queue owned (null: the queue owned nothing).
    void (*discard)(ready_node*) noexcept = nullptr;
};

/// Something the loop can run: a task step or a scheduled callback.
struct ready_node {
    ready_node* next_ready = nullptr;
    const ready_ops* ops = nullptr;  ///< set before the node is first scheduled
};

/// FIFO of `ready_node`s, as asyncio's `_ready` deque: callbacks run in the order scheduled.
class ready_queue {
public:
    [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

    void push(ready_node* node) noexcept {
        node->next_ready = nullptr;
        if (tail_) {
            tail_->next_ready = node;
        } else {
            head_ = node;
        }
        tail_ = node;
        ++size_;
    }

    ready_node* pop() noexcept {
        ready_node* node = head_;
        head_ = node->next_ready;
        if (!head_) tail_ = nullptr;
        --size_;
        return node;
    }

private:
    ready_node* head_ = nullptr;
    ready_node* tail_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace corio::detail
