// FixedClock: the Clock port for tests. Time stands still until the test
// moves it, so expiry and cache rules are checked at exact instants.
#pragma once

#include <cstdint>

#include "core/ports/clock.h"

namespace barrier {

// A clock that only moves when told to. Not thread-safe: threads may read
// it concurrently only while nothing moves it.
class FixedClock : public Clock {
 public:
  explicit FixedClock(int64_t seconds) : millis_(seconds * 1000) {}
  int64_t nowMillis() override { return millis_; }
  void set(int64_t seconds) { millis_ = seconds * 1000; }
  void advance(int64_t seconds) { millis_ += seconds * 1000; }
  void advanceMillis(int64_t millis) { millis_ += millis; }

 private:
  int64_t millis_;
};

}  // namespace barrier
