// Loading barrier.yaml: yaml-cpp -> JSON -> parseConfigJson (the same path
// the edge's config.json and the Lambda's environment take), so a field
// means the same thing in every shape.
//
// Errors name the file, the line when the YAML has one, and the field:
//   "barrier.yaml:12: session.lifetime must be at least 60 s, got 5".
// yaml-cpp throws; the exceptions are caught here and never leave this file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/config/config.h"

namespace barrier {

// Reads, parses and validates the YAML (or JSON) file at `path`. Relative
// file names in it (server.origins[].static, a sqlite store.path, the TLS
// files) name files beside it, whatever the working directory of the
// command that reads it. The files of store.tls are read too, as the store
// will read them, so that every command (serve, check-config, sessions)
// refuses a missing CA file or a key others can read before anything else.
// `overrides`, a JSON object in the document's shape (e.g. the command
// line's {"server": {"listen": ":8080"}}), is merged over the file's
// document first (RFC 7386), so its values are read and validated as the
// file's own are.
Result<ValidConfig> loadConfigFile(const std::string& path,
                                   const nlohmann::json& overrides = nlohmann::json::object());
// The same for text already in memory; `source` names it in messages.
Result<ValidConfig> loadConfigText(std::string_view yaml, std::string_view source);

// The YAML document as a JSON text, unvalidated (e.g. to bake a config.json).
// Quoted scalars stay strings; plain scalars become null, true/false,
// integers or floats when they read exactly as such, strings otherwise.
Result<std::string> yamlConfigToJson(std::string_view yaml, std::string_view source);

}  // namespace barrier
