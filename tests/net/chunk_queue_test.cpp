// The writer's queue of chunks and the per-thread recycling of sent chunks' storage for the
// strings reads return (src/net/chunk_queue.hpp): an echo allocates no string per message.
#include "../../src/net/chunk_queue.hpp"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../../src/net/recycled_strings.hpp"

namespace {

using corio::detail::chunk_queue;
using corio::detail::recycled_strings;

/// Starts a test from no kept string.
void drain_kept() {
    recycled_strings::clear();
    ASSERT_EQ(recycled_strings::kept(), 0u);
}

TEST(ChunkQueue, ChunksComeOutInOrderAndTheirBytesStayPut) {
    chunk_queue q;
    q.push_back(std::string(100, 'a'));
    const char* where = q.front().data();
    q.push_back(std::string_view("b"));
    q.push_back(std::string(5000, 'c'));
    EXPECT_EQ(q.size(), 3u);
    EXPECT_EQ(q.front().data(), where);
    std::string seen;
    q.for_each_first(2, [&](std::string& chunk) { seen += chunk.front(); });
    EXPECT_EQ(seen, "ab");
    q.pop_front();
    EXPECT_EQ(q.front(), "b");
    q.clear();
    EXPECT_TRUE(q.empty());
}

TEST(RecycledStrings, ASentChunksStorageServesTheNextReadOfAboutItsSize) {
    drain_kept();
    chunk_queue q;
    q.push_back(std::string(4096, 'x'));
    const char* storage = q.front().data();
    q.pop_front();  // sent: its storage is kept
    std::string next = recycled_strings::take(4000);
    EXPECT_EQ(next.data(), storage);
    EXPECT_TRUE(next.empty());
    EXPECT_GE(next.capacity(), 4000u);
}

TEST(RecycledStrings, AReadMuchSmallerThanTheKeptStorageGetsAStringOfItsOwn) {
    drain_kept();
    recycled_strings::give(std::string(8192, 'x'));
    // A short line must not hold 8 KiB for as long as its caller keeps it.
    const std::string line = recycled_strings::take(100);
    EXPECT_LT(line.capacity(), 8192u);
    // The kept one is still there for a read of its size.
    EXPECT_GE(recycled_strings::take(5000).capacity(), 8192u);
    // A reader's buffer takes any that is large enough: more chunks append in place.
    recycled_strings::give(std::string(16 * 1024, 'x'));
    EXPECT_GE(recycled_strings::take(100, recycled_strings::fit::at_least).capacity(), 16384u);
}

TEST(RecycledStrings, InlineAndHugeStringsAreNotKept) {
    drain_kept();
    recycled_strings::give(std::string(10, 'x'));       // its bytes are inline
    recycled_strings::give(std::string(1 << 20, 'x'));  // beyond the largest kept
    EXPECT_EQ(recycled_strings::kept(), 0u);
    recycled_strings::give(std::string(1000, 'x'));
    EXPECT_EQ(recycled_strings::kept(), 1u);
}

TEST(RecycledStrings, WhenTheSizesChangeTheNewStringsReplaceTheOldest) {
    drain_kept();
    // Every place held by 64-byte strings, then messages of 4 KiB: those are kept in their place.
    for (std::size_t i = 0; i < recycled_strings::max_count; ++i) {
        recycled_strings::give(std::string(64, 'x'));
    }
    std::vector<const char*> storage;
    for (int i = 0; i < 3; ++i) {
        std::string big(4096, 'y');
        storage.push_back(big.data());
        recycled_strings::give(std::move(big));
    }
    EXPECT_EQ(recycled_strings::kept(), recycled_strings::max_count);
    for (int i = 2; i >= 0; --i) EXPECT_EQ(recycled_strings::take(4096).data(), storage[i]);
    // Below them, the newest small ones are still there.
    EXPECT_GE(recycled_strings::take(64).capacity(), 64u);
    EXPECT_EQ(recycled_strings::kept(), recycled_strings::max_count - 4);
    drain_kept();
}

TEST(RecycledStrings, WhatIsKeptIsBoundedAndPerThread) {
    drain_kept();
    // 4 MiB at most: of 300 strings of 64 KiB, 64 are kept.
    for (int i = 0; i < 300; ++i) recycled_strings::give(std::string(64 * 1024, 'x'));
    EXPECT_EQ(recycled_strings::kept(), recycled_strings::max_bytes / (64 * 1024));
    // And 256 strings at most, whatever their size.
    drain_kept();
    for (int i = 0; i < 300; ++i) recycled_strings::give(std::string(100, 'x'));
    EXPECT_EQ(recycled_strings::kept(), recycled_strings::max_count);
    // Another thread keeps its own.
    std::size_t there = 1;
    std::thread([&there] { there = recycled_strings::kept(); }).join();
    EXPECT_EQ(there, 0u);
    drain_kept();
}

}  // namespace
