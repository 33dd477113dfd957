// The indexed 4-ary heap behind corio's timers (see include/corio/core/detail/timer_queue.hpp).
// Four children per node: half the depth of a binary heap, and the children share a cache line.
#include <corio/core/detail/timer_queue.hpp>

namespace corio::detail {

void timer_queue::insert(timer_node* node) {
    node->seq = next_seq_++;
    heap_.push_back(node);
    node->index = heap_.size() - 1;
    sift_up(node->index);
}

void timer_queue::remove(timer_node* node) noexcept {
    if (!node->queued()) return;
    const std::size_t i = node->index;
    node->index = timer_node::npos;
    timer_node* last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;  // it was the last one
    place(i, last);
    if (i > 0 && before(last, heap_[(i - 1) / 4])) {
        sift_up(i);
    } else {
        sift_down(i);
    }
}

timer_node* timer_queue::pop_expired(time_point now) noexcept {
    if (heap_.empty() || heap_.front()->deadline > now) return nullptr;
    timer_node* node = heap_.front();
    remove(node);
    return node;
}

void timer_queue::sift_up(std::size_t i) noexcept {
    timer_node* node = heap_[i];
    while (i > 0) {
        const std::size_t parent = (i - 1) / 4;
        if (!before(node, heap_[parent])) break;
        place(i, heap_[parent]);
        i = parent;
    }
    place(i, node);
}

void timer_queue::sift_down(std::size_t i) noexcept {
    timer_node* node = heap_[i];
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

}  // namespace corio::detail
