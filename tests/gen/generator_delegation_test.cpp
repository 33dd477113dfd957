// close(), throw_exception() and send() through yield_from chains, as PEP 380 defines them.
// Each expected log is what the same generators print in CPython 3.11 (the Python is quoted).
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <corio/gen/generator.hpp>

namespace {

using corio::generator;
using corio::generator_error;
using corio::generator_exit;
using corio::generator_state;
using corio::send_error;
using corio::yield_from;
using log_t = std::vector<std::string>;

/// Counts live instances, to observe which frames were destroyed.
struct guard {
    int* live;
    explicit guard(int* l) : live(l) { ++*live; }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    ~guard() { --*live; }
};

/// What `inner` does when `generator_exit` reaches it.
enum class reaction { return_value, yield_value, reraise, raise_other };

/// def inner():
///     try: yield 1
///     except GeneratorExit:
///         log("inner caught GeneratorExit")
///         <return 5 | pass (then yield 2) | raise | raise ValueError>
///     yield 2
///     log("inner after 2")
generator<int, int, int> inner(log_t* log, reaction how, int* live) {
    guard g(live);
    bool closing = false;
    try {
        co_yield 1;
    } catch (const generator_exit&) {
        log->push_back("inner caught generator_exit");
        if (how == reaction::reraise) throw;
        if (how == reaction::raise_other) throw std::invalid_argument("cleanup failed");
        closing = true;
    }
    if (closing && how == reaction::return_value) co_return 5;
    co_yield 2;
    log->push_back("inner after 2");
    co_return 6;
}

/// def outer():
///     try:
///         r = yield from inner()
///         log(f"outer got {r}"); yield r
///     except GeneratorExit: log("outer caught GeneratorExit"); raise
///     except RuntimeError as e: log(f"outer caught {e}"); raise
generator<int, int, int> outer(log_t* log, reaction how, int* live) {
    guard g(live);
    try {
        const int r = co_yield yield_from(inner(log, how, live));
        log->push_back("outer got " + std::to_string(r));
        co_yield r;
    } catch (const generator_exit&) {
        log->push_back("outer caught generator_exit");
        throw;
    } catch (const generator_error& e) {
        log->push_back(std::string("outer caught ") + e.what());
        throw;
    }
    co_return 0;
}

// ---- close() ---------------------------------------------------------------------------------

TEST(YieldFromClose, InnerReturningOnGeneratorExitDoesNotResumeTheOuter) {
    // Python: the inner's return value is dropped; GeneratorExit is raised in the outer.
    log_t log;
    int live = 0;
    auto gen = outer(&log, reaction::return_value, &live);
    EXPECT_EQ(gen.next(), 1);
    EXPECT_NO_THROW(gen.close());
    EXPECT_EQ(log, (log_t{"inner caught generator_exit", "outer caught generator_exit"}));
    EXPECT_EQ(gen.state(), generator_state::closed);
    EXPECT_EQ(live, 0);
}

TEST(YieldFromClose, InnerYieldingOnGeneratorExitRaisesInTheOuter) {
    // Python: RuntimeError("generator ignored GeneratorExit") is raised in the outer at the
    // `yield from`; it escapes the outer, which is closed, and close() raises it.
    log_t log;
    int live = 0;
    auto gen = outer(&log, reaction::yield_value, &live);
    gen.next();
    try {
        gen.close();
        FAIL() << "expected generator_error";
    } catch (const generator_error& e) {
        EXPECT_STREQ(e.what(), "generator ignored generator_exit");
    }
    EXPECT_EQ(log, (log_t{"inner caught generator_exit",
                          "outer caught generator ignored generator_exit"}));
    EXPECT_EQ(gen.state(), generator_state::closed);
    EXPECT_EQ(live, 0);  // the abandoned inner was destroyed with the outer's delegation
    EXPECT_EQ(gen.next(), std::nullopt);
}

TEST(YieldFromClose, InnerReraisingClosesTheOuterToo) {
    log_t log;
    int live = 0;
    auto gen = outer(&log, reaction::reraise, &live);
    gen.next();
    EXPECT_NO_THROW(gen.close());
    EXPECT_EQ(log, (log_t{"inner caught generator_exit", "outer caught generator_exit"}));
    EXPECT_EQ(gen.state(), generator_state::closed);
}

TEST(YieldFromClose, InnerRaisingAnotherErrorRaisesItInTheOuter) {
    log_t log;
    int live = 0;
    auto gen = outer(&log, reaction::raise_other, &live);
    gen.next();
    EXPECT_THROW(gen.close(), std::invalid_argument);  // Python's ValueError
    EXPECT_EQ(log, (log_t{"inner caught generator_exit"}));
    EXPECT_EQ(gen.state(), generator_state::closed);
    EXPECT_EQ(live, 0);
}

TEST(YieldFromClose, TheOuterMayCatchTheIgnoredErrorAndFinish) {
    int live = 0;
    log_t log;
    auto gen = [](log_t* log, int* live) -> generator<int, int, int> {
        try {
            co_yield yield_from(inner(log, reaction::yield_value, live));
        } catch (const generator_error&) {
            log->push_back("outer caught");
        }
        co_return 3;
    }(&log, &live);
    gen.next();
    EXPECT_NO_THROW(gen.close());
    EXPECT_EQ(log, (log_t{"inner caught generator_exit", "outer caught"}));
    EXPECT_EQ(gen.state(), generator_state::closed);
}

/// def leaf():
///     try: yield 1
///     except GeneratorExit: log("leaf caught GeneratorExit"); return 7
generator<int, int, int> leaf3(log_t* log, int* live) {
    guard g(live);
    try {
        co_yield 1;
    } catch (const generator_exit&) {
        log->push_back("leaf caught generator_exit");
        co_return 7;
    }
    co_return 0;
}

/// def mid():
///     try: r = yield from leaf(); log(f"mid got {r}")
///     except GeneratorExit: log("mid caught GeneratorExit")
///     yield 20
///     log("mid after 20")
generator<int, int, int> mid3(log_t* log, int* live) {
    guard g(live);
    try {
        const int r = co_yield yield_from(leaf3(log, live));
        log->push_back("mid got " + std::to_string(r));
    } catch (const generator_exit&) {
        log->push_back("mid caught generator_exit");
    }
    co_yield 20;
    log->push_back("mid after 20");
    co_return 0;
}

/// def top():
///     try: yield from mid()
///     except RuntimeError as e: log(f"top caught {e}")
///     yield 30
///     log("top after 30")
generator<int, int, int> top3(log_t* log, int* live) {
    guard g(live);
    try {
        co_yield yield_from(mid3(log, live));
    } catch (const generator_error& e) {
        log->push_back(std::string("top caught ") + e.what());
    }
    co_yield 30;
    log->push_back("top after 30");
    co_return 0;
}

TEST(YieldFromClose, ThreeLevelsEachCloseTheLevelBelowFirst) {
    // Python: leaf caught GE, mid caught GE, top caught "generator ignored GeneratorExit", and
    // close() raises RuntimeError since top yielded 30; top stays suspended.
    log_t log;
    int live = 0;
    auto gen = top3(&log, &live);
    EXPECT_EQ(gen.next(), 1);
    EXPECT_EQ(live, 3);
    EXPECT_THROW(gen.close(), generator_error);
    EXPECT_EQ(log, (log_t{"leaf caught generator_exit", "mid caught generator_exit",
                          "top caught generator ignored generator_exit"}));
    EXPECT_EQ(gen.state(), generator_state::suspended);
    EXPECT_EQ(live, 1);  // leaf finished, mid was abandoned at its `yield 20`
    EXPECT_EQ(gen.next(), std::nullopt);
    EXPECT_EQ(log.back(), "top after 30");
    EXPECT_EQ(gen.state(), generator_state::closed);
}

TEST(YieldFromClose, TheChainIsRunningWhileItsLevelsClose) {
    generator<int>* self = nullptr;
    std::string seen;
    auto gen = [](generator<int>** self, std::string* seen) -> generator<int> {
        co_yield yield_from([](generator<int>** self, std::string* seen) -> generator<int> {
            try {
                co_yield 1;
            } catch (const generator_exit&) {
                try {
                    (*self)->next();
                } catch (const generator_error& e) {
                    *seen = e.what();
                }
                throw;
            }
        }(self, seen));
    }(&self, &seen);
    self = &gen;
    gen.next();
    gen.close();
    EXPECT_EQ(seen, "generator already executing");  // Python: ValueError, same message
    EXPECT_EQ(gen.state(), generator_state::closed);
}

// ---- throw_exception(generator_exit) --------------------------------------------------------

TEST(YieldFromThrow, GeneratorExitClosesTheDelegateThenRaisesInTheOuter) {
    log_t log;
    int live = 0;
    auto gen = outer(&log, reaction::return_value, &live);
    gen.next();
    EXPECT_THROW(gen.throw_exception(generator_exit{}), generator_exit);
    EXPECT_EQ(log, (log_t{"inner caught generator_exit", "outer caught generator_exit"}));
    EXPECT_EQ(gen.state(), generator_state::closed);

    log.clear();
    auto ignoring = outer(&log, reaction::yield_value, &live);
    ignoring.next();
    EXPECT_THROW(ignoring.throw_exception(generator_exit{}), generator_error);
    EXPECT_EQ(log, (log_t{"inner caught generator_exit",
                          "outer caught generator ignored generator_exit"}));
    EXPECT_EQ(ignoring.state(), generator_state::closed);
    EXPECT_EQ(live, 0);
}

TEST(YieldFromThrow, GeneratorExitThroughThreeLevelsReturnsWhatTheOuterYields) {
    // Python: top.throw(GeneratorExit) returns 30 (a throw, unlike close, may be answered by a
    // yield); the levels below were closed first.
    log_t log;
    int live = 0;
    auto gen = top3(&log, &live);
    gen.next();
    EXPECT_EQ(gen.throw_exception(std::make_exception_ptr(generator_exit{})), 30);
    EXPECT_EQ(log, (log_t{"leaf caught generator_exit", "mid caught generator_exit",
                          "top caught generator ignored generator_exit"}));
    EXPECT_EQ(gen.state(), generator_state::suspended);
    EXPECT_EQ(live, 1);
}

TEST(YieldFromThrow, OtherExceptionsStillReachTheLeafFirst) {
    // def leaf(): try: yield 1 except ValueError: return 9
    // def outer(): r = yield from leaf(); yield r * 10
    auto gen = []() -> generator<int, int, int> {
        const int r = co_yield yield_from([]() -> generator<int, int, int> {
            try {
                co_yield 1;
            } catch (const std::invalid_argument&) {
                co_return 9;
            }
            co_return 0;
        }());
        co_yield r * 10;
        co_return 0;
    }();
    gen.next();
    EXPECT_EQ(gen.throw_exception(std::invalid_argument("v")), 90);

    // An exception the leaf does not catch reaches the outer at its yield_from.
    log_t log;
    int live = 0;
    auto chain = top3(&log, &live);
    chain.next();
    EXPECT_THROW(chain.throw_exception(std::out_of_range("x")), std::out_of_range);
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(chain.state(), generator_state::closed);
    EXPECT_EQ(live, 0);
}

// ---- send() to a yield_from(range) ----------------------------------------------------------

TEST(YieldFromSend, SendingToARangeRaisesSendErrorInTheDelegator) {
    // def g():
    //     try: yield from [1, 2, 3]
    //     except AttributeError as e: log(e)
    //     yield 99
    log_t log;
    auto gen = [](log_t* log) -> generator<int, int> {
        std::vector<int> values{1, 2, 3};
        try {
            co_yield yield_from(values);
        } catch (const send_error& e) {
            log->push_back(e.what());
        }
        co_yield 99;
    }(&log);
    EXPECT_EQ(gen.next(), 1);
    EXPECT_EQ(gen.next(), 2);  // next() sends nothing (Python's send(None)): the range goes on
    EXPECT_EQ(gen.send(5), 99);
    EXPECT_EQ(log, (log_t{"yield_from: a range cannot receive a sent value"}));
    EXPECT_EQ(gen.next(), std::nullopt);
}

TEST(YieldFromSend, UncaughtSendErrorReachesTheCallerAndClosesTheGenerator) {
    auto gen = []() -> generator<int, int> {
        std::vector<int> values{1, 2, 3};
        co_yield yield_from(std::move(values));  // an owned range works the same
        co_yield 4;
    }();
    gen.next();
    EXPECT_THROW(gen.send(5), send_error);
    EXPECT_EQ(gen.state(), generator_state::closed);
}

TEST(YieldFromSend, SendErrorIsRaisedAtTheInnermostRangeDelegation) {
    // The value travels down the chain to the level delegating to the range; that level sees
    // the error and may go on.
    auto gen = []() -> generator<int, int> {
        co_yield yield_from([]() -> generator<int, int> {
            bool refused = false;
            std::vector<int> values{1, 2};
            try {
                co_yield yield_from(values);
            } catch (const send_error&) {
                refused = true;
            }
            if (refused) co_yield -1;
        }());
        co_yield 7;
    }();
    EXPECT_EQ(gen.next(), 1);
    EXPECT_EQ(gen.send(3), -1);
    EXPECT_EQ(gen.next(), 7);
    static_assert(std::is_base_of_v<generator_error, send_error>);
}

}  // namespace
