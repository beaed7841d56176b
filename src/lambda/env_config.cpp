#include "lambda/env_config.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "core/http/message.h"

namespace barrier {

namespace {

// An owning copy of trimWhitespace(): the callers keep the result.
std::string trimmed(std::string_view s) { return std::string(trimWhitespace(s)); }

using Json = nlohmann::json;

// How a variable's text becomes a JSON value.
enum class Kind {
  kString,
  kDuration,  // "28800" -> 28800, "8h" stays a string for the config reader
  kInteger,   // digits -> number; anything else is left for the reader to refuse
  kBoolean,   // true/false/1/0/yes/no
  kList,      // comma-separated, blanks trimmed, empties dropped
  kWords,     // comma- or space-separated (scopes)
  kJson,      // a JSON value (rules)
};

struct Mapping {
  const char* env;
  const char* section;  // "" for top-level fields
  const char* key;
  Kind kind;
};

// The one-to-one variables. Variables with fallbacks or derived values
// (site URL, regions, provider type) are handled in code below.
constexpr Mapping kMappings[] = {
    {"BARRIER_COOKIE_NAME", "session", "cookie_name", Kind::kString},
    {"BARRIER_SESSION_LIFETIME", "session", "lifetime", Kind::kDuration},
    {"BARRIER_LOGIN_LIFETIME", "session", "login_lifetime", Kind::kDuration},
    {"BARRIER_SESSION_IDLE_TIMEOUT", "session", "idle_timeout", Kind::kDuration},
    {"BARRIER_SESSION_TOUCH_INTERVAL", "session", "touch_interval", Kind::kDuration},
    {"BARRIER_SIGNING_KEYS", "session", "signing_keys", Kind::kList},
    {"BARRIER_COGNITO_USER_POOL_ID", "provider", "user_pool_id", Kind::kString},
    {"BARRIER_COGNITO_DOMAIN", "provider", "domain", Kind::kString},
    {"BARRIER_OIDC_ISSUER", "provider", "issuer", Kind::kString},
    {"BARRIER_CLIENT_ID", "provider", "client_id", Kind::kString},
    {"BARRIER_CLIENT_SECRET", "provider", "client_secret", Kind::kString},
    {"BARRIER_SCOPES", "provider", "scopes", Kind::kWords},
    {"BARRIER_GROUPS_CLAIM", "provider", "groups_claim", Kind::kString},
    {"BARRIER_REQUIRED_GROUPS", "provider", "required_groups", Kind::kList},
    {"BARRIER_USERINFO", "provider", "userinfo", Kind::kBoolean},
    {"BARRIER_BACKCHANNEL_LOGOUT", "provider", "backchannel_logout", Kind::kBoolean},
    {"BARRIER_PROVIDER_TIMEOUT_MS", "provider", "timeout_ms", Kind::kInteger},
    {"BARRIER_AUTHORIZATION_ENDPOINT", "provider", "authorization_endpoint", Kind::kString},
    {"BARRIER_TOKEN_ENDPOINT", "provider", "token_endpoint", Kind::kString},
    {"BARRIER_USERINFO_ENDPOINT", "provider", "userinfo_endpoint", Kind::kString},
    {"BARRIER_LOGOUT_ENDPOINT", "provider", "logout_endpoint", Kind::kString},
    {"BARRIER_JWKS_URI", "provider", "jwks_uri", Kind::kString},
    {"BARRIER_STORE", "store", "type", Kind::kString},
    {"BARRIER_TABLE", "store", "table", Kind::kString},
    {"BARRIER_DYNAMODB_ENDPOINT", "store", "endpoint", Kind::kString},
    {"BARRIER_PUBLIC_PATHS", "", "public_paths", Kind::kList},
    {"BARRIER_RULES", "", "rules", Kind::kJson},
    {"BARRIER_ALLOW", "", "allow", Kind::kJson},
    {"BARRIER_HEADERS", "", "headers", Kind::kJson},
    {"BARRIER_RETRY_AFTER", "", "retry_after", Kind::kDuration},
    {"BARRIER_LOG_LEVEL", "server", "log_level", Kind::kString},
};

bool allDigits(std::string_view text) {
  if (text.empty() || text.size() > 18) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Json splitList(std::string_view text, std::string_view separators) {
  Json list = Json::array();
  while (!text.empty()) {
    size_t cut = text.find_first_of(separators);
    std::string item = trimmed(text.substr(0, cut));
    if (!item.empty()) list.push_back(std::move(item));
    text = cut == std::string_view::npos ? std::string_view() : text.substr(cut + 1);
  }
  return list;
}

// Converts one variable; the message names the variable, never its value
// (it may be a secret).
Result<Json> convert(const Mapping& m, const std::string& text) {
  switch (m.kind) {
    case Kind::kString:
      return Json(trimmed(text));
    case Kind::kDuration:
    case Kind::kInteger: {
      std::string t = trimmed(text);
      if (allDigits(t)) return Json(std::stoll(t));
      return Json(t);
    }
    case Kind::kBoolean: {
      std::string t = trimmed(text);
      if (t == "true" || t == "1" || t == "yes") return Json(true);
      if (t == "false" || t == "0" || t == "no") return Json(false);
      return Status::invalid(std::string(m.env) + " must be true or false");
    }
    case Kind::kList:
      return splitList(text, ",");
    case Kind::kWords:
      return splitList(text, ", \t");
    case Kind::kJson: {
      Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (value.is_discarded()) return Status::invalid(std::string(m.env) + " is not valid JSON");
      return value;
    }
  }
  return Status::internal("unknown variable kind");
}

// The variable's value, or nullopt when unset or empty.
std::optional<std::string> lookup(const EnvLookup& env, std::string_view name) {
  auto value = env(name);
  if (!value || trimmed(*value).empty()) return std::nullopt;
  return value;
}

Json& section(Json& doc, const char* name) {
  if (name[0] == '\0') return doc;
  if (!doc.contains(name) || !doc[name].is_object()) doc[name] = Json::object();
  return doc[name];
}

// Fields that come from one of several variables or are derived.
void applyDerived(const EnvLookup& env, Json& doc) {
  if (auto url = lookup(env, "BARRIER_SITE_URL")) {
    doc["site_url"] = trimmed(*url);
  } else if (auto domain = lookup(env, "BARRIER_DOMAIN")) {
    doc["site_url"] = "https://" + trimmed(*domain);
  }
  // The table lives in the function's own region unless told otherwise:
  // by BARRIER_REGION, or by BARRIER_CONFIG_JSON's store.region, which the
  // runtime's AWS_REGION must not override (the checker reads the region it
  // was given, and the two would part ways).
  Json& store = section(doc, "store");
  if (auto region = lookup(env, "BARRIER_REGION")) {
    store["region"] = trimmed(*region);
  } else if (auto aws = lookup(env, "AWS_REGION");
             aws && !(store.contains("region") && store["region"].is_string() &&
                      !trimmed(store["region"].get<std::string>()).empty())) {
    store["region"] = trimmed(*aws);
  }

  Json& provider = section(doc, "provider");
  if (auto type = lookup(env, "BARRIER_PROVIDER")) {
    provider["type"] = trimmed(*type);
  } else if (lookup(env, "BARRIER_OIDC_ISSUER")) {
    provider["type"] = "oidc";
  } else if (lookup(env, "BARRIER_COGNITO_USER_POOL_ID")) {
    provider["type"] = "cognito";
  }
  // A user pool id starts with its region ("eu-west-1_AbC"), which may
  // differ from the function's.
  if (auto pool_region = lookup(env, "BARRIER_COGNITO_REGION")) {
    provider["region"] = trimmed(*pool_region);
  } else if (auto pool = lookup(env, "BARRIER_COGNITO_USER_POOL_ID")) {
    size_t underscore = pool->find('_');
    if (underscore != std::string::npos) provider["region"] = trimmed(pool->substr(0, underscore));
  }
  if (provider.empty()) doc.erase("provider");
}

// "session.lifetime must be ..." gets " (BARRIER_SESSION_LIFETIME)" so the
// operator knows which variable to fix. The documented list names the
// derived fields too (site_url from BARRIER_SITE_URL or else
// BARRIER_DOMAIN): the first variable set for a field is the one used.
Status nameVariable(const Status& status, const EnvLookup& env) {
  const std::string& message = status.message();
  for (size_t i = 0; i < kEnvVariableCount; ++i) {
    const EnvVariable& v = kEnvVariables[i];
    if (v.field[0] == '(' || !lookup(env, v.name)) continue;
    std::string field = v.field;
    size_t at = message.find(field);
    while (at != std::string::npos) {
      char after = at + field.size() < message.size() ? message[at + field.size()] : ' ';
      bool whole = !(after == '_' || (after >= 'a' && after <= 'z'));
      if (whole) return Status(status.code(), message + " (" + v.name + ")");
      at = message.find(field, at + 1);
    }
  }
  return status;
}

}  // namespace

const EnvVariable kEnvVariables[] = {
    {"BARRIER_SITE_URL", "site_url", "public URL of the site, e.g. https://www.example.com"},
    {"BARRIER_DOMAIN", "site_url",
     "the site's host name; https://<domain> (when BARRIER_SITE_URL is unset)"},
    {"BARRIER_COOKIE_NAME", "session.cookie_name", "session cookie name (default barrier)"},
    {"BARRIER_SESSION_LIFETIME", "session.lifetime",
     "session lifetime: seconds or 30m, 8h, 1d (default 8h)"},
    {"BARRIER_LOGIN_LIFETIME", "session.login_lifetime", "time a login may take (default 5m)"},
    {"BARRIER_SESSION_IDLE_TIMEOUT", "session.idle_timeout",
     "a session unused this long ends: seconds or 30m, 1h (default 0: never)"},
    {"BARRIER_SESSION_TOUCH_INTERVAL", "session.touch_interval",
     "how often use is written to the store (default: idle timeout / 10)"},
    {"BARRIER_SIGNING_KEYS", "session.signing_keys",
     "comma-separated base64 keys; the first signs, all verify (secret)"},
    {"BARRIER_PROVIDER", "provider.type",
     "cognito or oidc (default: oidc when BARRIER_OIDC_ISSUER is set, else cognito)"},
    {"BARRIER_COGNITO_USER_POOL_ID", "provider.user_pool_id",
     "user pool id, e.g. eu-west-1_AbCdEf123"},
    {"BARRIER_COGNITO_REGION", "provider.region",
     "user pool region (default: the pool id's prefix)"},
    {"BARRIER_COGNITO_DOMAIN", "provider.domain", "hosted-UI domain, e.g. auth.example.com"},
    {"BARRIER_OIDC_ISSUER", "provider.issuer", "issuer URL of a generic OpenID Connect provider"},
    {"BARRIER_CLIENT_ID", "provider.client_id", "app client id"},
    {"BARRIER_CLIENT_SECRET", "provider.client_secret",
     "app client secret, if the client has one (secret)"},
    {"BARRIER_SCOPES", "provider.scopes",
     "scopes, comma- or space-separated (default openid email profile)"},
    {"BARRIER_GROUPS_CLAIM", "provider.groups_claim",
     "ID-token claim holding groups (default cognito:groups)"},
    {"BARRIER_REQUIRED_GROUPS", "provider.required_groups",
     "comma-separated; a user needs one of them to get a session"},
    {"BARRIER_USERINFO", "provider.userinfo", "true: also call the userinfo endpoint"},
    {"BARRIER_BACKCHANNEL_LOGOUT", "provider.backchannel_logout",
     "true: POST /_identity/backchannel-logout ends sessions (OIDC Back-Channel Logout)"},
    {"BARRIER_PROVIDER_TIMEOUT_MS", "provider.timeout_ms",
     "timeout of each call to the provider (default 5000)"},
    {"BARRIER_AUTHORIZATION_ENDPOINT", "provider.authorization_endpoint", "endpoint override"},
    {"BARRIER_TOKEN_ENDPOINT", "provider.token_endpoint", "endpoint override"},
    {"BARRIER_USERINFO_ENDPOINT", "provider.userinfo_endpoint", "endpoint override"},
    {"BARRIER_LOGOUT_ENDPOINT", "provider.logout_endpoint", "endpoint override"},
    {"BARRIER_JWKS_URI", "provider.jwks_uri", "endpoint override"},
    {"BARRIER_STORE", "store.type", "session store (default dynamodb; memory for tests)"},
    {"BARRIER_TABLE", "store.table", "DynamoDB table name (default barrier-sessions)"},
    {"BARRIER_REGION", "store.region", "DynamoDB region (default AWS_REGION, set by Lambda)"},
    {"BARRIER_DYNAMODB_ENDPOINT", "store.endpoint", "DynamoDB endpoint override (dynalite, moto)"},
    {"BARRIER_PUBLIC_PATHS", "public_paths", "comma-separated path patterns that need no login"},
    {"BARRIER_RULES", "rules", "JSON array of {\"path\": \"/admin/*\", \"groups\": [\"admins\"]}"},
    {"BARRIER_ALLOW", "allow", "JSON array of conditions: who may sign in at all"},
    {"BARRIER_HEADERS", "headers", "JSON object {\"X-Barrier-Name\": \"claim\"}"},
    {"BARRIER_RETRY_AFTER", "retry_after", "Retry-After on 503 (default 5)"},
    {"BARRIER_LOG_LEVEL", "server.log_level", "debug, info, warn or error (default info)"},
    {"BARRIER_CONFIG_JSON", "(all)",
     "a whole JSON configuration document; the variables above override its fields"},
};
const size_t kEnvVariableCount = sizeof(kEnvVariables) / sizeof(kEnvVariables[0]);

Result<std::string> configJsonFromEnvironment(const EnvLookup& env) {
  Json doc = Json::object();
  if (auto base = lookup(env, "BARRIER_CONFIG_JSON")) {
    doc = Json::parse(*base, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
      return Status::invalid("BARRIER_CONFIG_JSON must be a JSON object");
    }
  }
  // The manager's natural store is the DynamoDB table the stack creates.
  Json& store = section(doc, "store");
  if (!store.contains("type")) store["type"] = "dynamodb";
  for (const auto& m : kMappings) {
    auto text = lookup(env, m.env);
    if (!text) continue;
    auto value = convert(m, *text);
    if (!value) return value.status();
    section(doc, m.section)[m.key] = std::move(value.value());
  }
  applyDerived(env, doc);
  return doc.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<ValidConfig> configFromEnvironment(const EnvLookup& env) {
  auto json = configJsonFromEnvironment(env);
  if (!json) return json.status();
  auto config = parseConfigJson(*json, "environment");
  if (!config) return nameVariable(config.status(), env);
  return config;
}

}  // namespace barrier
