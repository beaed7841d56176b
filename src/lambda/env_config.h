// Configuration of the session manager Lambda from environment variables.
//
// A Lambda function is configured through its environment, not a file. The
// variables are translated into the same JSON document a barrier.yaml would
// give and go through parseConfigJson, so there is one configuration model
// and one set of validation rules (and messages) for every shape.
//
// BARRIER_CONFIG_JSON, when set, is the starting document; each other
// variable overrides the one field it names. An empty variable counts as
// unset (the Lambda console leaves empty values behind). The store defaults
// to DynamoDB. See kEnvVariables for the full list.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/config/config.h"
#include "core/status.h"

namespace barrier {

// Looks one variable up; std::nullopt when unset. The same alias as
// adapters/aws_credentials.h, whose processEnvironment() reads getenv.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// One documented variable: its name, the config field it sets, a description.
struct EnvVariable {
  const char* name;
  const char* field;
  const char* meaning;
};
// Every variable configFromEnvironment reads, in README order.
extern const EnvVariable kEnvVariables[];
extern const size_t kEnvVariableCount;

// The JSON document (text) the variables describe. Fails with
// kInvalidArgument naming the variable when one cannot be translated
// (BARRIER_RULES is not a JSON array, BARRIER_USERINFO is not a boolean...).
Result<std::string> configJsonFromEnvironment(const EnvLookup& env);

// configJsonFromEnvironment + parseConfigJson. Messages name the config field
// and, where one variable sets it, the variable ("... (BARRIER_SESSION_LIFETIME)").
// Secrets (client secret, signing keys) never appear in messages.
Result<ValidConfig> configFromEnvironment(const EnvLookup& env);

}  // namespace barrier
