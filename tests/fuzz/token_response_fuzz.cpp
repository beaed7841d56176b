// libFuzzer target: the token endpoint's answer (RFC 6749 §5.1/§5.2), read
// with each status a provider may send.
// Invariants: never crashes; only a 200 yields tokens, and then a non-empty
// id_token; "sign in again" (kUnauthenticated) only for 400/401; every other
// failure is kUnavailable.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/oidc/token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  for (int status : {200, 400, 401, 500, 302}) {
    barrier::HttpClientResponse response;
    response.status = status;
    response.body = body;
    auto tokens = barrier::parseTokenResponse(response);
    if (tokens.isOk()) {
      if (status != 200 || tokens->id_token.empty()) std::abort();
      continue;
    }
    barrier::Code code = tokens.status().code();
    if (code == barrier::Code::kUnauthenticated && status != 400 && status != 401) std::abort();
    if (code != barrier::Code::kUnauthenticated && code != barrier::Code::kUnavailable)
      std::abort();
  }
  return 0;
}
