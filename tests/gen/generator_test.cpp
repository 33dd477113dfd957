// Behaviour of corio::generator against Python's generator semantics.
#include <memory>
#include <ranges>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/gen/generator.hpp>

namespace {

using corio::generator;
using corio::generator_error;
using corio::generator_exit;
using corio::generator_state;
using corio::yield_from;

template <class G>
auto drain(G&& gen) {
    std::vector<typename std::remove_cvref_t<G>::value_type> out;
    for (auto&& v : gen) out.push_back(v);
    return out;
}

generator<int> count_to(int n, int* started = nullptr) {
    if (started) ++*started;
    for (int i = 0; i < n; ++i) co_yield i;
}

generator<int, void, int> step(int start, int stop, int stride) {
    int i = 0;
    while (start + stride * i != stop) {
        co_yield start + stride* i;
        ++i;
    }
    co_return i;
}

/// Counts live instances, to observe that unwinding ran destructors.
struct guard {
    int* live;
    explicit guard(int* l) : live(l) { ++*live; }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    ~guard() { --*live; }
};

// ---- stepping -------------------------------------------------------------------------------

TEST(Generator, IsLazyUntilFirstStep) {
    int started = 0;
    auto gen = count_to(3, &started);
    EXPECT_EQ(started, 0);
    EXPECT_EQ(gen.state(), generator_state::created);
    EXPECT_EQ(gen.next(), 0);
    EXPECT_EQ(started, 1);
}

TEST(Generator, NextReturnsValuesThenEmptyForever) {
    auto gen = count_to(2);
    EXPECT_EQ(gen.next(), 0);
    EXPECT_EQ(gen.next(), 1);
    EXPECT_EQ(gen.next(), std::nullopt);
    EXPECT_EQ(gen.next(), std::nullopt);
    EXPECT_EQ(gen.state(), generator_state::closed);
}

TEST(Generator, FreeNextThrowsStopIterationOrReturnsDefault) {
    auto gen = count_to(1);
    EXPECT_EQ(corio::next(gen), 0);
    EXPECT_THROW(corio::next(gen), corio::stop_iteration);
    EXPECT_EQ(corio::next(gen, -1), -1);
}

TEST(Generator, RangeForAndViews) {
    EXPECT_EQ(drain(count_to(4)), (std::vector<int>{0, 1, 2, 3}));
    static_assert(std::ranges::input_range<generator<int>>);
    static_assert(!std::ranges::view<generator<int>>);  // so lvalues pipe by reference
    std::vector<int> out;
    for (int v : count_to(100) | std::views::filter([](int x) { return x % 2 == 1; }) |
                     std::views::transform([](int x) { return x * 10; }) | std::views::take(3)) {
        out.push_back(v);
    }
    EXPECT_EQ(out, (std::vector<int>{10, 30, 50}));
}

TEST(Generator, ForLoopContinuesWhereNextLeftOff) {
    auto gen = count_to(4);
    gen.next();
    EXPECT_EQ(drain(gen), (std::vector<int>{1, 2, 3}));
}

TEST(Generator, InfiniteGeneratorStopsWhenConsumerStops) {
    int live = 0;
    {
        auto fib = [](int* l) -> generator<long> {
            guard g(l);
            for (long a = 0, b = 1;; b = a + b, a = b - a) co_yield a;
        }(&live);
        std::vector<long> first;
        for (long v : fib | std::views::take(5)) first.push_back(v);
        EXPECT_EQ(first, (std::vector<long>{0, 1, 1, 2, 3}));
        EXPECT_EQ(live, 1);
    }
    EXPECT_EQ(live, 0);  // destroying the suspended generator ran the body's destructors
}

TEST(Generator, LvalueYieldIsCopiedByNextNotMoved) {
    auto gen = []() -> generator<std::string> {
        std::string s = "kept";
        co_yield s;
        co_yield s;  // still intact after the caller took a copy
    }();
    EXPECT_EQ(gen.next(), "kept");
    EXPECT_EQ(gen.next(), "kept");
}

TEST(Generator, ConvertingYields) {
    auto gen = []() -> generator<std::string> {
        co_yield "literal";
        const std::string c = "const";
        co_yield c;
    }();
    EXPECT_EQ(drain(gen), (std::vector<std::string>{"literal", "const"}));
}

TEST(Generator, MoveOnlyValues) {
    auto gen = []() -> generator<std::unique_ptr<int>> {
        co_yield std::make_unique<int>(7);
        co_yield std::make_unique<int>(8);
    }();
    auto a = gen.next();
    ASSERT_TRUE(a && *a);
    EXPECT_EQ(**a, 7);
    for (auto& p : gen) EXPECT_EQ(*p, 8);
}

TEST(Generator, MovingTransfersOwnership) {
    auto a = count_to(3);
    a.next();
    generator<int> b = std::move(a);
    EXPECT_EQ(a.state(), generator_state::closed);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(a.next(), std::nullopt);              // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(b.next(), 1);
    b = count_to(1);
    EXPECT_EQ(b.next(), 0);
}

TEST(Generator, StateIsRunningInsideTheBody) {
    generator<int>* self = nullptr;
    generator_state seen{};
    auto gen = [](generator<int>** s, generator_state* out) -> generator<int> {
        *out = (*s)->state();
        co_yield 1;
    }(&self, &seen);
    self = &gen;
    gen.next();
    EXPECT_EQ(seen, generator_state::running);
    EXPECT_EQ(gen.state(), generator_state::suspended);
}

TEST(Generator, ReenteringARunningGeneratorIsAnError) {
    generator<int>* self = nullptr;
    auto gen = [](generator<int>** s) -> generator<int> {
        // C++ forbids co_yield inside a handler: record, then yield after it.
        std::string message;
        try {
            (*s)->next();
        } catch (const generator_error& e) {
            message = e.what();
        }
        if (message == "generator already executing") co_yield 1;
    }(&self);
    self = &gen;
    EXPECT_EQ(gen.next(), 1);
}

TEST(Generator, ExceptionInBodyReachesCallerAndCloses) {
    auto gen = []() -> generator<int> {
        co_yield 1;
        throw std::runtime_error("boom");
    }();
    EXPECT_EQ(gen.next(), 1);
    EXPECT_THROW(gen.next(), std::runtime_error);
    EXPECT_EQ(gen.state(), generator_state::closed);
    EXPECT_EQ(gen.next(), std::nullopt);
}

TEST(Generator, ExceptionBeforeFirstYieldReachesRangeFor) {
    auto gen = []() -> generator<int> {
        throw std::runtime_error("early");
        co_return;
    }();
    EXPECT_THROW(drain(gen), std::runtime_error);
}

TEST(Generator, ReturnValueAfterExhaustion) {
    auto gen = step(0, 6, 2);
    EXPECT_THROW((void)gen.return_value(), generator_error);
    EXPECT_EQ(drain(gen), (std::vector<int>{0, 2, 4}));
    EXPECT_EQ(gen.return_value(), 3);
}

// ---- send -----------------------------------------------------------------------------------

generator<int, int> counter(int start = 0, int limit = 10) {
    int value = start;
    while (value < limit) value += (co_yield value).value_or(1);
    co_yield value;
}

TEST(GeneratorSend, SentValueBecomesYieldResult) {
    auto gen = counter();
    EXPECT_EQ(gen.next(), 0);  // prime, as Python's gen.send(None)
    EXPECT_EQ(gen.send(3), 3);
    EXPECT_EQ(gen.send(2), 5);
    EXPECT_EQ(gen.next(), 6);  // next() sends "None": the body sees an empty optional
    EXPECT_EQ(gen.send(4), 10);
    EXPECT_EQ(gen.send(1), std::nullopt);
    EXPECT_EQ(gen.send(1), std::nullopt);
}

TEST(GeneratorSend, SendingToJustStartedGeneratorIsAnErrorAndChangesNothing) {
    auto gen = counter();
    try {
        gen.send(5);
        FAIL() << "expected generator_error";
    } catch (const generator_error& e) {
        EXPECT_STREQ(e.what(), "can't send non-None value to a just-started generator");
    }
    EXPECT_EQ(gen.state(), generator_state::created);
    EXPECT_EQ(gen.next(), 0);
}

TEST(GeneratorSend, StringSendsStopARoster) {
    auto roster = [](std::vector<std::string> names) -> generator<std::string, std::string> {
        while (!names.empty()) {
            for (const auto& name : names) {
                if ((co_yield name) == "stop") co_return;
            }
        }
    }({"ann", "bob"});
    EXPECT_EQ(roster.next(), "ann");
    EXPECT_EQ(roster.next(), "bob");
    EXPECT_EQ(roster.next(), "ann");
    EXPECT_EQ(roster.send("stop"), std::nullopt);
    EXPECT_EQ(roster.state(), generator_state::closed);
}

// ---- throw_exception and close --------------------------------------------------------------

TEST(GeneratorThrow, BodyCatchesAndKeepsYielding) {
    auto gen = []() -> generator<std::string> {
        for (;;) {
            std::string caught;
            try {
                co_yield "waiting";
            } catch (const std::runtime_error& e) {
                caught = e.what();
            }
            if (!caught.empty()) co_yield "caught " + caught;
        }
    }();
    EXPECT_EQ(gen.next(), "waiting");
    EXPECT_EQ(gen.throw_exception(std::runtime_error("x")), "caught x");
    EXPECT_EQ(gen.next(), "waiting");
}

TEST(GeneratorThrow, UncaughtPropagatesAndCloses) {
    int live = 0;
    auto gen = [](int* l) -> generator<int> {
        guard g(l);
        co_yield 1;
        co_yield 2;
    }(&live);
    gen.next();
    EXPECT_THROW(gen.throw_exception(std::out_of_range("y")), std::out_of_range);
    EXPECT_EQ(gen.state(), generator_state::closed);
    EXPECT_EQ(live, 0);
}

TEST(GeneratorThrow, OnCreatedGeneratorBodyNeverRuns) {
    int started = 0;
    auto gen = count_to(3, &started);
    EXPECT_THROW(gen.throw_exception(std::logic_error("z")), std::logic_error);
    EXPECT_EQ(started, 0);
    EXPECT_EQ(gen.state(), generator_state::closed);
}

TEST(GeneratorClose, UnwindsBodyRunningDestructorsAndHandlers) {
    int live = 0;
    bool saw_exit = false;
    auto gen = [](int* l, bool* saw) -> generator<int> {
        guard g(l);
        try {
            co_yield 1;
            co_yield 2;
        } catch (const generator_exit&) {
            *saw = true;
            throw;
        }
    }(&live, &saw_exit);
    gen.next();
    EXPECT_EQ(live, 1);
    gen.close();
    EXPECT_TRUE(saw_exit);
    EXPECT_EQ(live, 0);
    EXPECT_EQ(gen.state(), generator_state::closed);
    gen.close();  // idempotent
}

TEST(GeneratorClose, StdExceptionHandlersDoNotSwallowGeneratorExit) {
    auto gen = []() -> generator<int> {
        bool caught = false;
        try {
            co_yield 1;
        } catch (const std::exception&) {
            caught = true;
        }
        if (caught) co_yield 99;  // would be "ignored generator_exit"; must not be reached
    }();
    gen.next();
    EXPECT_NO_THROW(gen.close());
    EXPECT_EQ(gen.state(), generator_state::closed);
}

TEST(GeneratorClose, YieldingWhileClosingIsAnError) {
    auto gen = []() -> generator<int> {
        for (;;) {
            try {
                co_yield 1;
            } catch (const generator_exit&) {
            }
        }
    }();
    gen.next();
    try {
        gen.close();
        FAIL() << "expected generator_error";
    } catch (const generator_error& e) {
        EXPECT_STREQ(e.what(), "generator ignored generator_exit");
    }
}

TEST(GeneratorClose, OtherExceptionsDuringClosePropagate) {
    auto gen = []() -> generator<int> {
        try {
            co_yield 1;
        } catch (const generator_exit&) {
            throw std::runtime_error("cleanup failed");
        }
    }();
    gen.next();
    EXPECT_THROW(gen.close(), std::runtime_error);
    EXPECT_EQ(gen.state(), generator_state::closed);
}

TEST(GeneratorClose, CreatedGeneratorClosesWithoutRunning) {
    int started = 0;
    auto gen = count_to(3, &started);
    gen.close();
    EXPECT_EQ(started, 0);
    EXPECT_EQ(gen.state(), generator_state::closed);
    EXPECT_EQ(gen.next(), std::nullopt);
}

// ---- yield_from -----------------------------------------------------------------------------

TEST(YieldFrom, EvaluatesToDelegateReturnValue) {
    int reported = -1;
    auto wrapper = [](int* out) -> generator<int> {
        *out = co_yield yield_from(step(0, 10, 2));
    }(&reported);
    EXPECT_EQ(drain(wrapper), (std::vector<int>{0, 2, 4, 6, 8}));
    EXPECT_EQ(reported, 5);
}

TEST(YieldFrom, UpAndDown) {
    auto wrapper = [](int start, int stop) -> generator<int> {
        co_yield yield_from(step(start, stop, 1));
        co_yield yield_from(step(stop, start, -1));
    }(0, 5);
    EXPECT_EQ(drain(wrapper), (std::vector<int>{0, 1, 2, 3, 4, 5, 4, 3, 2, 1}));
}

generator<int> failing() {
    co_yield 0;
    throw std::runtime_error("Generator error");
}

generator<int> catch_failing(std::string* message) {
    try {
        co_yield yield_from(failing());
    } catch (const std::runtime_error& e) {
        *message = e.what();
    }
    co_yield 42;
}

TEST(YieldFrom, DelegateExceptionIsCatchableInDelegator) {
    std::string message;
    EXPECT_EQ(drain(catch_failing(&message)), (std::vector<int>{0, 42}));
    EXPECT_EQ(message, "Generator error");
}

generator<short> one_short() { co_yield short{3}; }

generator<int> mixed_sources(std::vector<int>& v) {
    co_yield yield_from(v);
    co_yield yield_from(std::string("AB"));       // chars convert to int: 65, 66
    co_yield yield_from(std::views::iota(7, 9));  // any input range
    co_yield yield_from(one_short());             // other Yield type: iterated as a range
}

TEST(YieldFrom, RangesAndForeignGenerators) {
    std::vector<int> lvalue{1, 2};
    EXPECT_EQ(drain(mixed_sources(lvalue)), (std::vector<int>{1, 2, 65, 66, 7, 8, 3}));
}

/// Sums what it is sent; a sent-less next() ends it; invalid_argument resets the total.
generator<int, int, int> accumulator() {
    int total = 0;
    for (;;) {
        try {
            auto got = co_yield total;
            if (!got) break;
            total += *got;
        } catch (const std::invalid_argument&) {
            total = -100;
        }
    }
    co_return total;
}

generator<int, int> delegate_accumulator(int* result) {
    *result = co_yield yield_from(accumulator());
}

TEST(YieldFrom, SendAndThrowReachTheInnermostGenerator) {
    int result = 0;
    auto outer = delegate_accumulator(&result);
    EXPECT_EQ(outer.next(), 0);
    EXPECT_EQ(outer.send(5), 5);
    EXPECT_EQ(outer.send(6), 11);
    EXPECT_EQ(outer.throw_exception(std::invalid_argument("reset")), -100);
    EXPECT_EQ(outer.send(1), -99);
    EXPECT_EQ(outer.next(), std::nullopt);
    EXPECT_EQ(result, -99);
}

generator<int> guarded_leaf(int* live) {
    guard g(live);
    co_yield 1;
    co_yield 2;
}

generator<int> guarded_outer(int* live) {
    guard g(live);
    co_yield yield_from(guarded_leaf(live));
}

TEST(YieldFrom, CloseUnwindsEveryLevel) {
    int live = 0;
    auto outer = guarded_outer(&live);
    EXPECT_EQ(outer.next(), 1);
    EXPECT_EQ(live, 2);
    outer.close();
    EXPECT_EQ(live, 0);
    EXPECT_EQ(outer.state(), generator_state::closed);
}

TEST(YieldFrom, PartiallyConsumedAndExhaustedGenerators) {
    auto gen = []() -> generator<int> {
        auto sub = count_to(4);
        sub.next();  // consume 0
        co_yield yield_from(std::move(sub));
        auto done = count_to(1);
        done.next();
        done.next();
        co_yield yield_from(std::move(done));  // already exhausted: yields nothing
        co_yield 9;
    }();
    EXPECT_EQ(drain(gen), (std::vector<int>{1, 2, 3, 9}));
}

generator<int> middle() {
    co_yield 10;
    co_yield yield_from(count_to(3));
    co_yield 20;
}

generator<int> adopt_middle() {
    auto m = middle();
    m.next();  // 10
    m.next();  // 0: m is now suspended inside its own yield_from
    co_yield yield_from(std::move(m));
}

TEST(YieldFrom, DelegatingToAGeneratorThatIsItselfDelegating) {
    EXPECT_EQ(drain(adopt_middle()), (std::vector<int>{1, 2, 20}));
}

generator<int> chain(int depth, int items) {
    if (depth == 0) {
        for (int i = 0; i < items; ++i) co_yield i;
        co_return;
    }
    co_yield yield_from(chain(depth - 1, items));
}

TEST(YieldFrom, HundredThousandDeepChainDoesNotOverflowTheStack) {
    long sum = 0;
    int n = 0;
    for (int v : chain(100'000, 4)) {
        sum += v;
        ++n;
    }
    EXPECT_EQ(n, 4);
    EXPECT_EQ(sum, 6);
}

TEST(YieldFrom, DestroyingADeepChainMidwayDoesNotRecurse) {
    auto gen = chain(100'000, 4);
    EXPECT_EQ(gen.next(), 0);
}  // ~generator tears down 100,001 frames leaf-first

TEST(YieldFrom, DeepChainPropagatesExceptionsAndClose) {
    auto gen = chain(10'000, 4);
    EXPECT_EQ(gen.next(), 0);
    gen.close();
    EXPECT_EQ(gen.state(), generator_state::closed);

    auto gen2 = chain(10'000, 4);
    gen2.next();
    EXPECT_THROW(gen2.throw_exception(std::runtime_error("deep")), std::runtime_error);
    EXPECT_EQ(gen2.state(), generator_state::closed);
}

}  // namespace
