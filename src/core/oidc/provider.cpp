#include "core/oidc/provider.h"

#include "core/oidc/json_util.h"

namespace barrier {

namespace {

std::string withoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

void overrideIfSet(const std::string& configured, std::string& target) {
  if (!configured.empty()) target = configured;
}

}  // namespace

ProviderEndpoints cognitoEndpoints(const ProviderConfig& config) {
  ProviderEndpoints e;
  e.cognito = true;
  e.issuer = config.issuer.empty()
                 ? "https://cognito-idp." + config.region + ".amazonaws.com/" + config.user_pool_id
                 : withoutTrailingSlash(config.issuer);
  e.jwks_uri = e.issuer + "/.well-known/jwks.json";
  if (!config.domain.empty()) {
    // The hosted UI domain may be given with or without a scheme.
    std::string base =
        config.domain.find("://") == std::string::npos ? "https://" + config.domain : config.domain;
    base = withoutTrailingSlash(base);
    e.authorization_endpoint = base + "/oauth2/authorize";
    e.token_endpoint = base + "/oauth2/token";
    e.userinfo_endpoint = base + "/oauth2/userInfo";
    e.logout_endpoint = base + "/logout";
  }
  return e;
}

Result<ProviderEndpoints> parseDiscoveryDocument(std::string_view json_text,
                                                 std::string_view expected_issuer) {
  auto doc = json::parseObject(json_text);
  if (!doc) return Status::invalid("discovery document is not a JSON object");
  const std::string* issuer = json::string(*doc, "issuer");
  if (issuer == nullptr) return Status::invalid("discovery document has no issuer");
  if (*issuer != expected_issuer) {
    return Status::invalid("discovery issuer " + *issuer + " differs from the configured " +
                           std::string(expected_issuer));
  }
  ProviderEndpoints e;
  e.issuer = *issuer;
  auto read = [&](const char* name, std::string& out) {
    if (const std::string* v = json::string(*doc, name)) out = *v;
  };
  read("authorization_endpoint", e.authorization_endpoint);
  read("token_endpoint", e.token_endpoint);
  read("userinfo_endpoint", e.userinfo_endpoint);
  read("end_session_endpoint", e.logout_endpoint);
  read("jwks_uri", e.jwks_uri);
  auto backchannel = doc->find("backchannel_logout_supported");
  e.backchannel_logout_supported =
      backchannel != doc->end() && backchannel->is_boolean() && backchannel->get<bool>();
  if (Status s = checkEndpoints(e); !s) return s;
  return e;
}

void applyEndpointOverrides(const ProviderConfig& config, ProviderEndpoints& e) {
  overrideIfSet(config.authorization_endpoint, e.authorization_endpoint);
  overrideIfSet(config.token_endpoint, e.token_endpoint);
  overrideIfSet(config.userinfo_endpoint, e.userinfo_endpoint);
  overrideIfSet(config.logout_endpoint, e.logout_endpoint);
  overrideIfSet(config.jwks_uri, e.jwks_uri);
}

Status checkEndpoints(const ProviderEndpoints& e) {
  if (e.issuer.empty()) return Status::invalid("provider: no issuer");
  if (e.authorization_endpoint.empty())
    return Status::invalid("provider: no authorization endpoint");
  if (e.token_endpoint.empty()) return Status::invalid("provider: no token endpoint");
  if (e.jwks_uri.empty()) return Status::invalid("provider: no jwks_uri");
  return Status::ok();
}

std::string discoveryUrl(const ProviderConfig& config) {
  return withoutTrailingSlash(config.issuer) + "/.well-known/openid-configuration";
}

Result<ProviderEndpoints> endpointsFromDiscovery(const ProviderConfig& config,
                                                 std::string_view body) {
  // Providers report the issuer with or without a trailing slash; the
  // document's own value is what tokens carry.
  std::string issuer = withoutTrailingSlash(config.issuer);
  std::string expected = issuer;
  if (auto doc = json::parseObject(body)) {
    if (const std::string* iss = json::string(*doc, "issuer");
        iss != nullptr && withoutTrailingSlash(*iss) == issuer) {
      expected = *iss;
    }
  }
  auto parsed = parseDiscoveryDocument(body, expected);
  if (parsed) applyEndpointOverrides(config, *parsed);
  return parsed;
}

ProviderDirectory::ProviderDirectory(const ProviderConfig& config, HttpClient& http, Clock& clock)
    : config_(config), http_(http), clock_(clock) {}

Result<ProviderEndpoints> ProviderDirectory::endpoints() {
  if (config_.type == ProviderConfig::Type::kCognito) {
    ProviderEndpoints e = cognitoEndpoints(config_);
    applyEndpointOverrides(config_, e);
    if (Status s = checkEndpoints(e); !s) return s;
    return e;
  }
  // Generic OIDC with every required endpoint configured needs no discovery.
  if (!config_.authorization_endpoint.empty() && !config_.token_endpoint.empty() &&
      !config_.jwks_uri.empty()) {
    ProviderEndpoints e;
    e.issuer = config_.issuer;
    applyEndpointOverrides(config_, e);
    if (Status s = checkEndpoints(e); !s) return s;
    return e;
  }
  MutexLock lock(mu_);
  if (cached_) return *cached_;
  int64_t now = clock_.now();
  // A provider that is down is not asked again on every request.
  if (attempted_ && now - last_attempt_ < kRetrySeconds && !last_error_.isOk()) {
    return last_error_;
  }
  attempted_ = true;
  last_attempt_ = now;
  HttpClientRequest request;
  request.url = discoveryUrl(config_);
  request.timeout_ms = config_.timeout_ms;
  request.headers.add("Accept", "application/json");
  auto response = http_.send(request);
  if (!response) {
    last_error_ = response.status();
    return last_error_;
  }
  if (response->status != 200) {
    last_error_ =
        Status::unavailable("discovery answered HTTP " + std::to_string(response->status));
    return last_error_;
  }
  auto parsed = endpointsFromDiscovery(config_, response->body);
  if (!parsed) {
    last_error_ = Status::unavailable(parsed.status().message());
    return last_error_;
  }
  cached_ = std::make_shared<const ProviderEndpoints>(*parsed);
  last_error_ = Status::ok();
  return *cached_;
}

}  // namespace barrier
