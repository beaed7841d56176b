// libFuzzer target: the `state` parameter the provider sends back to the
// callback (decodeState), and its encoder.
// Invariants: never crashes; a decoded state has a 12-character flow id and
// a 43-character secret, both canonical base64url, and encodes back to the
// input (without any '=' padding); any 41 bytes encode to a state that
// decodes to the same flow and secret.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/encoding.h"
#include "core/oidc/authorize.h"

namespace {

bool isBase64Url(std::string_view text) {
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

void checkDecoded(const barrier::FlowState& state) {
  if (state.flow.size() != 12 || state.secret.size() != 43) std::abort();
  if (!isBase64Url(state.flow) || !isBase64Url(state.secret)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto state = barrier::decodeState(input)) {
    checkDecoded(*state);
    std::string_view unpadded = input;
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.remove_suffix(1);
    if (barrier::encodeState(*state) != unpadded) std::abort();
  }
  // Raw bytes as a flow and a secret: encode, then decode.
  if (size >= barrier::kFlowBytes + barrier::kSecretBytes) {
    barrier::FlowState made{
        barrier::base64UrlEncode(input.substr(0, barrier::kFlowBytes)),
        barrier::base64UrlEncode(input.substr(barrier::kFlowBytes, barrier::kSecretBytes))};
    auto back = barrier::decodeState(barrier::encodeState(made));
    if (!back || back->flow != made.flow || back->secret != made.secret) std::abort();
  }
  return 0;
}
