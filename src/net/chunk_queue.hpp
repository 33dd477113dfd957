#pragma once
// The stream writer's queue of chunks (stream_connection.hpp): a FIFO of strings whose bytes
// never move while queued, so that a send in flight may point into them.
//
// Why not std::deque<std::string>: libstdc++'s deque allocates a 512-byte block and its map as
// soon as it is constructed, and keeps them while empty: 576 bytes on every idle connection,
// more than half of what a connection may cost (the idle-memory target is 1 KiB). This queue is
// a singly linked list of nodes from the thread's frame pool: an empty queue is two pointers,
// and a node is a pointer pop and push in the steady state. Chunks are never moved: a node is
// allocated once per chunk and freed once sent, so even a short string, whose bytes live inside
// it, stays put while the kernel reads it.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <corio/core/detail/frame_allocator.hpp>

#include "recycled_strings.hpp"

namespace corio::detail {

class chunk_queue {
    struct node : pooled {
        std::string data;
        node* next = nullptr;
        explicit node(std::string&& d) noexcept : data(std::move(d)) {}
        /// In storage a sent chunk left, if there is one (an echo that writes what it read as
        /// a view allocates nothing per message either).
        explicit node(std::string_view d) : data(recycled_strings::take(d.size())) {
            // append, not assign: GCC 12's -O3 takes assign's overlap check for a real overlap
            // (-Wrestrict, GCC bug 105651); `data` is empty here, so both do the same.
            data.append(d);
        }
    };

public:
    chunk_queue() noexcept = default;
    chunk_queue(const chunk_queue&) = delete;
    chunk_queue& operator=(const chunk_queue&) = delete;
    ~chunk_queue() { clear(); }

    [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    std::string& front() noexcept { return head_->data; }
    std::string& back() noexcept { return tail_->data; }

    /// Errors: `std::bad_alloc` (nothing queued then).
    void push_back(std::string&& chunk) { link(new node(std::move(chunk))); }
    /// Errors: `std::bad_alloc` (nothing queued then).
    void push_back(std::string_view chunk) { link(new node(chunk)); }

    void pop_front() noexcept {
        node* n = head_;
        head_ = n->next;
        if (!head_) tail_ = nullptr;
        --size_;
        recycled_strings::give(std::move(n->data));  // its storage serves a later read
        delete n;
    }

    void clear() noexcept {
        while (head_) pop_front();
    }

    /// Calls `fn(chunk)` for the first `max` chunks (or all, if fewer), front to back.
    template <class Fn>
    void for_each_first(std::size_t max, Fn&& fn) {
        for (node* n = head_; n && max > 0; n = n->next, --max) fn(n->data);
    }

private:
    void link(node* n) noexcept {
        (tail_ ? tail_->next : head_) = n;
        tail_ = n;
        ++size_;
    }

    node* head_ = nullptr;
    node* tail_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace corio::detail
