#include "src/util/block_pipeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "src/util/error.hpp"

namespace cr {

BlockPipeline::BlockPipeline(Consumer consume, Options options)
    : consume_(std::move(consume)), options_(options) {
    options_.block_size = std::max<std::size_t>(options_.block_size, 1);
    options_.depth = std::max<std::size_t>(options_.depth, 1);
    current_.reserve(options_.block_size);
    worker_ = std::thread([this] { run(); });
}

BlockPipeline::~BlockPipeline() {
    abandon();
}

void BlockPipeline::abandon() noexcept {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
        queue_.clear();
    }
    changed_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void BlockPipeline::rethrow_locked() {
    if (error_) std::rethrow_exception(error_);
}

void BlockPipeline::push(ByteView data) {
    while (!data.empty()) {
        std::size_t n = std::min(data.size(), options_.block_size - current_.size());
        current_.insert(current_.end(), data.begin(), data.begin() + static_cast<long>(n));
        data = data.subspan(n);
        if (current_.size() == options_.block_size) hand_over();
    }
}

// Queues the current block once fewer than `depth` are in flight; takes a spare one to fill.
void BlockPipeline::hand_over() {
    std::unique_lock lock(mutex_);
    rethrow_locked();
    if (closed_ || stop_) throw Error("block pipeline used after finish or abandon");
    if (!changed_.wait_for(lock, options_.stall,
                           [&] { return error_ || in_flight_ < options_.depth; }))
        throw IoError(fmt::format("the writer did not take a block for {} s (stalled storage?)",
                                  options_.stall.count() / 1000));
    rethrow_locked();
    ++in_flight_;
    queue_.push_back(std::move(current_));
    if (!spare_.empty()) {
        current_ = std::move(spare_.back());
        spare_.pop_back();
    } else {
        current_ = Bytes();
        current_.reserve(options_.block_size);
    }
    current_.clear();
    lock.unlock();
    changed_.notify_all();
}

void BlockPipeline::finish() {
    if (!current_.empty()) hand_over();
    std::unique_lock lock(mutex_);
    rethrow_locked();
    closed_ = true;
    changed_.notify_all();
    if (!changed_.wait_for(lock, options_.stall, [&] { return done_; }))
        throw IoError(fmt::format("the writer did not finish within {} s (stalled storage?)",
                                  options_.stall.count() / 1000));
    lock.unlock();
    worker_.join();
    rethrow_locked();
}

void BlockPipeline::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        // No bound needed here: the producer always ends with finish() or abandon().
        changed_.wait(lock, [&] { return stop_ || closed_ || !queue_.empty(); });
        if (stop_ || queue_.empty()) break;  // abandoned, or finished and drained
        Bytes block = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        std::exception_ptr failed;
        try {
            consume_(block);
        } catch (...) {
            failed = std::current_exception();
        }
        lock.lock();
        --in_flight_;
        if (spare_.size() < options_.depth) spare_.push_back(std::move(block));
        if (failed) {
            error_ = failed;
            queue_.clear();
            break;
        }
        changed_.notify_all();
    }
    done_ = true;
    lock.unlock();
    changed_.notify_all();
}

}  // namespace cr
