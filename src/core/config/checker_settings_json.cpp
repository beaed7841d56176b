// checkerSettingsFromConfigJson (checker_settings.h): the packagers' way from
// config.json to checker.settings. Kept apart from the decoder so that the
// wasm module, which links only decodeCheckerSettings, never reaches the
// JSON parser through this file.
#include "core/config/checker_settings.h"

namespace barrier {

Result<std::string> checkerSettingsFromConfigJson(std::string_view json_text) {
  Result<Config> config = parseConfigJson(json_text, "config.json");
  if (!config) return config.status();
  return encodeCheckerSettings(*config);
}

}  // namespace barrier
