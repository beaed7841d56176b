// libFuzzer target: query-string parsing and encoding.
// Invariants: never crashes; bounded; encode -> parse is the identity.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/http/percent.h"
#include "core/http/query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  barrier::QueryParams params = barrier::parseQuery(input);
  if (params.size() > barrier::kMaxQueryParams) std::abort();
  (void)barrier::queryParam(params, "path");
  (void)barrier::queryCount(params, "state");
  if (barrier::parseQuery(barrier::encodeQuery(params)) != params) std::abort();

  std::string decoded;
  if (barrier::percentDecode(barrier::percentEncode(input), decoded) == false) std::abort();
  if (decoded != input) std::abort();
  (void)barrier::percentDecode(input, decoded, true);
  return 0;
}
