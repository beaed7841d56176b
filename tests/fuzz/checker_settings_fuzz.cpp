// libFuzzer target: the edge checker's settings decoder (checker_settings.h).
// Invariants: never crashes; a refusal has a message naming the file; a text
// that decodes re-encodes to a text that decodes to the same settings (the
// second encoding equals the first: the encoding is canonical), with the
// same derived site fields.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/config/checker_settings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  barrier::Result<barrier::ValidConfig> first = barrier::decodeCheckerSettings(input);
  if (!first.isOk()) {
    if (first.status().message().rfind("checker.settings", 0) != 0) std::abort();
    return 0;
  }
  std::string text = barrier::encodeCheckerSettings(*first);
  barrier::Result<barrier::ValidConfig> second = barrier::decodeCheckerSettings(text);
  if (!second.isOk()) std::abort();
  if (barrier::encodeCheckerSettings(*second) != text) std::abort();
  if (second->siteHost() != first->siteHost() ||
      second->secureCookies() != first->secureCookies()) {
    std::abort();
  }
  return 0;
}
