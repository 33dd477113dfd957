// Seed "Concurrency", section "Generator": the same three odd numbers from a hand-written iterator
// class and from a generator function.
//
// The class keeps its position in member variables and must signal the end itself (Python's
// __next__ raising StopIteration). The generator keeps it in ordinary local variables: each
// co_yield pauses the body, and the next call to next() resumes it right there.

#include <corio/gen/generator.hpp>

#include "example.hpp"
#include "pyrepr.hpp"

namespace {

// Python's class with __iter__ and __next__.
class get_odds {
public:
    explicit get_odds(int max) : max_(max) {}

    int next() {
        if (n_ > max_) throw corio::stop_iteration{};
        const int result = n_;
        n_ += 2;
        return result;
    }

private:
    int n_ = 3;
    int max_;
};

corio::generator<int> get_odds_generator() {
    int n = 1;
    n += 2;
    co_yield n;
    n += 2;
    co_yield n;
    n += 2;
    co_yield n;
}

}  // namespace

CORIO_EXAMPLE(odd_numbers) {
    {
        get_odds numbers(10);
        py::print(numbers.next());
        py::print(numbers.next());
        py::print(numbers.next());
    }
    {
        // Calling a generator function runs none of its body: it only makes the generator.
        auto numbers = get_odds_generator();
        py::print(corio::next(numbers));  // value of the first co_yield: 3
        py::print(corio::next(numbers));  // 5
        py::print(corio::next(numbers));  // 7
    }
}
