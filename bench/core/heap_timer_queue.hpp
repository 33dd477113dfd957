#pragma once
/// @file
/// The timer queue corio had before its timing wheel, kept as a benchmark peer (impl
/// "binary_heap" in bench/core/timers.cpp): an indexed 4-ary min-heap of intrusive nodes ordered
/// by (deadline, seq), O(log n) insert and cancel. Same interface as corio::detail::timer_queue.

#include <cstddef>
#include <cstdint>
#include <vector>

#include <corio/core/clock.hpp>

namespace corio_bench {

struct heap_timer_node {
    corio::time_point deadline{};
    std::uint64_t seq = 0;     ///< insertion order, breaks ties between equal deadlines
    std::size_t index = npos;  ///< position in the heap; npos when not queued
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    [[nodiscard]] bool queued() const noexcept { return index != npos; }
};

class heap_timer_queue {
public:
    [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
    [[nodiscard]] corio::time_point next_deadline() const noexcept {
        return heap_.front()->deadline;
    }

    void insert(heap_timer_node* node) {
        node->seq = next_seq_++;
        heap_.push_back(node);
        node->index = heap_.size() - 1;
        sift_up(node->index);
    }

    void remove(heap_timer_node* node) noexcept {
        if (!node->queued()) return;
        const std::size_t i = node->index;
        node->index = heap_timer_node::npos;
        heap_timer_node* last = heap_.back();
        heap_.pop_back();
        if (i == heap_.size()) return;  // it was the last one
        place(i, last);
        if (i > 0 && before(last, heap_[(i - 1) / 4])) {
            sift_up(i);
        } else {
            sift_down(i);
        }
    }

    heap_timer_node* pop_expired(corio::time_point now) noexcept {
        if (heap_.empty() || heap_.front()->deadline > now) return nullptr;
        heap_timer_node* node = heap_.front();
        remove(node);
        return node;
    }

private:
    static bool before(const heap_timer_node* a, const heap_timer_node* b) noexcept {
        return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
    }
    void place(std::size_t i, heap_timer_node* node) noexcept {
        heap_[i] = node;
        node->index = i;
    }
    void sift_up(std::size_t i) noexcept {
        heap_timer_node* node = heap_[i];
        while (i > 0) {
            const std::size_t parent = (i - 1) / 4;
            if (!before(node, heap_[parent])) break;
            place(i, heap_[parent]);
            i = parent;
        }
        place(i, node);
    }
    void sift_down(std::size_t i) noexcept {
        heap_timer_node* node = heap_[i];
        const std::size_t n = heap_.size();
        for (;;) {
            const std::size_t first = 4 * i + 1;
            if (first >= n) break;
            std::size_t best = first;
            const std::size_t end = first + 4 < n ? first + 4 : n;
            for (std::size_t c = first + 1; c < end; ++c) {
                if (before(heap_[c], heap_[best])) best = c;
            }
            if (!before(heap_[best], node)) break;
            place(i, heap_[best]);
            i = best;
        }
        place(i, node);
    }

    std::vector<heap_timer_node*> heap_;
    std::uint64_t next_seq_ = 0;
};

}  // namespace corio_bench
