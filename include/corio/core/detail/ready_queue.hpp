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
        if (batch_left_ > 0) --batch_left_;
        return node;
    }

    /// Marks the nodes queued now as one batch: the loop runs exactly those in an iteration
    /// (asyncio's `ntodo`); what they schedule waits for the next one.
    void begin_batch() noexcept { batch_left_ = size_; }
    /// The next node of the current batch, or null once the batch is done.
    ready_node* pop_batch() noexcept { return batch_left_ > 0 ? pop() : nullptr; }

    /// Takes `node` out of the queue if it is there; O(n). For the rare teardown of a node that
    /// must not outlive its memory (a combinator's watch node, destroyed with its frame while its
    /// done-callback is queued): the common paths never call it.
    bool remove(ready_node* node) noexcept {
        ready_node* prev = nullptr;
        std::size_t index = 0;
        for (ready_node* n = head_; n; prev = n, n = n->next_ready, ++index) {
            if (n != node) continue;
            (prev ? prev->next_ready : head_) = n->next_ready;
            if (tail_ == n) tail_ = prev;
            n->next_ready = nullptr;
            --size_;
            if (index < batch_left_) --batch_left_;  // it was counted in the running batch
            return true;
        }
        return false;
    }

private:
    ready_node* head_ = nullptr;
    ready_node* tail_ = nullptr;
    std::size_t size_ = 0;
    std::size_t batch_left_ = 0;  ///< nodes at the head that belong to the running batch
};

}  // namespace corio::detail
