// Seed "Concurrency", section "send": sending "stop" makes the generator finish.
//
// The seed does not define `names`; this example uses ["Alice", "Bob", "Carol", "Dave"]. The
// first three names are printed, then send("stop") finishes the roster: Python's send raises
// StopIteration there, corio's send returns an empty optional.

#include <string>
#include <vector>

#include <corio/gen/generator.hpp>

#include "example.hpp"
#include "pyrepr.hpp"

namespace {

corio::generator<std::string, std::string> gen_roster(std::vector<std::string> names) {
    while (!names.empty()) {
        for (const auto& name : names) {
            auto current_name = co_yield name;
            if (current_name == "stop") co_return;  // the seed's `names = None; break`
        }
    }
}

}  // namespace

CORIO_EXAMPLE(gen_roster) {
    auto roster = gen_roster({"Alice", "Bob", "Carol", "Dave"});
    for (int i = 0; i < 10; ++i) {
        if (i == 3 && !roster.send("stop")) {
            py::print("roster stopped");
            break;
        }
        py::print(corio::next(roster));
    }
}
