// A bound on a wait. Every blocking call in cellrescue takes one (nothing may hang).
#pragma once
#include <chrono>

namespace cr {

using Millis = std::chrono::milliseconds;

class Deadline {
public:
    explicit Deadline(Millis budget) : end_(std::chrono::steady_clock::now() + budget) {}
    Millis remaining() const {
        auto left = std::chrono::duration_cast<Millis>(end_ - std::chrono::steady_clock::now());
        return left.count() > 0 ? left : Millis(0);
    }
    bool expired() const { return std::chrono::steady_clock::now() >= end_; }

private:
    std::chrono::steady_clock::time_point end_;
};

}  // namespace cr
