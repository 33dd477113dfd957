// Micro-benchmarks of corio::generator, side by side with a hand-written iterator; the Python
// peers are in generator.py. What each one measures: bench/README.md. Output: JSON lines
// (bench/common/jsonl_reporter.hpp).

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include <corio/gen/generator.hpp>

#include "common/jsonl_reporter.hpp"

// ---- allocation counting (gen.frame) ------------------------------------------------------------
// The bench binary replaces the global operator new, so the size of a coroutine frame is measured
// without knowing anything about the promise: count the bytes allocated while one generator is
// created. Counting is off except around that creation. (noinline: once inlined, GCC pairs the
// malloc in one with the free in the other and reports a mismatched new/delete.)

namespace {
std::size_t alloc_bytes = 0;
std::size_t alloc_count = 0;
bool counting_allocations = false;
}  // namespace

[[gnu::noinline]] void* operator new(std::size_t size) {
    if (counting_allocations) {
        alloc_bytes += size;
        ++alloc_count;
    }
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using corio::bench::keep_in_register;
using corio::bench::report_value;
using corio::bench::set_items_per_iteration;

/// The seeds' workload: `sum(1 + x for x in range(2000000))`.
constexpr int genexp_items = 2'000'000;
constexpr std::int64_t genexp_sum = std::int64_t{genexp_items} * (genexp_items + 1) / 2;

/// Items pulled from the bottom of a delegation chain, per chain.
constexpr int chain_items = 1'000'000;

/// Repetitions of each timed benchmark; the median is reported. Together with the minimum time
/// per repetition this keeps the whole binary well under 60 s on a 2-core machine.
constexpr int repetitions = 5;
constexpr double min_time_s = 0.2;

// ---- the implementations --------------------------------------------------------------------

/// `(1 + x for x in range(n))` as a corio generator.
corio::generator<int> genexp(int n) {
    for (int x = 0; x < n; ++x) co_yield 1 + x;
}

/// The same sequence as a hand-written iterator class, in the style of the seeds' class-based
/// `get_odds` (`__init__` keeps the state, `__iter__` returns self, `__next__` steps): here
/// `begin()` returns (a copy of) itself, `operator*`/`operator++` are `__next__` split in two, and
/// comparing with the sentinel is the `StopIteration` check.
class genexp_iterator {
public:
    struct sentinel {};

    explicit genexp_iterator(int n) noexcept : n_(n) {}

    genexp_iterator begin() const noexcept { return *this; }
    static sentinel end() noexcept { return {}; }

    int operator*() const noexcept { return 1 + x_; }
    genexp_iterator& operator++() noexcept {
        ++x_;
        return *this;
    }
    friend bool operator==(const genexp_iterator& it, sentinel) noexcept { return it.x_ >= it.n_; }

private:
    int x_ = 0;
    int n_;
};

/// The floor under any C++20 coroutine generator: a bare coroutine with a value pointer and
/// nothing else (no send, throw, close, state or delegation). Measured so the table shows how much
/// of corio's per-item cost is the coroutine resume itself, which neither GCC 12 nor Clang 16
/// inlines here, and how much is corio's own bookkeeping.
struct minimal_generator {
    struct promise_type {
        const int* value = nullptr;
        minimal_generator get_return_object() noexcept {
            return minimal_generator{std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        static std::suspend_always initial_suspend() noexcept { return {}; }
        static std::suspend_always final_suspend() noexcept { return {}; }
        std::suspend_always yield_value(const int& v) noexcept {
            value = &v;
            return {};
        }
        static void return_void() noexcept {}
        static void unhandled_exception() { throw; }
    };
    struct iterator {
        std::coroutine_handle<promise_type> h;
        int operator*() const noexcept { return *h.promise().value; }
        iterator& operator++() {
            h.resume();
            return *this;
        }
        bool operator==(std::default_sentinel_t) const noexcept { return h.done(); }
    };
    explicit minimal_generator(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
    minimal_generator(minimal_generator&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    minimal_generator& operator=(minimal_generator&&) = delete;
    ~minimal_generator() {
        if (h_) h_.destroy();
    }
    iterator begin() {
        h_.resume();
        return {h_};
    }
    static std::default_sentinel_t end() noexcept { return {}; }

private:
    std::coroutine_handle<promise_type> h_;
};

minimal_generator minimal_genexp(int n) {
    for (int x = 0; x < n; ++x) co_yield 1 + x;
}

/// A counter-like generator taking sends: yields the running total of what it was sent.
/// (Unsigned arithmetic: the total wraps instead of overflowing however long the benchmark runs.)
corio::generator<int, int> accumulator() {
    unsigned total = 0;
    for (;;) {
        int out = static_cast<int>(total);
        if (auto sent = co_yield out) total += static_cast<unsigned>(*sent);
    }
}

/// `depth` generators delegating with `yield_from`, the innermost one yielding 0, 1, ..., n-1.
corio::generator<int> chain(int depth, int n) {
    if (depth == 0) {
        for (int i = 0; i < n; ++i) co_yield i;
    } else {
        co_yield corio::yield_from(chain(depth - 1, n));
    }
}

// ---- gen.iterate --------------------------------------------------------------------------------
// Fairness: the hand-written loop is fully visible to the optimizer, so without a barrier it would
// be vectorized or folded into n*(n+1)/2, while the generator's loop cannot be (each item comes
// out of an opaque coroutine resume). Both loops therefore apply the same barrier to the running
// sum after every item: keep_in_register(sum) forces the sum to be materialized in a register
// per item, which rules out vectorization and closed forms, so each item really is produced and
// added. It emits no instruction. benchmark::DoNotOptimize(sum) would also work, but it clobbers
// all memory too, and with Clang 16 it doubles the hand-written loop's time (0.27 -> 0.54 ns per
// item measured here; GCC 12 is unaffected), which would measure the barrier, not the iterator.

void iterate_corio(benchmark::State& state) {
    for (auto _ : state) {
        std::int64_t sum = 0;
        for (int v : genexp(genexp_items)) {
            sum += v;
            keep_in_register(sum);
        }
        if (sum != genexp_sum) state.SkipWithError("gen.iterate/corio: wrong sum");
    }
    set_items_per_iteration(state, genexp_items);
}

void iterate_hand(benchmark::State& state) {
    for (auto _ : state) {
        std::int64_t sum = 0;
        for (int v : genexp_iterator(genexp_items)) {
            sum += v;
            keep_in_register(sum);
        }
        if (sum != genexp_sum) state.SkipWithError("gen.iterate/hand_iterator: wrong sum");
    }
    set_items_per_iteration(state, genexp_items);
}

void iterate_minimal(benchmark::State& state) {
    for (auto _ : state) {
        std::int64_t sum = 0;
        for (int v : minimal_genexp(genexp_items)) {
            sum += v;
            keep_in_register(sum);
        }
        if (sum != genexp_sum) state.SkipWithError("gen.iterate/minimal_coroutine: wrong sum");
    }
    set_items_per_iteration(state, genexp_items);
}

// ---- gen.send -----------------------------------------------------------------------------------

void send_corio(benchmark::State& state) {
    auto gen = accumulator();
    gen.next();  // start the body, as Python requires before the first send
    for (auto _ : state) {
        auto total = gen.send(1);
        int v = total ? *total : -1;
        keep_in_register(v);
    }
    set_items_per_iteration(state, 1);
}

// ---- gen.frame ----------------------------------------------------------------------------------

void frame_corio(benchmark::State& state) {
    for (auto _ : state) {
        alloc_bytes = 0;
        alloc_count = 0;
        counting_allocations = true;
        auto gen = genexp(genexp_items);
        counting_allocations = false;
        // The generator escapes, so no compiler can elide the frame's allocation (Clang does when a
        // coroutine provably lives and dies inside its caller), which would make it 0 bytes here.
        benchmark::DoNotOptimize(gen);
    }
    if (alloc_count != 1) {
        std::fprintf(stderr, "gen.frame/corio: %zu allocations for one generator\n", alloc_count);
    }
    report_value(state, "frame_bytes", "bytes", static_cast<double>(alloc_bytes));
}

void create_corio(benchmark::State& state) {
    for (auto _ : state) {
        auto gen = genexp(genexp_items);  // allocate and initialize the frame; nothing runs
        benchmark::DoNotOptimize(gen);
    }  // destroy it
    set_items_per_iteration(state, 1);
}

// ---- gen.deep_chain -----------------------------------------------------------------------------

void deep_chain_corio(benchmark::State& state, int depth) {
    using clock = corio::bench::thread_cpu_clock;
    constexpr std::int64_t expected = std::int64_t{chain_items} * (chain_items + 1) / 2;
    for (auto _ : state) {
        // One item more than is timed, so the chain is still suspended when the timer stops.
        auto gen = chain(depth, chain_items + 2);
        // The first step builds the chain (each level runs up to its yield_from): not timed.
        auto it = gen.begin();
        std::int64_t sum = 0;
        const auto start = clock::now();
        for (int i = 0; i < chain_items; ++i) {
            ++it;
            sum += *it;
            keep_in_register(sum);
        }
        const auto stop = clock::now();
        state.SetIterationTime(std::chrono::duration<double>(stop - start).count());
        if (sum != expected) state.SkipWithError("gen.deep_chain/corio: wrong sum");
        // Not timed either: destroying the chain here. Nor is running it to exhaustion, which
        // would finish every level, O(depth) once per chain, not per item.
    }
    set_items_per_iteration(state, chain_items);
}

constexpr int chain_depths[] = {1, 10, 1000, 100000};

benchmark::internal::Benchmark* timed(benchmark::internal::Benchmark* b) {
    return b->Repetitions(repetitions)->MinTime(min_time_s)->ReportAggregatesOnly(true);
}

[[maybe_unused]] const bool registered = [] {
    timed(benchmark::RegisterBenchmark("gen.iterate/corio/item_ns", iterate_corio));
    timed(benchmark::RegisterBenchmark("gen.iterate/hand_iterator/item_ns", iterate_hand));
    timed(benchmark::RegisterBenchmark("gen.iterate/minimal_coroutine/item_ns", iterate_minimal));
    timed(benchmark::RegisterBenchmark("gen.send/corio/send_ns", send_corio));
    benchmark::RegisterBenchmark("gen.frame/corio/frame_bytes", frame_corio)->Iterations(1);
    timed(benchmark::RegisterBenchmark("gen.frame/corio/create_ns", create_corio));
    for (int depth : chain_depths) {
        const std::string name = "gen.deep_chain/corio/item_ns_depth_" + std::to_string(depth);
        timed(benchmark::RegisterBenchmark(name.c_str(), [depth](benchmark::State& s) {
            deep_chain_corio(s, depth);
        }))->UseManualTime();
    }
    return true;
}();

/// Notes on the targets (not asserted), to stderr after the run.
void print_targets(const std::vector<corio::bench::result>& results) {
    using corio::bench::find;
    auto corio_ns = find(results, "gen.iterate", "corio", "item_ns");
    auto hand_ns = find(results, "gen.iterate", "hand_iterator", "item_ns");
    if (corio_ns && hand_ns) {
        const double ratio = *corio_ns / *hand_ns;
        std::fprintf(stderr, "target: gen.iterate corio within 1.5x of hand_iterator: %.2fx (%s)\n",
                     ratio, ratio <= 1.5 ? "met" : "NOT met");
    }
    auto minimal_ns = find(results, "gen.iterate", "minimal_coroutine", "item_ns");
    if (corio_ns && minimal_ns) {
        // A bare coroutine's resume is the floor for any generator the compiler does not inline.
        std::fprintf(stderr,
                     "note: gen.iterate corio / minimal_coroutine (the coroutine-resume floor): "
                     "%.2fx\n",
                     *corio_ns / *minimal_ns);
    }
    const int shallow = chain_depths[0];
    const int deep = chain_depths[std::size(chain_depths) - 1];
    auto shallow_ns =
        find(results, "gen.deep_chain", "corio", "item_ns_depth_" + std::to_string(shallow));
    auto deep_ns =
        find(results, "gen.deep_chain", "corio", "item_ns_depth_" + std::to_string(deep));
    if (shallow_ns && deep_ns) {
        const double ratio = *deep_ns / *shallow_ns;
        std::fprintf(stderr,
                     "target: gen.deep_chain per-item cost independent of depth: depth %d / depth "
                     "%d = %.2fx (%s)\n",
                     deep, shallow, ratio, ratio <= 1.5 ? "met" : "NOT met");
    }
    std::fprintf(stderr,
                 "target: corio >= 30x faster than python3: see the python3 rows of the table "
                 "(scripts/bench)\n");
}

}  // namespace

CORIO_BENCH_MAIN_WITH(print_targets)
