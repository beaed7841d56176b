// Random: the only source of randomness in the core (ids, secrets, PKCE
// verifiers, nonces). Production uses the OS CSPRNG; tests use SeededRandom
// (tests/support/, linked only into tests).
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

// Forwards every call; override fill() in a test to inject a fault.
class ForwardingRandom : public Random {
 public:
  explicit ForwardingRandom(Random& inner) : inner_(inner) {}
  void fill(uint8_t* data, size_t size) override { inner_.fill(data, size); }

 private:
  Random& inner_;
};

}  // namespace barrier
