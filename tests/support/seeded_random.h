// SeededRandom: the Random port for tests. The same seed gives the same
// bytes, so ids, state and PKCE verifiers repeat from run to run. Not
// random in any cryptographic sense, which is why it lives here, linked
// only into tests.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/ports/random.h"

namespace barrier {

// Deterministic bytes (xorshift64*). Not thread-safe.
class SeededRandom : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed ? seed : 0x9E3779B97F4A7C15ull) {}
  void fill(uint8_t* data, size_t size) override {
    for (size_t i = 0; i < size; ++i) {
      state_ ^= state_ >> 12;
      state_ ^= state_ << 25;
      state_ ^= state_ >> 27;
      data[i] = static_cast<uint8_t>((state_ * 0x2545F4914F6CDD1Dull) >> 56);
    }
  }

 private:
  uint64_t state_;
};

}  // namespace barrier
