#include "edge/module.h"

#include <nlohmann/json.hpp>

// The module's one import (ABI: src/edge/wasm_main.cpp). One function for
// every operation, so V8 compiles one import wrapper at cold start, not one
// per signature.
extern "C" __attribute__((import_module("barrier"), import_name("host"))) void barrier_host(
    uint32_t op, const char* a, size_t a_len, const char* b, size_t b_len, uint8_t* out);

namespace barrier {

namespace {
enum HostOp : uint32_t {
  kHostSha256 = 1,
  kHostHmacSha256 = 2,
  kHostLog = 3,
  kHostVerifyEs256 = 4,
  kHostVerifyRs256 = 5
};

constexpr size_t kP256Bytes = 32;
constexpr size_t kMinRsaModulusBytes = 256;  // 2048 bits, as natively
constexpr size_t kMaxRsaModulusBytes = 1024;
constexpr size_t kMaxRsaExponentBytes = 16;

// The host's answer to a verify operation: one byte, 1 when valid.
bool hostVerify(HostOp op, const std::string& key_and_signature, std::string_view input) {
  uint8_t valid = 0;
  barrier_host(op, key_and_signature.data(), key_and_signature.size(), input.data(), input.size(),
               &valid);
  return valid == 1;
}

}  // namespace

Digest HostCrypto::sha256(std::string_view data) {
  Digest d{};
  barrier_host(kHostSha256, nullptr, 0, data.data(), data.size(), d.data());
  return d;
}

Digest HostCrypto::hmacSha256(std::string_view key, std::string_view data) {
  Digest d{};
  barrier_host(kHostHmacSha256, key.data(), key.size(), data.data(), data.size(), d.data());
  return d;
}

// a = x || y || r || s (128 bytes), b = the signing input.
bool HostCrypto::verifyEs256(std::string_view x, std::string_view y, std::string_view signing_input,
                             std::string_view signature) {
  if (x.size() != kP256Bytes || y.size() != kP256Bytes || signature.size() != 2 * kP256Bytes) {
    return false;
  }
  std::string a;
  a.reserve(4 * kP256Bytes);
  a.append(x).append(y).append(signature);
  return hostVerify(kHostVerifyEs256, a, signing_input);
}

// a = one byte e's length, e, n, then the signature (as long as n),
// b = the signing input.
bool HostCrypto::verifyRs256(std::string_view modulus, std::string_view exponent,
                             std::string_view signing_input, std::string_view signature) {
  while (!modulus.empty() && modulus.front() == '\0') modulus.remove_prefix(1);
  while (!exponent.empty() && exponent.front() == '\0') exponent.remove_prefix(1);
  bool strong = modulus.size() > kMinRsaModulusBytes ||
                (modulus.size() == kMinRsaModulusBytes && (modulus.front() & 0x80) != 0);
  if (!strong || modulus.size() > kMaxRsaModulusBytes || exponent.empty() ||
      exponent.size() > kMaxRsaExponentBytes || signature.size() != modulus.size()) {
    return false;
  }
  std::string a(1, static_cast<char>(exponent.size()));
  a.append(exponent).append(modulus).append(signature);
  return hostVerify(kHostVerifyRs256, a, signing_input);
}

void HostLog::write(LogLevel level, std::string_view event, const LogFields& fields) {
  using Json = nlohmann::json;
  Json line = {{"level", logLevelName(level)}, {"event", std::string(event)}};
  for (const auto& [k, v] : fields) line[k] = v;
  std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace);
  barrier_host(kHostLog, nullptr, 0, text.data(), text.size(), nullptr);
}

// Out of line (it is cheap when the record is known): the engine compiles
// each function on its first call, and only a pass needs this one.
__attribute__((noinline)) const IdentityIds::Entry& IdentityIds::entryFor(const CheckDecision& d) {
  auto address = reinterpret_cast<uintptr_t>(d.session.get());
  Entry& slot = slots_[(address / alignof(CachedSession)) % kSlots];
  if (slot.record == d.session) return slot;
  slot.record = d.session;
  slot.pairs.clear();
  slot.clean = true;
  for (const Header& h : d.identityHeaders()) {
    bool clean = appendField(slot.pairs, h.name);
    clean = appendField(slot.pairs, h.value) && clean;
    if (!clean) slot.clean = false;
  }
  slot.id = next_++;
  return slot;
}

int emitError(std::string_view message) {
  Output(/*tag=*/'E').field(message);
  module().identity_id = 0;
  return 'E';
}

int finishOutput(const Output& out) {
  if (!out.clean()) return emitError("output field holds a NUL byte");
  return out.tag();
}

}  // namespace barrier
