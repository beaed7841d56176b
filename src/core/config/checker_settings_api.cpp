// The api lines of the checker settings (checker_settings_lines.h): bearer
// tokens at the edge, decided by the module as `barrier serve` decides them
// (core/access/bearer_offline.h).
#include <string>

#include "core/config/checker_settings_lines.h"
#include "core/http/percent.h"
#include "core/oidc/provider.h"

namespace barrier {

namespace {

constexpr std::string_view kBearer = "api.bearer";
constexpr std::string_view kAudience = "api.audience";
constexpr std::string_view kClientId = "api.client_id";
constexpr std::string_view kIssuer = "api.issuer";
constexpr std::string_view kJwksUri = "api.jwks_uri";
constexpr std::string_view kGroupsClaim = "api.groups_claim";

void addLine(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  out += ' ';
  out += value;
  out += '\n';
}

// The issuer tokens carry and the JWKS address, as far as they are known
// without I/O: Cognito's derive from the pool; a generic provider's
// jwks_uri, unless configured, comes from discovery at the edge.
ProviderEndpoints knownEndpoints(const ProviderConfig& provider) {
  if (provider.type == ProviderConfig::Type::kCognito) {
    ProviderEndpoints e = cognitoEndpoints(provider);
    applyEndpointOverrides(provider, e);
    return e;
  }
  ProviderEndpoints e;
  e.issuer = provider.issuer;
  e.jwks_uri = provider.jwks_uri;
  return e;
}

// A single-valued api line: read once.
Status readOnce(std::string_view key, const std::vector<std::string_view>& values,
                std::string& out) {
  if (values.size() != 1) return valueError(key, "needs exactly one value after a space");
  return decodeString(key, values[0], out);
}

}  // namespace

void encodeApiLines(std::string& out, const Config& config) {
  if (!config.api.bearer) return;
  ProviderEndpoints e = knownEndpoints(config.provider);
  out += kBearer;
  out += '\n';
  for (const auto& aud : config.api.audiences) addLine(out, kAudience, percentEncode(aud));
  for (const auto& id : config.api.client_ids) addLine(out, kClientId, percentEncode(id));
  addLine(out, kIssuer, percentEncode(e.issuer));
  addLine(out, kJwksUri, percentEncode(e.jwks_uri));
  addLine(out, kGroupsClaim, percentEncode(config.provider.groups_claim));
}

std::optional<Status> decodeApiLine(std::string_view key,
                                    const std::vector<std::string_view>& values, Config& config) {
  if (!key.starts_with("api.")) return std::nullopt;
  if (key == kBearer) {
    if (!values.empty()) return valueError(key, "takes no value");
    config.api.bearer = true;
    // The decoded issuer and jwks_uri are a generic provider's, whatever
    // the configured type: the packager resolved them.
    config.provider.type = ProviderConfig::Type::kOidc;
    return Status::ok();
  }
  if (!config.api.bearer) return valueError(key, "comes before the api.bearer line");
  if (key == kAudience || key == kClientId) {
    std::string value;
    if (Status s = readOnce(key, values, value); !s) return s;
    (key == kAudience ? config.api.audiences : config.api.client_ids).push_back(std::move(value));
    return Status::ok();
  }
  if (key == kIssuer) return readOnce(key, values, config.provider.issuer);
  if (key == kJwksUri) return readOnce(key, values, config.provider.jwks_uri);
  if (key == kGroupsClaim) return readOnce(key, values, config.provider.groups_claim);
  return valueError(key, "unknown api key");
}

Status checkApiLines(const Config& config) {
  if (!config.api.bearer) return Status::ok();
  if (config.provider.issuer.empty()) return valueError(kIssuer, "missing (api.bearer needs it)");
  if (config.api.audiences.empty() && config.api.client_ids.empty()) {
    return valueError(kAudience, "missing: api.bearer needs an api.audience or api.client_id");
  }
  return Status::ok();
}

}  // namespace barrier
