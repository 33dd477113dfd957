// corio::exception_group: Python's ExceptionGroup.
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>

namespace {

using corio::exception_group;

std::exception_ptr runtime(const char* what) {
    return std::make_exception_ptr(std::runtime_error(what));
}
std::exception_ptr logic(const char* what) {
    return std::make_exception_ptr(std::logic_error(what));
}

std::vector<std::exception_ptr> list_of(std::exception_ptr a) {
    std::vector<std::exception_ptr> v;
    v.push_back(std::move(a));
    return v;
}
std::vector<std::exception_ptr> list_of(std::exception_ptr a, std::exception_ptr b) {
    auto v = list_of(std::move(a));
    v.push_back(std::move(b));
    return v;
}

std::string what_of(const std::exception_ptr& p) {
    try {
        std::rethrow_exception(p);
    } catch (const std::exception& e) {
        return e.what();
    } catch (const corio::cancelled_error& e) {
        return std::string("cancelled: ") + e.what();
    }
}

TEST(ExceptionGroup, WhatSummarizesLikePython) {
    exception_group two("unhandled errors in a task_group", list_of(runtime("a"), logic("b")));
    EXPECT_STREQ(two.what(), "unhandled errors in a task_group (2 sub-exceptions)");
    EXPECT_EQ(two.message(), "unhandled errors in a task_group");
    EXPECT_EQ(two.size(), 2u);
    ASSERT_EQ(two.exceptions().size(), 2u);
    EXPECT_EQ(what_of(two.exceptions()[0]), "a");
    EXPECT_EQ(what_of(two.exceptions()[1]), "b");

    exception_group one("oops", list_of(runtime("a")));
    EXPECT_STREQ(one.what(), "oops (1 sub-exception)");
}

TEST(ExceptionGroup, IsAStdExceptionAndCopiesShareTheSubExceptions) {
    try {
        throw exception_group("m", list_of(runtime("a")));
    } catch (const std::exception& e) {
        EXPECT_STREQ(e.what(), "m (1 sub-exception)");
        const auto& g = dynamic_cast<const exception_group&>(e);
        exception_group copy = g;
        EXPECT_EQ(copy.exceptions()[0], g.exceptions()[0]);
        EXPECT_EQ(copy.find<std::runtime_error>(), g.find<std::runtime_error>());
    }
}

TEST(ExceptionGroup, RejectsAnEmptyListAndNullPointers) {
    EXPECT_THROW(exception_group("m", {}), std::invalid_argument);
    EXPECT_THROW(exception_group("m", list_of(runtime("a"), nullptr)), std::invalid_argument);
}

TEST(ExceptionGroup, FindAndContainsLookIntoNestedGroups) {
    auto inner = std::make_exception_ptr(exception_group(
        "inner", list_of(logic("deep"), std::make_exception_ptr(corio::cancelled_error("c")))));
    exception_group outer("outer", list_of(runtime("top"), inner));

    const auto* r = outer.find<std::runtime_error>();
    ASSERT_NE(r, nullptr);
    EXPECT_STREQ(r->what(), "top");
    const auto* l = outer.find<std::logic_error>();
    ASSERT_NE(l, nullptr);
    EXPECT_STREQ(l->what(), "deep");
    const auto* c = outer.find<corio::cancelled_error>();  // not a std::exception: found too
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->message(), "c");

    EXPECT_TRUE(outer.contains<std::logic_error>());
    EXPECT_FALSE(outer.contains<std::system_error>());
    EXPECT_EQ(outer.find<std::system_error>(), nullptr);
    const auto* g = outer.find<exception_group>();
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->message(), "inner");
}

TEST(ExceptionGroup, SplitKeepsMessagesAndNesting) {
    auto inner =
        std::make_exception_ptr(exception_group("inner", list_of(logic("l1"), runtime("r1"))));
    exception_group outer("outer", list_of(runtime("r0"), inner));

    auto [match, rest] = outer.split<std::runtime_error>();
    ASSERT_TRUE(match);
    ASSERT_TRUE(rest);
    EXPECT_EQ(match->message(), "outer");
    ASSERT_EQ(match->size(), 2u);
    EXPECT_EQ(what_of(match->exceptions()[0]), "r0");
    EXPECT_EQ(match->exceptions()[0], outer.exceptions()[0]);  // the same object, not a copy
    try {
        std::rethrow_exception(match->exceptions()[1]);
    } catch (const exception_group& nested) {
        EXPECT_EQ(nested.message(), "inner");
        ASSERT_EQ(nested.size(), 1u);
        EXPECT_EQ(what_of(nested.exceptions()[0]), "r1");
    }
    ASSERT_EQ(rest->size(), 1u);  // only the nested group, holding l1
    EXPECT_EQ(rest->find<std::logic_error>()->what(), std::string("l1"));
    EXPECT_FALSE(rest->contains<std::runtime_error>());
}

TEST(ExceptionGroup, SplitWithNoMatchOrAllMatching) {
    exception_group g("m", list_of(runtime("a"), runtime("b")));
    auto [none, all] = g.split<std::logic_error>();
    EXPECT_FALSE(none);
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), 2u);

    auto [everything, nothing] = g.split<std::exception>();  // the group itself matches
    ASSERT_TRUE(everything);
    EXPECT_FALSE(nothing);
    EXPECT_EQ(everything->size(), 2u);
}

}  // namespace
