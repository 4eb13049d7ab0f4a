#include "src/util/block_pipeline.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "src/util/error.hpp"

using namespace cr;
using namespace std::chrono_literals;

namespace {

Bytes counting(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
    return b;
}

}  // namespace

TEST(BlockPipeline, DeliversEveryByteInOrderInFixedBlocks) {
    Bytes in = counting(1000003), out;
    std::vector<std::size_t> sizes;
    std::thread::id producer = std::this_thread::get_id(), consumer;
    {
        BlockPipeline p(
            [&](ByteView b) {
                consumer = std::this_thread::get_id();
                sizes.push_back(b.size());
                out.insert(out.end(), b.begin(), b.end());
            },
            {4096, 3, 10s});
        std::size_t pos = 0, step = 1;
        while (pos < in.size()) {  // chunks of 1, 2, 3 ... bytes: never aligned to blocks
            std::size_t n = std::min(step++ % 9000, in.size() - pos);
            p.push(ByteView(in.data() + pos, n));
            pos += n;
        }
        p.finish();
    }
    EXPECT_EQ(out, in);
    EXPECT_NE(consumer, producer);
    ASSERT_FALSE(sizes.empty());
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i) EXPECT_EQ(sizes[i], 4096u);
    EXPECT_EQ(sizes.back(), in.size() % 4096);
}

TEST(BlockPipeline, ProducerWaitsWhenDepthBlocksArePending) {
    std::atomic<bool> open{false};
    std::atomic<std::size_t> pushed{0};
    BlockPipeline p(
        [&](ByteView) {
            while (!open) std::this_thread::sleep_for(1ms);
        },
        {1024, 2, 10s});
    std::thread producer([&] {
        Bytes block(1024, 0xff);
        for (int i = 0; i < 10; ++i) {
            p.push(block);
            ++pushed;
        }
    });
    std::this_thread::sleep_for(200ms);
    // Two blocks in flight plus the one being filled: the producer is held at the fourth.
    EXPECT_LE(pushed.load(), 3u);
    open = true;
    producer.join();
    p.finish();
    EXPECT_EQ(pushed.load(), 10u);
}

TEST(BlockPipeline, ConsumerErrorReachesTheProducer) {
    int calls = 0;
    BlockPipeline p(
        [&](ByteView) {
            if (++calls == 2) throw IoError("disk full");
        },
        {16, 2, 10s});
    Bytes chunk(16, 1);
    EXPECT_THROW(
        {
            for (int i = 0; i < 100; ++i) p.push(chunk);
        },
        IoError);
    EXPECT_THROW(p.finish(), IoError);
    EXPECT_EQ(calls, 2);  // nothing consumed after the failure
}

TEST(BlockPipeline, ErrorOnTheLastBlockSurfacesInFinish) {
    BlockPipeline p(
        [](ByteView b) {
            if (b.size() < 8) throw VerifyError("short");
        },
        {8, 4, 10s});
    p.push(Bytes(20, 0));
    EXPECT_THROW(p.finish(), VerifyError);
}

TEST(BlockPipeline, AbandonStopsWithoutConsumingTheRest) {
    std::atomic<int> calls{0};
    {
        BlockPipeline p(
            [&](ByteView) {
                ++calls;
                std::this_thread::sleep_for(20ms);
            },
            {8, 4, 10s});
        for (int i = 0; i < 4; ++i) p.push(Bytes(8, 0));
    }  // destroyed unfinished: the producer failed
    EXPECT_LT(calls.load(), 4);
}

TEST(BlockPipeline, StalledConsumerIsABoundedWait) {
    std::atomic<bool> release{false};
    BlockPipeline p(
        [&](ByteView) {
            while (!release) std::this_thread::sleep_for(1ms);
        },
        {8, 1, 100ms});
    p.push(Bytes(8, 0));  // taken by the worker, which then hangs
    EXPECT_THROW(p.push(Bytes(8, 0)), IoError);
    release = true;
}
