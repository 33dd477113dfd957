// The hierarchical timing wheel behind corio's timers (include/corio/core/detail/timer_queue.hpp).
//
// Time is cut into 1 ms ticks, numbered from a fixed origin near the most negative `time_point`,
// so the same code serves the virtual clock (starting at time_point{}) and the steady clock
// (arbitrary epoch), and any deadline, however far in the past or the future, has a tick number
// (< 2^45). A tick number is read as 6 digits of 8 bits; level L of the wheel has 256 slots, one
// per value of digit L.
//
// `current_` is the wheel's position: the tick up to which time has been processed.
//  * Every node whose tick is <= current_ is on the due list, sorted by (deadline, seq).
//  * Every other node (tick > current_) is in the wheel, at the level of the highest digit in
//    which its tick differs from current_, in the slot given by its tick's digit at that level.
//    So level 0 holds the rest of current_'s 256 ms span, level 1 the rest of its 65.5 s span
//    (in 256 ms slots), level 2 the rest of its 4.66 h span, and so on: every node of level L is
//    earlier than every node of level L+1, and within a level the slots are in time order from
//    the lowest occupied bit (all occupied digits are above current_'s digit there: no
//    wrap-around). The earliest occupied slot is therefore the lowest set bit of the bitmap of
//    occupied slots (level by level), found with two bit scans.
//  * Moving current_ forward to any tick before the earliest occupied slot's start keeps every
//    node where it belongs (same level, same slot), so a plain assignment does it.
//
// Insert computes the node's level from (tick ^ current_) with one count-leading-zeros and pushes
// it onto that slot's list; cancel unlinks it; both O(1), no allocation: the lists are intrusive
// and the slot heads are arrays in the queue.
//
// pop_expired(now) advances the position to now's tick. Each occupied slot whose span has begun
// is expired in time order: its nodes are re-placed relative to the slot's start (the wheel
// "cascades" them to finer levels), except those whose tick is the slot's first tick, which are
// due: that batch (at most one millisecond of timers) is sorted by (deadline, seq) and appended
// to the due list. The batch is sorted rather than kept in insertion order because cascading
// mixes early-scheduled nodes into finer slots after later-scheduled ones. Appending keeps the
// due list sorted: its older entries are in earlier ticks, hence strictly earlier. A node moves
// down at most 6 levels in its lifetime (a timer due within a minute: at most once), so this is
// O(1) amortized per timer. The cost that remains is memory latency: moving a slot's nodes walks
// a linked list of nodes that may be cold. 256 slots a level (rather than Tokio's 64) keep the
// usual timeouts to one such walk.
//
// Never early: the wheel only brings nodes to the due list; a node leaves it only when its exact
// deadline is <= now. The due list is the only place a node can be popped from, and its head is
// the earliest pending node, so all due timers come out in (deadline, seq) order.
//
// A node inserted with tick <= current_ (already due, or due within the current millisecond) is
// inserted into the due list at its sorted place, scanning from the tail: this passes only over
// nodes due later than it within the current millisecond.
#include <bit>
#include <chrono>
#include <limits>

#include <corio/core/detail/timer_queue.hpp>

namespace corio::detail {

namespace {

using rep = duration::rep;
constexpr rep ticks_per_ms =
    std::chrono::duration_cast<duration>(std::chrono::milliseconds(1)).count();
static_assert(ticks_per_ms > 0, "clock resolution coarser than 1 ms");
/// The start of tick 0: the most negative whole millisecond.
constexpr rep origin = std::numeric_limits<rep>::min() / ticks_per_ms * ticks_per_ms;

/// The 1 ms tick holding `t` (times before the origin, within 1 ms of the minimum, are tick 0).
std::uint64_t tick_of(time_point t) noexcept {
    const rep r = t.time_since_epoch().count();
    if (r <= origin) return 0;
    return (static_cast<std::uint64_t>(r) - static_cast<std::uint64_t>(origin)) /
           static_cast<std::uint64_t>(ticks_per_ms);
}

/// The first instant of tick `tick`.
time_point start_of(std::uint64_t tick) noexcept {
    const std::uint64_t r =
        static_cast<std::uint64_t>(origin) + tick * static_cast<std::uint64_t>(ticks_per_ms);
    return time_point(duration(static_cast<rep>(r)));
}

}  // namespace

void timer_queue::insert(timer_node* node) noexcept {
    static_assert(
        std::numeric_limits<std::uint64_t>::max() / ticks_per_ms >> (slot_bits * levels) == 0,
        "the wheel's levels must cover every tick number");
    node->seq_ = next_seq_++ & seq_mask;
    ++size_;
    if (node->deadline == time_point::max()) {  // "never": kept out of the wheel's reach
        link_front(node, never_slot);
        return;
    }
    const std::uint64_t tick = tick_of(node->deadline);
    if (tick <= current_) {
        insert_due(node);
        return;
    }
    place(node, tick);
    if (cache_valid_ && node->deadline < cached_next_) cached_next_ = node->deadline;
}

void timer_queue::remove(timer_node* node) noexcept {
    if (!node->queued()) return;
    const std::uint32_t slot = node->slot_;
    unlink(node);
    --size_;
    if (slot >= due_slot) return;
    // A cached answer stays right unless the earliest node left, or its slot emptied (the
    // answer may be that slot's start, and must stay one that pop_expired makes progress on).
    if (cache_valid_ && (node->deadline <= cached_next_ || heads_[slot] == nullptr)) {
        cache_valid_ = false;
    }
}

timer_node* timer_queue::pop_expired(time_point now) noexcept {
    timer_node* head = heads_[due_slot];
    if (!head) {
        // Nothing in the wheel can be due before the due list's head: advance only when empty.
        advance(tick_of(now));
        head = heads_[due_slot];
    }
    if (!head && now == time_point::max()) head = heads_[never_slot];  // the loop is closing
    if (!head || head->deadline > now) return nullptr;
    unlink(head);
    --size_;
    return head;
}

time_point timer_queue::next_deadline() const noexcept {
    if (const timer_node* head = heads_[due_slot]) return head->deadline;
    if (occupied_words_ == 0) return time_point::max();  // nothing, or only "never" timers
    if (!cache_valid_) {
        slot_ref s{};
        earliest_slot(s);  // not empty, nothing due: some slot is occupied
        // The earliest node is in this slot. If the slot is short, its exact minimum, so that the
        // loop wakes once, on time; else the slot's start (bounded cost: the loop wakes early,
        // and pop_expired moves the slot on). The answer is cached, so the scan is rare.
        const timer_node* n = heads_[s.slot];
        time_point best = n->deadline;
        unsigned scanned = 1;
        for (n = n->next_timer_; n && scanned < scan_limit; n = n->next_timer_, ++scanned) {
            if (n->deadline < best) best = n->deadline;
        }
        cached_next_ = n ? start_of(s.start) : best;
        cache_valid_ = true;
    }
    return cached_next_;
}

bool timer_queue::earliest_slot(slot_ref& out) const noexcept {
    static_assert(words <= 32, "occupied_words_ has a bit per word");
    if (occupied_words_ == 0) return false;
    const auto word = static_cast<unsigned>(std::countr_zero(occupied_words_));
    const auto slot = word * 64 + static_cast<unsigned>(std::countr_zero(occupied_[word]));
    const unsigned shift = slot_bits * (slot / slots);
    // current_'s digits above the slot's level, then the slot's digit, then zeros.
    const std::uint64_t above = current_ >> (shift + slot_bits) << (shift + slot_bits);
    out = {slot, above | (std::uint64_t{slot % slots} << shift)};
    return true;
}

void timer_queue::place(timer_node* node, std::uint64_t tick) noexcept {
    const unsigned level =
        static_cast<unsigned>(std::bit_width(tick ^ current_) - 1) / slot_bits;  // tick > current_
    const unsigned digit = static_cast<unsigned>(tick >> (slot_bits * level)) & (slots - 1);
    const std::uint32_t slot = level * slots + digit;
    link_front(node, slot);
    occupied_[slot / 64] |= std::uint64_t{1} << slot % 64;
    occupied_words_ |= std::uint32_t{1} << slot / 64;
}

void timer_queue::link_front(timer_node* node, std::uint32_t slot) noexcept {
    timer_node* head = heads_[slot];
    node->prev_timer_ = nullptr;
    node->next_timer_ = head;
    if (head) head->prev_timer_ = node;
    heads_[slot] = node;
    node->slot_ = slot;
}

void timer_queue::insert_due(timer_node* node) noexcept {
    node->slot_ = due_slot;
    timer_node* after = due_tail_;  // the node goes right after `after` (null: at the front)
    if (after && before(node, after)) {
        if (before(node, heads_[due_slot])) {
            after = nullptr;
        } else {
            do after = after->prev_timer_;
            while (before(node, after));
        }
    }
    timer_node* next = after ? after->next_timer_ : heads_[due_slot];
    node->prev_timer_ = after;
    node->next_timer_ = next;
    (after ? after->next_timer_ : heads_[due_slot]) = node;
    (next ? next->prev_timer_ : due_tail_) = node;
}

void timer_queue::unlink(timer_node* node) noexcept {
    const std::uint32_t slot = node->slot_;
    timer_node* prev = node->prev_timer_;
    timer_node* next = node->next_timer_;
    (prev ? prev->next_timer_ : heads_[slot]) = next;
    if (next) {
        next->prev_timer_ = prev;
    } else if (slot == due_slot) {
        due_tail_ = prev;
    }
    if (slot < due_slot && heads_[slot] == nullptr) mark_empty(slot);
    node->prev_timer_ = node->next_timer_ = nullptr;
    node->slot_ = timer_node::not_queued;
}

void timer_queue::advance(std::uint64_t target) noexcept {
    slot_ref s{};
    while (earliest_slot(s) && s.start <= target) expire_slot(s);
    if (target > current_) current_ = target;  // keeps every node in place: see the file comment
}

namespace {

/// Sorts a null-terminated list linked through `next_timer_`-like pointers by `less`: bottom-up
/// merge sort with 64 bins (bin i holds a sorted run of 2^i nodes or nothing), no allocation.
template <class Node, class Next, class Less>
Node* merge_sort(Node* list, Next next, Less less) noexcept {
    const auto merge = [&](Node* a, Node* b) {
        Node* head = nullptr;
        Node** tail = &head;
        while (a && b) {
            Node*& smaller = less(b, a) ? b : a;  // ties take `a`: the earlier run, stable
            *tail = smaller;
            tail = &next(smaller);
            smaller = next(smaller);
        }
        *tail = a ? a : b;
        return head;
    };
    Node* bins[64] = {};
    while (list) {
        Node* run = list;
        list = next(list);
        next(run) = nullptr;
        unsigned i = 0;
        for (; bins[i]; ++i) {
            run = merge(bins[i], run);
            bins[i] = nullptr;
        }
        bins[i] = run;
    }
    Node* out = nullptr;
    for (Node* bin : bins) {
        if (bin) out = merge(bin, out);
    }
    return out;
}

}  // namespace

void timer_queue::expire_slot(const slot_ref& s) noexcept {
    const std::uint32_t slot = s.slot;
    timer_node* n = heads_[slot];
    heads_[slot] = nullptr;
    mark_empty(slot);
    current_ = s.start;
    cache_valid_ = false;

    timer_node* batch = nullptr;  // the nodes of tick s.start: due now, linked by next_timer_
    while (n) {
        timer_node* next = n->next_timer_;
        const std::uint64_t tick = tick_of(n->deadline);
        if (tick <= current_) {
            n->next_timer_ = batch;
            batch = n;
        } else {
            place(n, tick);
        }
        n = next;
    }
    if (!batch) return;

    batch = merge_sort(
        batch, [](timer_node* x) -> timer_node*& { return x->next_timer_; }, &before);
    // Append: everything already on the due list is in an earlier tick.
    timer_node* prev = due_tail_;
    (prev ? prev->next_timer_ : heads_[due_slot]) = batch;
    for (timer_node* b = batch; b; b = b->next_timer_) {
        b->prev_timer_ = prev;
        b->slot_ = due_slot;
        prev = b;
    }
    due_tail_ = prev;
}

}  // namespace corio::detail
