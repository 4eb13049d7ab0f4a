// Time sources for waits that a test or fuzz driver simulates: a Transport that models a line
// advances a ManualClock as its simulated timeouts pass, and the protocol code measures its
// waits on that clock instead of the steady clock.
#pragma once
#include <chrono>

#include "src/util/deadline.hpp"

namespace cr {

class Clock {
  public:
    using time_point = std::chrono::steady_clock::time_point;
    virtual ~Clock() = default;
    virtual time_point now() const = 0;
};

class ManualClock : public Clock {
  public:
    time_point now() const override { return now_; }
    void advance(Millis by) { now_ += by; }

  private:
    time_point now_{};
};

// A Deadline measured on `clock`, or on the steady clock when it is null.
class ClockDeadline {
  public:
    ClockDeadline(Millis budget, const Clock* clock) : clock_(clock), end_(now() + budget) {}
    Millis remaining() const {
        auto left = std::chrono::duration_cast<Millis>(end_ - now());
        return left.count() > 0 ? left : Millis(0);
    }
    bool expired() const { return now() >= end_; }

  private:
    Clock::time_point now() const {
        return clock_ ? clock_->now() : std::chrono::steady_clock::now();
    }
    const Clock* clock_;
    Clock::time_point end_;
};

}  // namespace cr
