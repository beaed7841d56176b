// libFuzzer target: configuration parsing (JSON in the core, YAML in the
// adapter). Invariants: never crashes, never throws out of either parser,
// and a config that parses also validates again unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/yaml_config.h"
#include "core/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  barrier::Result<barrier::ValidConfig> json = barrier::parseConfigJson(input, "fuzz.json");
  if (json.isOk()) {
    barrier::Result<barrier::ValidConfig> again = barrier::validate(*json);
    if (!again.isOk()) std::abort();
    if (again->site_url != json->site_url) std::abort();
  } else if (json.status().message().empty()) {
    std::abort();
  }
  barrier::Result<barrier::ValidConfig> yaml = barrier::loadConfigText(input, "fuzz.yaml");
  if (!yaml.isOk() && yaml.status().message().find("fuzz.yaml") != 0) std::abort();
  return 0;
}
