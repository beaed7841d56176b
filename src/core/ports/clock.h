// Clock: the only source of time in the core. Tests fix it (FixedClock, in
// tests/support/, linked only into tests).
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

}  // namespace barrier
