#pragma once
/// @file
/// Python's "iterators terminating on the shortest input sequence", split by theme:
/// `filtering.hpp` (compress, dropwhile, filterfalse, islice, takewhile), `combining.hpp`
/// (chain, chain_from_iterable, zip, zip_longest, enumerate, pairwise), `transforming.hpp`
/// (accumulate, batched, groupby, starmap) and `tee.hpp` (tee).

#include <corio/gen/itertools/combining.hpp>
#include <corio/gen/itertools/filtering.hpp>
#include <corio/gen/itertools/tee.hpp>
#include <corio/gen/itertools/transforming.hpp>
