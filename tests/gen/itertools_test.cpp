// Behaviour of corio::itertools against Python's itertools: results, edge cases, laziness (how
// far each adaptor reads its input), the pipe syntax, generator inputs and error propagation.
#include <array>
#include <concepts>
#include <cstdint>
#include <list>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include <corio/gen/itertools.hpp>

namespace {

namespace it = corio::itertools;
using corio::generator;

/// Python's `list(iterable)`.
template <class R>
auto list(R&& range) {
    std::vector<std::ranges::range_value_t<R>> out;
    for (auto&& item : range) out.push_back(item);
    return out;
}

/// 0, 1, 2, ... (up to `limit` values if given), counting in `*produced` each value it yields:
/// shows how far an adaptor read it.
generator<int> counter(int* produced, std::optional<int> limit = std::nullopt) {
    for (int i = 0; !limit || i < *limit; ++i) {
        ++*produced;
        co_yield i;
    }
}

const auto lt3 = [](int x) { return x < 3; };
const auto is_odd = [](int x) { return x % 2 != 0; };

struct boom : std::runtime_error {
    boom() : std::runtime_error("boom") {}
};

// ---- pipe -----------------------------------------------------------------------------------

TEST(ItertoolsPipe, PipeIsTheCallWithTheRangeFilledIn) {
    const std::vector<int> v{1, 2, 3, 4, 1};
    EXPECT_EQ(list(v | it::takewhile(lt3)), list(it::takewhile(lt3, v)));
    EXPECT_EQ(list(v | it::islice(1, 4)), list(it::islice(v, 1, 4)));
    EXPECT_EQ(list(v | it::accumulate()), list(it::accumulate(v)));
    EXPECT_EQ(list(v | it::enumerate(5)), list(it::enumerate(v, 5)));
}

TEST(ItertoolsPipe, ClosuresComposeAndCanBeReused) {
    const auto pipeline = it::dropwhile(lt3) | it::filterfalse(is_odd) | it::batched(2);
    const std::vector<int> v{1, 2, 3, 4, 5, 6, 7, 8, 1};
    const std::vector<std::vector<int>> expected{{4, 6}, {8}};
    EXPECT_EQ(list(v | pipeline), expected);
    EXPECT_EQ(list(v | pipeline), expected);  // an lvalue closure is applied by copy
    EXPECT_EQ(list(pipeline(v)), expected);
}

TEST(ItertoolsPipe, ChainsLeftToRightAndMixesWithStdViews) {
    auto gen = it::count(1) | std::views::transform([](int x) { return x * x; }) |
               it::takewhile([](int x) { return x < 30; }) | it::pairwise();
    const std::vector<std::pair<int, int>> expected{{1, 4}, {4, 9}, {9, 16}, {16, 25}};
    EXPECT_EQ(list(gen), expected);
    EXPECT_EQ(list(it::count(10, 5) | std::views::take(3)), (std::vector<int>{10, 15, 20}));
}

TEST(ItertoolsPipe, ClosureOwningARangeIsAppliedAsRvalue) {
    const std::vector<int> data{1, 2, 3, 4};
    EXPECT_EQ(list(data | it::compress(std::vector<int>{1, 0, 1, 1})), (std::vector<int>{1, 3, 4}));
    auto closure = it::compress(std::vector<int>{0, 1});
    EXPECT_EQ(list(data | std::move(closure)), (std::vector<int>{2}));
}

TEST(ItertoolsPipe, LvaluesAreReferencedAndTemporariesOwned) {
    std::vector<int> v{1, 2};
    auto gen = v | it::islice(10);
    v.push_back(3);  // seen: the generator refers to v (std::views::all semantics)
    EXPECT_EQ(list(gen), (std::vector<int>{1, 2, 3}));

    auto owned = std::vector<int>{4, 5, 6} | it::islice(2);  // the temporary is moved in
    EXPECT_EQ(list(owned), (std::vector<int>{4, 5}));
}

// ---- count, cycle, repeat -------------------------------------------------------------------

TEST(ItertoolsCount, DefaultsAndSteps) {
    EXPECT_EQ(list(it::count() | it::islice(4)), (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(list(it::count(10) | it::islice(3)), (std::vector<int>{10, 11, 12}));
    EXPECT_EQ(list(it::count(5, -2) | it::islice(4)), (std::vector<int>{5, 3, 1, -1}));
}

TEST(ItertoolsCount, ValueTypeIsTheCommonTypeOfStartAndStep) {
    static_assert(std::same_as<decltype(it::count())::value_type, int>);
    static_assert(std::same_as<decltype(it::count(1, 2.5))::value_type, double>);
    static_assert(std::same_as<decltype(it::count(std::int64_t{1}))::value_type, std::int64_t>);
    // Python's count(1, 2.5): 1, 3.5, 6.0, 8.5 (here the first is 1.0).
    EXPECT_EQ(list(it::count(1, 2.5) | it::islice(4)), (std::vector<double>{1.0, 3.5, 6.0, 8.5}));
}

TEST(ItertoolsCount, ConsumerCannotDisturbTheCounter) {
    auto gen = it::count();
    for (int& x : gen) {
        if (x == 2) break;
        x = 100;  // a copy: the next value is still x + 1
    }
    EXPECT_EQ(gen.next(), 3);
}

TEST(ItertoolsCycle, RepeatsSavedElements) {
    EXPECT_EQ(list(it::cycle(std::string("ab")) | it::islice(5)),
              (std::vector<char>{'a', 'b', 'a', 'b', 'a'}));
    EXPECT_TRUE(list(it::cycle(std::vector<int>{})).empty());
}

TEST(ItertoolsCycle, ReadsTheInputOnceAndLazily) {
    int produced = 0;
    auto gen = it::cycle(counter(&produced, 3));
    EXPECT_EQ(produced, 0);
    EXPECT_EQ(gen.next(), 0);
    EXPECT_EQ(produced, 1);
    EXPECT_EQ(list(gen | it::islice(7)), (std::vector<int>{1, 2, 0, 1, 2, 0, 1}));
    EXPECT_EQ(produced, 3);
}

TEST(ItertoolsRepeat, ForeverOrTimes) {
    EXPECT_EQ(list(it::repeat(7) | it::islice(3)), (std::vector<int>{7, 7, 7}));
    EXPECT_EQ(list(it::repeat(std::string("x"), 2)), (std::vector<std::string>{"x", "x"}));
    EXPECT_TRUE(list(it::repeat(1, 0)).empty());
    EXPECT_TRUE(list(it::repeat(1, -5)).empty());  // Python: negative times is zero times
}

// ---- accumulate -----------------------------------------------------------------------------

TEST(ItertoolsAccumulate, RunningSums) {
    EXPECT_EQ(list(it::accumulate(std::vector<int>{1, 2, 3, 4})), (std::vector<int>{1, 3, 6, 10}));
    EXPECT_TRUE(list(it::accumulate(std::vector<int>{})).empty());
    EXPECT_EQ(list(it::accumulate(std::vector<std::string>{"a", "b", "c"})),
              (std::vector<std::string>{"a", "ab", "abc"}));
}

TEST(ItertoolsAccumulate, WithFunctionAndInitial) {
    const std::vector<int> v{3, 1, 4, 1, 5};
    const auto max = [](int a, int b) { return a < b ? b : a; };
    EXPECT_EQ(list(it::accumulate(v, max)), (std::vector<int>{3, 3, 4, 4, 5}));
    EXPECT_EQ(list(it::accumulate(v, std::multiplies<>{}, it::initial(2))),
              (std::vector<int>{2, 6, 6, 24, 24, 120}));
    EXPECT_EQ(list(it::accumulate(v, it::initial(100))),
              (std::vector<int>{100, 103, 104, 108, 109, 114}));
    EXPECT_EQ(list(it::accumulate(std::vector<int>{}, it::initial(7))), (std::vector<int>{7}));
    // The total has the initial value's type.
    auto halves = it::accumulate(std::vector<int>{1, 2}, it::initial(0.5));
    static_assert(std::same_as<decltype(halves)::value_type, double>);
    EXPECT_EQ(list(halves), (std::vector<double>{0.5, 1.5, 3.5}));
}

TEST(ItertoolsAccumulate, PipeForms) {
    const std::vector<int> v{1, 2, 3};
    EXPECT_EQ(list(v | it::accumulate(std::multiplies<>{})), (std::vector<int>{1, 2, 6}));
    EXPECT_EQ(list(v | it::accumulate(std::multiplies<>{}, it::initial(10))),
              (std::vector<int>{10, 10, 20, 60}));
    EXPECT_EQ(list(v | it::accumulate(it::initial(-1))), (std::vector<int>{-1, 0, 2, 5}));
}

// ---- batched --------------------------------------------------------------------------------

TEST(ItertoolsBatched, SplitsIntoVectors) {
    using batches = std::vector<std::vector<int>>;
    const std::vector<int> v{1, 2, 3, 4, 5};
    EXPECT_EQ(list(it::batched(v, 2)), (batches{{1, 2}, {3, 4}, {5}}));
    EXPECT_EQ(list(it::batched(v, 5)), (batches{{1, 2, 3, 4, 5}}));
    EXPECT_EQ(list(it::batched(v, 9)), (batches{{1, 2, 3, 4, 5}}));
    EXPECT_EQ(list(v | it::batched(1)), (batches{{1}, {2}, {3}, {4}, {5}}));
    EXPECT_TRUE(list(it::batched(std::vector<int>{}, 3)).empty());
}

TEST(ItertoolsBatched, RejectsSizeBelowOneAtTheCall) {
    const std::vector<int> v{1};
    EXPECT_THROW(it::batched(v, 0), std::invalid_argument);
    EXPECT_THROW(it::batched(v, -1), std::invalid_argument);
    EXPECT_THROW(v | it::batched(0), std::invalid_argument);
}

TEST(ItertoolsBatched, ReadsOneBatchAtATime) {
    int produced = 0;
    auto gen = it::batched(counter(&produced), 3);
    EXPECT_EQ(gen.next(), (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(produced, 3);
}

// ---- chain ----------------------------------------------------------------------------------

TEST(ItertoolsChain, ConcatenatesWithCommonType) {
    const std::vector<int> a{1, 2};
    const std::list<long> b{3};
    auto gen = it::chain(a, b, std::vector<int>{}, std::array<short, 2>{4, 5});
    static_assert(std::same_as<decltype(gen)::value_type, long>);
    EXPECT_EQ(list(gen), (std::vector<long>{1, 2, 3, 4, 5}));
    EXPECT_TRUE(list(it::chain<int>()).empty());
}

TEST(ItertoolsChain, ExplicitValueTypeMixesTypes) {
    using item = std::variant<char, int>;
    auto gen = it::chain<item>(std::string("AB"), std::vector<int>{1});
    EXPECT_EQ(list(gen), (std::vector<item>{item('A'), item('B'), item(1)}));
}

TEST(ItertoolsChain, GeneratorsAreStartedOnlyWhenReached) {
    int first = 0;
    int second = 0;
    auto gen = it::chain(counter(&first, 2), counter(&second, 2));
    EXPECT_EQ(gen.next(), 0);
    EXPECT_EQ(gen.next(), 1);
    EXPECT_EQ(second, 0);
    EXPECT_EQ(list(gen), (std::vector<int>{0, 1}));
    EXPECT_EQ(first, 2);
    EXPECT_EQ(second, 2);
}

generator<int, void, int> returns_count(int n) {
    for (int i = 0; i < n; ++i) co_yield i;
    co_return n;
}

TEST(ItertoolsChain, AcceptsGeneratorsOfAnyKind) {
    auto named = returns_count(2);
    auto exhausted = returns_count(1);
    list(exhausted);
    auto gen = it::chain(returns_count(3), named, std::move(exhausted), it::repeat(7, 1));
    EXPECT_EQ(list(gen), (std::vector<int>{0, 1, 2, 0, 1, 7}));
    EXPECT_EQ(named.return_value(), 2);  // a named generator is read in place
}

TEST(ItertoolsChainFromIterable, FlattensOneLevelLazily) {
    const std::vector<std::vector<int>> nested{{1}, {}, {2, 3}};
    EXPECT_EQ(list(it::chain_from_iterable(nested)), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(list(nested | it::chain_from_iterable()), (std::vector<int>{1, 2, 3}));
    // An infinite outer range: each inner range is read only when reached.
    auto ranges =
        it::count(1) | std::views::transform([](int n) { return std::vector<int>(n, n); });
    EXPECT_EQ(list(it::chain_from_iterable(std::move(ranges)) | it::islice(6)),
              (std::vector<int>{1, 2, 2, 3, 3, 3}));
}

// ---- compress, dropwhile, filterfalse, takewhile ---------------------------------------------

TEST(ItertoolsCompress, SelectsAndStopsAtTheShorter) {
    const std::string data = "ABCDEF";
    EXPECT_EQ(list(it::compress(data, std::vector<int>{1, 0, 1, 0, 1, 1})),
              (std::vector<char>{'A', 'C', 'E', 'F'}));
    EXPECT_EQ(list(it::compress(data, std::vector<bool>{false, true})), (std::vector<char>{'B'}));
    EXPECT_EQ(list(it::compress(std::string("AB"), it::repeat(1))), (std::vector<char>{'A', 'B'}));
}

TEST(ItertoolsCompress, ReadsDataBeforeSelectors) {
    int data_read = 0;
    int selectors_read = 0;
    list(it::compress(counter(&data_read), counter(&selectors_read, 2)));
    EXPECT_EQ(selectors_read, 2);
    EXPECT_EQ(data_read, 3);  // as Python: the datum is fetched, then its missing selector
}

TEST(ItertoolsDropwhile, DropsThePrefixOnly) {
    const std::vector<int> v{1, 2, 5, 1, 2};
    EXPECT_EQ(list(it::dropwhile(lt3, v)), (std::vector<int>{5, 1, 2}));
    EXPECT_TRUE(list(it::dropwhile(lt3, std::vector<int>{1, 2})).empty());
    EXPECT_EQ(list(it::dropwhile(lt3, std::vector<int>{3, 1})), (std::vector<int>{3, 1}));
}

TEST(ItertoolsDropwhile, StopsCallingThePredicate) {
    int calls = 0;
    const auto pred = [&calls](int x) {
        ++calls;
        return x < 3;
    };
    EXPECT_EQ(list(it::dropwhile(pred, std::vector<int>{1, 5, 1, 1})), (std::vector<int>{5, 1, 1}));
    EXPECT_EQ(calls, 2);
}

TEST(ItertoolsFilterfalse, KeepsWherePredicateIsFalse) {
    EXPECT_EQ(list(it::filterfalse(lt3, std::vector<int>{1, 2, 3, 4, 5})),
              (std::vector<int>{3, 4, 5}));
    EXPECT_TRUE(list(it::filterfalse(lt3, std::vector<int>{})).empty());
    EXPECT_EQ(list(it::count() | it::filterfalse(is_odd) | it::islice(3)),
              (std::vector<int>{0, 2, 4}));
}

TEST(ItertoolsTakewhile, StopsAtFirstFalse) {
    EXPECT_EQ(list(it::takewhile(lt3, std::vector<int>{1, 2, 3, 1})), (std::vector<int>{1, 2}));
    EXPECT_TRUE(list(it::takewhile(lt3, std::vector<int>{5, 1})).empty());
    EXPECT_EQ(list(it::takewhile(lt3, std::vector<int>{0, 1})), (std::vector<int>{0, 1}));
}

TEST(ItertoolsTakewhile, OnAnInfiniteInputReadsOnePastTheEnd) {
    int produced = 0;
    auto gen = counter(&produced) | it::takewhile([](int x) { return x < 5; });
    EXPECT_EQ(produced, 0);  // lazy: nothing read before the first step
    EXPECT_EQ(list(gen), (std::vector<int>{0, 1, 2, 3, 4}));
    EXPECT_EQ(produced, 6);  // 5 was read to fail the predicate, as in Python
    EXPECT_EQ(list(it::count(1, 2.5) | it::takewhile([](double x) { return x < 10; })),
              (std::vector<double>{1.0, 3.5, 6.0, 8.5}));
}

// ---- groupby --------------------------------------------------------------------------------

TEST(ItertoolsGroupby, GroupsConsecutiveRuns) {
    using groups = std::vector<std::pair<char, std::vector<char>>>;
    EXPECT_EQ(list(it::groupby(std::string("AAABBA"))),
              (groups{{'A', {'A', 'A', 'A'}}, {'B', {'B', 'B'}}, {'A', {'A'}}}));
    EXPECT_TRUE(list(it::groupby(std::string())).empty());
    EXPECT_EQ(list(std::string("x") | it::groupby()), (groups{{'x', {'x'}}}));
}

TEST(ItertoolsGroupby, WithKeyFunction) {
    using groups = std::vector<std::pair<bool, std::vector<int>>>;
    const std::vector<int> v{1, 3, 2, 4, 5};
    EXPECT_EQ(list(it::groupby(v, is_odd)), (groups{{true, {1, 3}}, {false, {2, 4}}, {true, {5}}}));
    EXPECT_EQ(list(v | it::groupby(is_odd)), list(it::groupby(v, is_odd)));
    // The key type is what the key function returns.
    auto by_length = it::groupby(std::vector<std::string>{"a", "b", "cc"},
                                 [](const std::string& s) { return s.size(); });
    static_assert(std::same_as<decltype(by_length)::value_type::first_type, std::size_t>);
    EXPECT_EQ(list(by_length).size(), 2U);
}

TEST(ItertoolsGroupby, WorksOnInfiniteInputs) {
    auto gen = it::count() | it::groupby([](int x) { return x / 3; }) | it::islice(2);
    using groups = std::vector<std::pair<int, std::vector<int>>>;
    EXPECT_EQ(list(gen), (groups{{0, {0, 1, 2}}, {1, {3, 4, 5}}}));
}

// ---- islice ---------------------------------------------------------------------------------

TEST(ItertoolsIslice, StopStartStep) {
    const std::string s = "ABCDEFG";
    EXPECT_EQ(list(it::islice(s, 2)), (std::vector<char>{'A', 'B'}));
    EXPECT_EQ(list(it::islice(s, 2, 4)), (std::vector<char>{'C', 'D'}));
    EXPECT_EQ(list(it::islice(s, 2, it::none)), (std::vector<char>{'C', 'D', 'E', 'F', 'G'}));
    EXPECT_EQ(list(it::islice(s, 0, it::none, 2)), (std::vector<char>{'A', 'C', 'E', 'G'}));
    EXPECT_EQ(list(it::islice(s, 1, 6, 3)), (std::vector<char>{'B', 'E'}));
    EXPECT_EQ(list(it::islice(s, it::none)), list(s));
    EXPECT_EQ(list(it::islice(s, it::none, 3, it::none)), (std::vector<char>{'A', 'B', 'C'}));
    EXPECT_TRUE(list(it::islice(s, 0)).empty());
    EXPECT_TRUE(list(it::islice(s, 5, 2)).empty());
    EXPECT_EQ(list(it::islice(s, 5, 100)), (std::vector<char>{'F', 'G'}));
    EXPECT_EQ(list(s | it::islice(6, std::nullopt)), (std::vector<char>{'G'}));
}

TEST(ItertoolsIslice, RejectsInvalidArgumentsAtTheCall) {
    const std::vector<int> v{1, 2, 3};
    EXPECT_THROW(it::islice(v, -1), std::invalid_argument);
    EXPECT_THROW(it::islice(v, -1, 2), std::invalid_argument);
    EXPECT_THROW(it::islice(v, 0, -2), std::invalid_argument);
    EXPECT_THROW(it::islice(v, 0, 2, 0), std::invalid_argument);
    EXPECT_THROW(it::islice(v, 0, 2, -1), std::invalid_argument);
}

TEST(ItertoolsIslice, ReadsExactlyWhatPythonReads) {
    int produced = 0;
    EXPECT_EQ(list(it::islice(counter(&produced), 3)), (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(produced, 3);

    produced = 0;
    EXPECT_TRUE(list(it::islice(counter(&produced), 0)).empty());
    EXPECT_EQ(produced, 0);

    produced = 0;
    EXPECT_EQ(list(it::islice(counter(&produced), 0, 5, 3)), (std::vector<int>{0, 3}));
    EXPECT_EQ(produced, 5);  // CPython reads up to the stop index

    produced = 0;
    EXPECT_TRUE(list(it::islice(counter(&produced), 4, 2)).empty());
    EXPECT_EQ(produced, 4);  // CPython skips `start` elements before checking `stop`
}

TEST(ItertoolsIslice, SharesANamedGeneratorAsPythonDoes) {
    int produced = 0;
    auto gen = counter(&produced);
    EXPECT_EQ(list(it::islice(gen, 3)), (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(gen.next(), 3);  // Python: next(it) after list(islice(it, 3))
}

// ---- pairwise, starmap, enumerate, zip, zip_longest -----------------------------------------

TEST(ItertoolsPairwise, OverlappingPairs) {
    using pairs = std::vector<std::pair<int, int>>;
    EXPECT_EQ(list(it::pairwise(std::vector<int>{1, 2, 3})), (pairs{{1, 2}, {2, 3}}));
    EXPECT_TRUE(list(it::pairwise(std::vector<int>{1})).empty());
    EXPECT_TRUE(list(it::pairwise(std::vector<int>{})).empty());
}

TEST(ItertoolsStarmap, AppliesToTupleLikeElements) {
    const auto pow = [](int base, int exp) {
        int r = 1;
        for (int i = 0; i < exp; ++i) r *= base;
        return r;
    };
    const std::vector<std::pair<int, int>> pairs{{2, 5}, {3, 2}, {10, 3}};
    EXPECT_EQ(list(it::starmap(pow, pairs)), (std::vector<int>{32, 9, 1000}));
    const std::vector<std::tuple<int, int, int>> triples{{1, 2, 3}, {4, 5, 6}};
    EXPECT_EQ(list(triples | it::starmap([](int a, int b, int c) { return a + b + c; })),
              (std::vector<int>{6, 15}));
    const std::vector<std::array<int, 2>> arrays{{1, 2}};
    EXPECT_EQ(list(it::starmap(std::minus<>{}, arrays)), (std::vector<int>{-1}));
    // Chains with zip, as Python's starmap(f, zip(a, b)).
    EXPECT_EQ(list(it::starmap(std::plus<>{}, it::zip(std::vector<int>{1, 2}, it::count(10)))),
              (std::vector<int>{11, 13}));
}

TEST(ItertoolsEnumerate, CountsFromStart) {
    using pairs = std::vector<std::pair<std::int64_t, char>>;
    EXPECT_EQ(list(it::enumerate(std::string("ab"))), (pairs{{0, 'a'}, {1, 'b'}}));
    EXPECT_EQ(list(std::string("ab") | it::enumerate(-1)), (pairs{{-1, 'a'}, {0, 'b'}}));
    EXPECT_EQ(list(std::string("ab") | it::enumerate()), list(it::enumerate(std::string("ab"))));
}

TEST(ItertoolsZip, StopsAtTheShortest) {
    auto gen = it::zip(std::vector<int>{1, 2, 3}, std::string("ab"), it::count(0.5));
    static_assert(std::same_as<decltype(gen)::value_type, std::tuple<int, char, double>>);
    EXPECT_EQ(list(gen),
              (std::vector<std::tuple<int, char, double>>{{1, 'a', 0.5}, {2, 'b', 1.5}}));
    EXPECT_TRUE(list(it::zip(std::vector<int>{}, it::count())).empty());
    EXPECT_TRUE(list(it::zip()).empty());
}

TEST(ItertoolsZip, AdvancesLeftToRightLikePython) {
    int produced = 0;
    list(it::zip(std::vector<int>{1, 2}, counter(&produced)));
    EXPECT_EQ(produced, 2);  // the list ran out first: the generator is not advanced again
    produced = 0;
    list(it::zip(counter(&produced), std::vector<int>{1, 2}));
    EXPECT_EQ(produced, 3);  // the generator's third value is read, then the list is exhausted
}

TEST(ItertoolsZipLongest, PadsWithNulloptOrFillValue) {
    using row = std::tuple<std::optional<int>, std::optional<char>>;
    auto gen = it::zip_longest(std::vector<int>{1, 2, 3}, std::string("a"));
    static_assert(std::same_as<decltype(gen)::value_type, row>);
    EXPECT_EQ(list(gen), (std::vector<row>{{1, 'a'}, {2, std::nullopt}, {3, std::nullopt}}));

    using filled = std::tuple<int, char>;
    EXPECT_EQ(list(it::zip_longest(it::fillvalue('-'), std::vector<int>{1}, std::string("ab"))),
              (std::vector<filled>{{1, 'a'}, {'-', 'b'}}));
    EXPECT_TRUE(list(it::zip_longest(std::vector<int>{}, std::string())).empty());
    EXPECT_EQ(list(it::zip_longest(it::fillvalue(0), std::vector<int>{}, std::vector<int>{7})),
              (std::vector<std::tuple<int, int>>{{0, 7}}));
}

TEST(ItertoolsZipLongest, NeverReadsAnExhaustedInputAgain) {
    int produced = 0;
    auto gen = it::zip_longest(counter(&produced, 1), std::vector<int>{1, 2, 3});
    EXPECT_EQ(list(gen).size(), 3U);
    EXPECT_EQ(produced, 1);
}

// ---- tee ------------------------------------------------------------------------------------

TEST(ItertoolsTee, CopiesAreIndependent) {
    auto copies = it::tee(std::vector<int>{1, 2, 3}, 3);
    ASSERT_EQ(copies.size(), 3U);
    EXPECT_EQ(copies[0].next(), 1);
    EXPECT_EQ(list(copies[1]), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(copies[0].next(), 2);
    EXPECT_EQ(list(copies[2] | it::islice(1)), (std::vector<int>{1}));
    EXPECT_EQ(list(copies[0]), (std::vector<int>{3}));
    EXPECT_EQ(list(copies[2]), (std::vector<int>{2, 3}));
    EXPECT_TRUE(it::tee(std::vector<int>{1}, 0).empty());
    EXPECT_THROW(it::tee(std::vector<int>{1}, -1), std::invalid_argument);
    EXPECT_EQ((std::vector<int>{5, 6} | it::tee()).size(), 2U);
}

TEST(ItertoolsTee, ReadsTheInputOnceAndLazily) {
    int produced = 0;
    auto copies = it::tee(counter(&produced));
    EXPECT_EQ(produced, 0);
    EXPECT_EQ(list(copies[0] | it::islice(4)), (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(list(copies[1] | it::islice(4)), (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(produced, 4);
}

/// Counts live instances, to see how many elements tee keeps buffered.
struct tracked {
    static inline int live = 0;
    int value;
    explicit tracked(int v) : value(v) { ++live; }
    tracked(const tracked& other) : value(other.value) { ++live; }
    tracked& operator=(const tracked&) = default;
    ~tracked() { --live; }
};

generator<tracked> tracked_values(int n) {
    for (int i = 0; i < n; ++i) co_yield tracked(i);
}

TEST(ItertoolsTee, BuffersOnlyWhatSomeCopyHasNotConsumed) {
    tracked::live = 0;
    {
        std::vector<tracked> source;
        for (int i = 0; i < 10; ++i) source.emplace_back(i);
        const int base = tracked::live;
        // Besides the buffer, a suspended copy holds the value it yielded last.
        auto copies = it::tee(source, 2);
        for (int i = 0; i < 5; ++i) copies[0].next();
        EXPECT_EQ(tracked::live - base, 5 + 1);  // the 5 values copy 1 has yet to read
        for (int i = 0; i < 5; ++i) copies[1].next();
        EXPECT_EQ(tracked::live - base, 0 + 2);
        copies[1].next();
        EXPECT_EQ(tracked::live - base, 1 + 2);  // value 5, for copy 0
        for (int i = 0; i < 3; ++i) copies[0].next();
        EXPECT_EQ(tracked::live - base, 2 + 2);  // values 6 and 7, for copy 1
        copies.erase(copies.begin() + 1);        // a destroyed copy no longer holds the buffer
        EXPECT_EQ(tracked::live - base, 0 + 1);
        EXPECT_EQ(copies[0].next()->value, 8);
        EXPECT_EQ(tracked::live - base, 0 + 1);
    }
    EXPECT_EQ(tracked::live, 0);
}

TEST(ItertoolsTee, UnstartedCopyReleasesTheBufferWhenDestroyed) {
    tracked::live = 0;
    auto copies = it::tee(tracked_values(4), 2);
    list(copies[0]);
    EXPECT_EQ(tracked::live, 4);
    copies.pop_back();
    EXPECT_EQ(tracked::live, 0);
}

// ---- product and the combinatoric iterators -------------------------------------------------

TEST(ItertoolsProduct, CartesianProductInPythonOrder) {
    using row = std::tuple<char, int>;
    EXPECT_EQ(list(it::product(std::string("ab"), std::vector<int>{1, 2})),
              (std::vector<row>{{'a', 1}, {'a', 2}, {'b', 1}, {'b', 2}}));
    EXPECT_TRUE(list(it::product(std::string("ab"), std::vector<int>{})).empty());
    EXPECT_EQ(list(it::product()), (std::vector<std::tuple<>>{{}}));
    EXPECT_EQ(list(it::product(std::vector<int>{1, 2})), (std::vector<std::tuple<int>>{{1}, {2}}));
    EXPECT_EQ(
        list(it::product(std::vector<int>{1, 2}, std::vector<int>{3}, std::string("xy"))).size(),
        4U);
}

TEST(ItertoolsProduct, RepeatN) {
    using rows = std::vector<std::vector<int>>;
    const std::vector<int> v{0, 1};
    EXPECT_EQ(list(it::product(v, it::repeat_n{2})), (rows{{0, 0}, {0, 1}, {1, 0}, {1, 1}}));
    EXPECT_EQ(list(v | it::product(it::repeat_n{3})).size(), 8U);
    EXPECT_EQ(list(it::product(v, it::repeat_n{0})), (rows{{}}));
    EXPECT_TRUE(list(it::product(std::vector<int>{}, it::repeat_n{2})).empty());
    EXPECT_THROW(it::product(v, it::repeat_n{-1}), std::invalid_argument);
}

TEST(ItertoolsPermutations, PythonOrderAndSizes) {
    using rows = std::vector<std::vector<int>>;
    const std::vector<int> v{1, 2, 3};
    EXPECT_EQ(list(it::permutations(v)),
              (rows{{1, 2, 3}, {1, 3, 2}, {2, 1, 3}, {2, 3, 1}, {3, 1, 2}, {3, 2, 1}}));
    EXPECT_EQ(list(v | it::permutations(2)),
              (rows{{1, 2}, {1, 3}, {2, 1}, {2, 3}, {3, 1}, {3, 2}}));
    EXPECT_EQ(list(it::permutations(v, 0)), (rows{{}}));
    EXPECT_TRUE(list(it::permutations(v, 4)).empty());
    EXPECT_EQ(list(it::permutations(std::vector<int>{})), (rows{{}}));
    EXPECT_EQ(list(it::permutations(std::string("abcde"), 3)).size(), 60U);
    EXPECT_THROW(it::permutations(v, -1), std::invalid_argument);
}

TEST(ItertoolsCombinations, PythonOrderAndSizes) {
    using rows = std::vector<std::vector<int>>;
    const std::vector<int> v{1, 2, 3, 4};
    EXPECT_EQ(list(it::combinations(v, 2)), (rows{{1, 2}, {1, 3}, {1, 4}, {2, 3}, {2, 4}, {3, 4}}));
    EXPECT_EQ(list(v | it::combinations(4)), (rows{{1, 2, 3, 4}}));
    EXPECT_EQ(list(it::combinations(v, 0)), (rows{{}}));
    EXPECT_TRUE(list(it::combinations(v, 5)).empty());
    EXPECT_THROW(it::combinations(v, -1), std::invalid_argument);
}

TEST(ItertoolsCombinationsWithReplacement, PythonOrderAndSizes) {
    using rows = std::vector<std::vector<char>>;
    EXPECT_EQ(list(it::combinations_with_replacement(std::string("ab"), 2)),
              (rows{{'a', 'a'}, {'a', 'b'}, {'b', 'b'}}));
    EXPECT_EQ(list(std::string("abc") | it::combinations_with_replacement(3)).size(), 10U);
    EXPECT_EQ(list(it::combinations_with_replacement(std::string(), 0)), (rows{{}}));
    EXPECT_TRUE(list(it::combinations_with_replacement(std::string(), 2)).empty());
    EXPECT_THROW(it::combinations_with_replacement(std::string("a"), -1), std::invalid_argument);
}

TEST(ItertoolsCombinatoric, ReadTheWholeInputWhenCalledAsPythonDoes) {
    int produced = 0;
    auto gen = it::combinations(counter(&produced, 4), 2);
    EXPECT_EQ(produced, 4);  // Python builds the pool in the constructor
    EXPECT_EQ(list(gen).size(), 6U);
}

// ---- callbacks that throw -------------------------------------------------------------------

template <class Make>
void expect_boom_then_closed(Make make) {
    auto gen = make();
    EXPECT_THROW(gen.next(), boom);
    EXPECT_EQ(gen.next(), std::nullopt);  // a generator is closed once its body has thrown
}

TEST(ItertoolsErrors, ExceptionsFromCallbacksPropagate) {
    const std::vector<int> v{1, 2, 3};
    const auto throws = [](auto&&...) -> int { throw boom(); };
    expect_boom_then_closed([&] { return it::takewhile(throws, v); });
    expect_boom_then_closed([&] { return it::dropwhile(throws, v); });
    expect_boom_then_closed([&] { return it::filterfalse(throws, v); });
    expect_boom_then_closed([&] { return it::groupby(v, throws); });
    expect_boom_then_closed([&] { return it::starmap(throws, it::zip(v, v)); });
    auto acc = it::accumulate(v, throws);
    EXPECT_EQ(acc.next(), 1);  // the function is first called with the second element
    EXPECT_THROW(acc.next(), boom);
}

TEST(ItertoolsErrors, ExceptionsFromInputsPropagate) {
    auto failing = []() -> generator<int> {
        co_yield 1;
        throw boom();
    };
    auto gen = it::enumerate(failing());
    EXPECT_EQ(gen.next(), (std::pair<std::int64_t, int>{0, 1}));
    EXPECT_THROW(gen.next(), boom);

    auto copies = it::tee(failing());
    EXPECT_EQ(copies[0].next(), 1);
    EXPECT_THROW(copies[0].next(), boom);
    EXPECT_EQ(copies[1].next(), 1);  // buffered before the failure
    EXPECT_EQ(copies[1].next(), std::nullopt);
}

}  // namespace
