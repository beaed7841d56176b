// checkerSettingsFromConfigJson (checker_settings.h): the packagers' way from
// config.json to checker.settings. Kept apart from the decoder so that the
// wasm module, which links only decodeCheckerSettings, never reaches the
// JSON parser through this file.
#include <nlohmann/json.hpp>

#include "core/config/checker_settings.h"

namespace barrier {

Result<std::string> checkerSettingsFromConfigJson(std::string_view json_text) {
  Result<ValidConfig> config = parseConfigJson(json_text, "config.json");
  if (!config) return config.status();
  return encodeCheckerSettings(*config);
}

Result<std::string> checkerConfigForZip(std::string_view json_text) {
  using Json = nlohmann::json;
  Json doc = Json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::invalid("config.json: not a JSON object");
  }
  auto drop = [&](const char* section, std::initializer_list<const char*> keys) {
    auto it = doc.find(section);
    if (it == doc.end() || !it->is_object()) return;
    for (const char* key : keys) it->erase(key);
  };
  drop("provider", {"client_secret"});
  drop("session", {"signing_keys"});
  drop("store", {"url", "path"});
  if (auto server = doc.find("server"); server != doc.end()) {
    Json log_level = server->is_object() ? server->value("log_level", Json()) : Json();
    doc.erase(server);
    if (!log_level.is_null()) doc["server"] = {{"log_level", log_level}};
  }
  return doc.dump(2) + "\n";
}

}  // namespace barrier
