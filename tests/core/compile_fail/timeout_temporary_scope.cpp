// Must not compile (issue 7, item 6): the scope is a temporary, destroyed at the end of the
// statement while the task `run` returned still points at it. tests/core/CMakeLists.txt checks
// that the compiler refuses it with the library's message.
#include <corio/core.hpp>

using namespace std::chrono_literals;

corio::task<int> work() { co_return 1; }

corio::task<int> dangling() { co_return co_await corio::timeout(5s).run(work()); }
