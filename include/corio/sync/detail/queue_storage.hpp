#pragma once
/// @file
/// Where `queue_base` keeps its items: the one thing that tells a FIFO, a LIFO and a priority
/// queue apart (asyncio's `_init`, `_put`, `_get` overrides).
///
/// A storage has `size()`, `empty()`, `push(T&&)`, `take()` (moves the next item out and removes
/// it) and `clear()`. `take()` moves the item out before removing it, so that a throwing move
/// leaves the item where it was.

#include <algorithm>
#include <cstddef>
#include <deque>
#include <utility>
#include <vector>

namespace corio::detail {

/// First in, first out (asyncio's `Queue`).
template <class T>
class fifo_storage {
public:
    [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
    [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
    void push(T&& item) { items_.push_back(std::move(item)); }
    T take() {
        T item = std::move(items_.front());
        items_.pop_front();
        return item;
    }
    void clear() noexcept { items_.clear(); }

private:
    std::deque<T> items_;
};

/// Last in, first out (asyncio's `LifoQueue`).
template <class T>
class lifo_storage {
public:
    [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
    [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
    void push(T&& item) { items_.push_back(std::move(item)); }
    T take() {
        T item = std::move(items_.back());
        items_.pop_back();
        return item;
    }
    void clear() noexcept { items_.clear(); }

private:
    std::vector<T> items_;
};

/// Smallest first by `Compare` (asyncio's `PriorityQueue`, a `heapq` min-heap). Equal items come
/// out in no particular order, as with `heapq`.
template <class T, class Compare>
class heap_storage {
public:
    explicit heap_storage(Compare comp = Compare()) : comp_(std::move(comp)) {}

    [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
    [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
    void push(T&& item) {
        items_.push_back(std::move(item));
        std::push_heap(items_.begin(), items_.end(), greater());
    }
    T take() {
        // The std heap algorithms keep the *largest* first; comparing reversed makes it a
        // min-heap, the order heapq gives.
        std::pop_heap(items_.begin(), items_.end(), greater());
        T item = std::move(items_.back());
        items_.pop_back();
        return item;
    }
    void clear() noexcept { items_.clear(); }

private:
    auto greater() const {
        return [this](const T& a, const T& b) { return comp_(b, a); };
    }
    std::vector<T> items_;
    Compare comp_;
};

}  // namespace corio::detail
