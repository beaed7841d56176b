// Environment variables: the first source of the chain, and where the
// region and endpoint overrides come from.
#include <cstdlib>

#include "adapters/aws_credential_sources.h"
#include "core/http/message.h"

namespace barrier {

namespace credentials_detail {

std::string trimmed(std::string_view s) { return std::string(trimWhitespace(s)); }

std::string envOr(const EnvLookup& env, std::string_view name, std::string fallback) {
  auto v = env(name);
  return v && !v->empty() ? *v : fallback;
}

}  // namespace credentials_detail

using namespace credentials_detail;

EnvLookup processEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v || !*v) return std::nullopt;
    return std::string(v);
  };
}

EnvLookup mapEnvironment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

std::string activeProfile(const EnvLookup& env, std::string_view explicit_profile) {
  if (!explicit_profile.empty()) return std::string(explicit_profile);
  return envOr(env, "AWS_PROFILE", "default");
}

Result<AwsCredentials> credentialsFromEnvironment(const EnvLookup& env) {
  AwsCredentials c;
  c.access_key_id = envOr(env, "AWS_ACCESS_KEY_ID");
  c.secret_access_key = envOr(env, "AWS_SECRET_ACCESS_KEY");
  c.session_token = envOr(env, "AWS_SESSION_TOKEN");
  c.source = "environment";
  if (!c.complete()) return Status::notFound("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set");
  return c;
}

std::string resolveRegion(std::string_view configured, const EnvLookup& env,
                          std::string_view profile) {
  if (!configured.empty()) return std::string(configured);
  if (auto r = envOr(env, "AWS_REGION"); !r.empty()) return r;
  if (auto r = envOr(env, "AWS_DEFAULT_REGION"); !r.empty()) return r;
  auto section = profileSection(configFilePath(env), activeProfile(env, profile), true);
  if (section) return (*section)["region"];
  return "";
}

std::string resolveEndpointOverride(std::string_view service, std::string_view configured,
                                    const EnvLookup& env) {
  if (!configured.empty()) return std::string(configured);
  std::string name = "AWS_ENDPOINT_URL_";
  for (char c : service) {
    if (c == '-' || c == ' ') {
      name += '_';
    } else if (c >= 'a' && c <= 'z') {
      name += static_cast<char>(c - 'a' + 'A');
    } else {
      name += c;
    }
  }
  if (auto v = envOr(env, name); !v.empty()) return v;
  return envOr(env, "AWS_ENDPOINT_URL");
}

}  // namespace barrier
