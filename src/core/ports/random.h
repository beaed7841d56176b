// Random: the only source of randomness in the core (ids, secrets, PKCE
// verifiers, nonces). Production uses the OS CSPRNG; tests use SeededRandom.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace barrier {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `size` bytes at `data` with cryptographically strong random bytes.
  virtual void fill(uint8_t* data, size_t size) = 0;
  // Convenience: `size` random bytes as a string.
  std::string bytes(size_t size) {
    std::string out(size, '\0');
    fill(reinterpret_cast<uint8_t*>(out.data()), size);
    return out;
  }
};

class ForwardingRandom : public Random {
 public:
  explicit ForwardingRandom(Random& inner) : inner_(inner) {}
  void fill(uint8_t* data, size_t size) override { inner_.fill(data, size); }

 private:
  Random& inner_;
};

// Deterministic bytes for tests (xorshift64*). Never use outside tests.
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
