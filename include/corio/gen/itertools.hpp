#pragma once
/// @file
/// `corio::itertools`: Python's `itertools` (plus the builtins `zip` and `enumerate`) as lazy
/// `corio::generator` coroutines over any input range.
///
/// Conventions, shared by every function:
/// - Inputs are any `std::ranges::input_range`, kept as `std::views::all` keeps them: lvalues
///   (containers, generators) by reference, so they must outlive the result; temporaries owned.
///   A named generator is shared, as in Python: what an adaptor reads from it is gone from it, and
///   stays what it read when other inputs advance the same generator (`zip(g, g)` pairs up
///   successive elements, Python's grouper idiom).
/// - Elements are yielded as copies of the input's `range_value_t`; Python tuples become
///   `std::tuple`/`std::pair`, or `std::vector` when their length is only known at run time.
/// - Python's keyword-only arguments are tags: `fillvalue(x)`, `initial(x)`, `repeat_n{n}`;
///   Python's `None` is `corio::itertools::none` (`std::nullopt`).
/// - Invalid arguments throw `std::invalid_argument` (Python's `ValueError`) from the call.
/// - Functions of one input have a pipe form: `range | takewhile(pred) | batched(2)`.
/// - Nothing runs before the first step, and no function reads its input further than Python
///   does (the combinatoric ones read their whole input when called, as Python does).

#include <corio/gen/itertools/combinatoric.hpp>
#include <corio/gen/itertools/infinite.hpp>
#include <corio/gen/itertools/pipe.hpp>
#include <corio/gen/itertools/terminating.hpp>
