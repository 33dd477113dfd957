// corio::itertools over one generator used as several inputs, as Python's `it = iter(s);
// zip(it, it)`: each adaptor must read every input's element when Python does, before another
// input advances the shared generator (the expected results are CPython 3.11's).
#include <cstdint>
#include <functional>
#include <optional>
#include <ranges>
#include <string>
#include <tuple>
#include <utility>
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

/// Python's `iter(values)` as a generator: yields a local that it then overwrites, so a
/// reader still looking at the previous element after the next step sees the new one.
generator<int> items(std::vector<int> values) {
    for (int v : values) co_yield v;
}

/// Like `items`, with strings long enough to own heap memory.
generator<std::string> words(std::vector<std::string> values) {
    std::string current;
    for (auto& v : values) {
        current = v;
        co_yield current;
    }
}

using pair = std::tuple<int, int>;

TEST(ItertoolsSharedInput, ZipIsPythonsGrouperIdiom) {
    auto g = items({1, 2, 3, 4});
    EXPECT_EQ(list(it::zip(g, g)), (std::vector<pair>{{1, 2}, {3, 4}}));

    auto h = items({1, 2, 3, 4, 5, 6, 7});
    EXPECT_EQ(list(it::zip(h, h, h)),
              (std::vector<std::tuple<int, int, int>>{{1, 2, 3}, {4, 5, 6}}));
    EXPECT_EQ(h.next(), std::nullopt);  // 7 was read, then the second input ran out
}

TEST(ItertoolsSharedInput, ZipKeepsHeapValues) {
    auto g = words({std::string(40, 'a'), std::string(40, 'b'), std::string(40, 'c')});
    using row = std::tuple<std::string, std::string>;
    EXPECT_EQ(list(it::zip(g, g)),
              (std::vector<row>{{std::string(40, 'a'), std::string(40, 'b')}}));
}

TEST(ItertoolsSharedInput, ZipWithAnAdaptorOfTheSameGenerator) {
    // The adaptor passes the generator's element through: zip must copy it before reading `g`.
    auto g = items({1, 2, 3, 4, 5, 6});
    const auto always = [](int) { return true; };
    EXPECT_EQ(list(it::zip(it::takewhile(always, g), g)),
              (std::vector<pair>{{1, 2}, {3, 4}, {5, 6}}));

    auto h = items({1, 2, 3, 4, 5, 6});
    EXPECT_EQ(list(it::zip(it::islice(h, 0, it::none, 2), h)), (std::vector<pair>{{1, 2}, {4, 5}}));
}

TEST(ItertoolsSharedInput, CompressReadsTheDatumBeforeItsSelector) {
    auto g = items({1, 0, 2, 3});
    EXPECT_EQ(list(it::compress(g, g)), (std::vector<int>{2}));

    auto h = items({5, 1, 6, 0, 7, 1});
    EXPECT_EQ(list(h | it::compress(h)), (std::vector<int>{5, 7}));
}

TEST(ItertoolsSharedInput, CompressWithAnAdaptorOfTheSameGenerator) {
    auto g = items({1, 2, 3, 4, 5, 6, 7});
    const auto never = [](int) { return false; };
    EXPECT_EQ(list(it::compress(it::filterfalse(never, g), g)), (std::vector<int>{1, 3, 5}));
}

TEST(ItertoolsSharedInput, ZipLongest) {
    auto g = items({1, 2, 3});
    using row = std::tuple<std::optional<int>, std::optional<int>>;
    EXPECT_EQ(list(it::zip_longest(g, g)), (std::vector<row>{{1, 2}, {3, std::nullopt}}));

    auto h = items({1, 2, 3});
    EXPECT_EQ(list(it::zip_longest(it::fillvalue(0), h, h)), (std::vector<pair>{{1, 2}, {3, 0}}));
}

TEST(ItertoolsSharedInput, ChainReadsTheGeneratorOnce) {
    auto g = items({1, 2, 3});
    EXPECT_EQ(list(it::chain(g, g)), (std::vector<int>{1, 2, 3}));
}

TEST(ItertoolsSharedInput, ProductMaterializesTheFirstInputFirst) {
    auto g = items({1, 2, 3});
    EXPECT_TRUE(list(it::product(g, g)).empty());
}

TEST(ItertoolsSharedInput, StarmapOverZip) {
    auto g = items({1, 2, 3, 4});
    const auto digits = [](int a, int b) { return a * 10 + b; };
    EXPECT_EQ(list(it::starmap(digits, it::zip(g, g))), (std::vector<int>{12, 34}));
}

TEST(ItertoolsSharedInput, SingleInputAdaptorsZippedWithTheirInput) {
    // Python: [((1, 2), 3), ((2, 4), 5), ((4, 6), 7)] and [((0, 1), 2), ((1, 3), 4), ...].
    auto g = items({1, 2, 3, 4, 5, 6, 7});
    using pairwise_row = std::tuple<std::pair<int, int>, int>;
    EXPECT_EQ(list(it::zip(it::pairwise(g), g)),
              (std::vector<pairwise_row>{{{1, 2}, 3}, {{2, 4}, 5}, {{4, 6}, 7}}));

    auto h = items({1, 2, 3, 4, 5, 6});
    using enumerate_row = std::tuple<std::pair<std::int64_t, int>, int>;
    EXPECT_EQ(list(it::zip(it::enumerate(h), h)),
              (std::vector<enumerate_row>{{{0, 1}, 2}, {{1, 3}, 4}, {{2, 5}, 6}}));

    auto a = items({1, 2, 3, 4, 5});
    EXPECT_EQ(list(it::zip(it::accumulate(a), a)), (std::vector<pair>{{1, 2}, {4, 4}}));
}

TEST(ItertoolsSharedInput, GroupbyKeepsTheElementThatStartsTheNextGroup) {
    // groupby reads one element past a group before yielding it (groups are materialized); that
    // element must be the one it read, even if the generator is advanced meanwhile.
    auto g = items({1, 1, 2, 3, 3, 4});
    std::vector<std::pair<int, std::vector<int>>> groups;
    std::vector<std::optional<int>> taken;
    for (auto& group : it::groupby(g)) {
        groups.push_back(group);
        taken.push_back(g.next());
    }
    EXPECT_EQ(groups,
              (std::vector<std::pair<int, std::vector<int>>>{{1, {1, 1}}, {2, {2}}, {3, {3}}}));
    EXPECT_EQ(taken, (std::vector<std::optional<int>>{3, 4, std::nullopt}));
}

/// Yields each row from one local vector, overwritten at every step.
generator<std::vector<std::string>> rows(std::vector<std::vector<std::string>> values) {
    std::vector<std::string> row;
    for (auto& v : values) {
        row = v;
        co_yield row;
    }
}

TEST(ItertoolsSharedInput, ChainFromIterableHoldsTheInnerRange) {
    // Python: it = iter([[a, b], [c], [d, e]]); list(zip(chain.from_iterable(it), it))
    const std::string a(40, 'a'), b(40, 'b'), c(40, 'c'), d(40, 'd'), e(40, 'e');
    auto g = rows({{a, b}, {c}, {d, e}});
    using row = std::tuple<std::string, std::vector<std::string>>;
    EXPECT_EQ(list(it::zip(it::chain_from_iterable(g), g)),
              (std::vector<row>{{a, {c}}, {b, {d, e}}}));
}

generator<generator<int>> generators() {
    const std::vector<int> first{1, 2};
    const std::vector<int> third{3};
    co_yield items(first);
    co_yield items({});
    co_yield items(third);
}

TEST(ItertoolsSharedInput, ChainFromIterableMovesInnerRangesThatCannotBeCopied) {
    EXPECT_EQ(list(it::chain_from_iterable(generators())), (std::vector<int>{1, 2, 3}));
}

TEST(ItertoolsSharedInput, TeeCopiesAndTheirInput) {
    auto g = items({1, 2, 3, 4, 5});
    auto copies = it::tee(g, 2);
    // Python: t0 reads 1; g gives 2; t1 replays 1; then t0 reads 3, g 4, t1 replays 3.
    EXPECT_EQ(list(it::zip(copies[0], g, copies[1])),
              (std::vector<std::tuple<int, int, int>>{{1, 2, 1}, {3, 4, 3}}));
}

/// Counts its copies, to show what an adaptor's reads cost.
struct counted {
    int value = 0;
    static inline int copies = 0;
    explicit counted(int v) : value(v) {}
    counted(const counted& other) : value(other.value) { ++copies; }
    counted(counted&&) noexcept = default;
    counted& operator=(const counted& other) {
        value = other.value;
        ++copies;
        return *this;
    }
    counted& operator=(counted&&) noexcept = default;
    ~counted() = default;
    explicit operator bool() const { return value != 0; }
};

generator<counted> counted_items(std::vector<int> values) {
    for (int v : values) {
        counted c(v);
        co_yield c;
    }
}

TEST(ItertoolsSharedInput, EachElementIsCopiedOnce) {
    std::vector<counted> a{counted(1), counted(2)};
    std::vector<counted> b{counted(3), counted(4)};
    counted::copies = 0;
    EXPECT_EQ(list(it::zip(a, b) | it::starmap([](auto& x, auto& y) { return x.value + y.value; })),
              (std::vector<int>{4, 6}));
    EXPECT_EQ(counted::copies, 4);  // into the rows, nothing else: lists are read in place

    auto g = counted_items({1, 2, 3, 4});
    counted::copies = 0;
    EXPECT_EQ(list(it::zip(g, g) | it::starmap([](auto& x, auto& y) { return x.value + y.value; })),
              (std::vector<int>{3, 7}));
    EXPECT_EQ(counted::copies, 4);  // a held element is moved into its row, not copied again

    auto h = counted_items({5, 1, 6, 2});
    counted::copies = 0;
    std::vector<int> kept;
    for (auto& c : it::compress(h, h)) kept.push_back(c.value);
    EXPECT_EQ(kept, (std::vector<int>{5, 6}));
    EXPECT_EQ(counted::copies, 2);  // each datum is held once, before its selector is read
}

}  // namespace
