// Seed "Concurrency", sections "Generator" and "generator expression":
//  - sum(1 + x for x in range(2000000)) with a generator, then with a ranges pipeline, the lazy
//    sequence C++ has built in (the seed's list comprehension prints the same sum);
//  - WordSplitterGenerator, a class whose __iter__ is a generator.

#include <ranges>
#include <string>
#include <string_view>
#include <vector>

#include <corio/gen/generator.hpp>

#include "example.hpp"
#include "pyrepr.hpp"

namespace {

// The generator expression (1 + x for x in range(n)), as a generator function.
corio::generator<long long> one_plus(long long n) {
    for (long long x = 0; x < n; ++x) co_yield 1 + x;
}

// Python's sum(): adds up any range, pulling one value at a time.
template <std::ranges::input_range R>
auto sum(R&& values) {
    std::ranges::range_value_t<R> total{};
    for (auto value : values) total += value;
    return total;
}

class WordSplitterGenerator {
public:
    explicit WordSplitterGenerator(std::string_view text) {
        for (auto word : std::views::split(text, ' ')) {
            words_.emplace_back(word.begin(), word.end());
        }
    }

    // Python's __iter__ written with yield: each call starts a new pass over the words.
    corio::generator<std::string> iter() const {
        for (const auto& word : words_) co_yield word;
    }

    // Python's __repr__.
    std::string repr() const { return "WordSplitterGenerator(" + py::repr(words_) + ")"; }

private:
    std::vector<std::string> words_;
};

}  // namespace

CORIO_EXAMPLE(genexp) {
    py::print(sum(one_plus(2'000'000)));

    auto plus_one = [](long long x) { return 1 + x; };
    py::print(sum(std::views::iota(0LL, 2'000'000LL) | std::views::transform(plus_one)));

    const WordSplitterGenerator wg("Do today what you could do tomorrow");
    py::print(wg);
    for (const auto& word : wg.iter()) py::print(word);
}
