// Clock: the only source of time in the core. Tests fix it (FixedClock).
#pragma once

#include <cstdint>

namespace barrier {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in milliseconds since the Unix epoch.
  virtual int64_t nowMillis() = 0;
  // Wall-clock time in whole seconds since the Unix epoch.
  int64_t now() { return nowMillis() / 1000; }
};

// Forwards every call; override one method in a test to inject a fault.
class ForwardingClock : public Clock {
 public:
  explicit ForwardingClock(Clock& inner) : inner_(inner) {}
  int64_t nowMillis() override { return inner_.nowMillis(); }

 private:
  Clock& inner_;
};

// A clock that only moves when told to. Not thread-safe.
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
