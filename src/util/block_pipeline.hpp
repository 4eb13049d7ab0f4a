// A bounded hand-off of byte blocks from one producer thread to one worker thread, so that
// reading a device and hashing/compressing what it sent run at the same time (a snapshot reads
// USB while the previous blocks are deflated and hashed). Memory is bounded: at most `depth`
// blocks of `block_size` bytes exist, whatever the stream length (blocks are recycled).
//
// Errors cross over both ways: a consumer that throws makes the next push()/finish() rethrow
// its exception; a producer that gives up destroys the pipeline (or calls abandon()), which
// stops the worker without consuming the rest. Waits for a stalled peer are bounded (`stall`).
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "src/util/bytes.hpp"

namespace cr {

class BlockPipeline {
  public:
    using Consumer = std::function<void(ByteView)>;
    struct Options {
        std::size_t block_size = 256 * 1024;
        std::size_t depth = 8;                    // blocks queued or being consumed, at most
        std::chrono::milliseconds stall{300000};  // a consumer this slow is an IoError
    };
    // Starts the worker thread. `consume` is called on it, in order, with blocks of block_size
    // bytes (the last one shorter).
    BlockPipeline(Consumer consume, Options options);
    explicit BlockPipeline(Consumer consume) : BlockPipeline(std::move(consume), Options{}) {}
    ~BlockPipeline();  // abandon() unless finished; never throws
    BlockPipeline(const BlockPipeline&) = delete;
    BlockPipeline& operator=(const BlockPipeline&) = delete;

    // Copies `data` into blocks; waits while `depth` blocks are pending. Rethrows the
    // consumer's exception, if it threw.
    void push(ByteView data);
    // Hands over the last partial block and waits until everything was consumed; the worker
    // has ended when it returns. Rethrows the consumer's exception.
    void finish();
    // Stops the worker after the block it is consuming; pending blocks are dropped.
    void abandon() noexcept;

  private:
    void hand_over();
    void run();
    void rethrow_locked();

    Consumer consume_;
    Options options_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Bytes> queue_;    // full blocks, oldest first
    std::vector<Bytes> spare_;   // consumed blocks, for reuse
    std::size_t in_flight_ = 0;  // blocks queued or being consumed
    Bytes current_;              // the producer's partly filled block
    std::exception_ptr error_;
    bool closed_ = false, stop_ = false, done_ = false;
    std::thread worker_;
};

}  // namespace cr
