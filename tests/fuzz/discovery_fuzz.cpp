// libFuzzer target: OpenID Provider Configuration documents (discovery).
// Invariants: never crashes; a document is accepted only when its issuer is
// exactly the expected one and the required endpoints are present; what is
// accepted passes checkEndpoints and is never marked as Cognito.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/oidc/json_util.h"
#include "core/oidc/provider.h"

namespace {

void parseWith(std::string_view text, std::string_view expected_issuer) {
  auto endpoints = barrier::parseDiscoveryDocument(text, expected_issuer);
  if (!endpoints.isOk()) return;
  if (endpoints->issuer != expected_issuer) std::abort();
  if (!barrier::checkEndpoints(*endpoints).isOk()) std::abort();
  if (endpoints->cognito) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The document's own issuer reaches the endpoint checks; a fixed one
  // checks that any other issuer is refused.
  auto doc = barrier::json::parseObject(text);
  const std::string* own = doc ? barrier::json::string(*doc, "issuer") : nullptr;
  if (own != nullptr) parseWith(text, *own);
  auto other = barrier::parseDiscoveryDocument(text, "https://idp.example/other");
  if (other.isOk() && (own == nullptr || *own != "https://idp.example/other")) std::abort();
  return 0;
}
