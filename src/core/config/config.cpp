// readConfigJson: JSON document -> Config, field by field; parseConfigJson
// adds validate().
// The schema mirrors the structs in snake_case; config_reader.h does the
// typing and range checks, validate() (config_validate.cpp) the cross-field
// rules.
#include "core/config/config.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/config/access_config.h"
#include "core/config/config_reader.h"
#include "core/encoding.h"

namespace barrier {

namespace {

using Json = nlohmann::json;

constexpr int64_t kDay = 86400;

void readSession(ConfigReader& r, const Json& root, SessionConfig& s) {
  const Json* obj = r.object(root, "", "session");
  if (obj == nullptr) return;
  r.checkKeys(*obj, "session",
              {"cookie_name", "lifetime", "login_lifetime", "signing_keys", "idle_timeout",
               "touch_interval", "cookie_domain"});
  r.string(*obj, "session", "cookie_name", s.cookie_name);
  r.string(*obj, "session", "cookie_domain", s.cookie_domain);
  r.duration(*obj, "session", "lifetime", s.lifetime, 60, 400 * kDay);
  r.duration(*obj, "session", "login_lifetime", s.login_lifetime, 30, 3600);
  r.duration(*obj, "session", "idle_timeout", s.idle_timeout, 0, kMaxIdleTimeout);
  r.duration(*obj, "session", "touch_interval", s.touch_interval, 0, kMaxIdleTimeout);
  std::vector<std::string> encoded;
  r.stringList(*obj, "session", "signing_keys", encoded, /*secret=*/true);
  s.signing_keys.clear();
  for (size_t i = 0; i < encoded.size() && r.ok(); ++i) {
    std::string raw;
    // Keys are never echoed: the message names the index and the length only.
    if (!base64Decode(encoded[i], raw) && !base64UrlDecode(encoded[i], raw)) {
      r.fail(ConfigReader::join("session.signing_keys", i),
             "is not valid base64; generate a key with `barrier keygen`");
    } else if (raw.size() < kMinSigningKeyBytes) {
      r.fail(ConfigReader::join("session.signing_keys", i),
             "must decode to at least 32 bytes, got " + std::to_string(raw.size()) +
                 "; generate a key with `barrier keygen`");
    } else {
      s.signing_keys.push_back(std::move(raw));
    }
  }
}

void readCache(ConfigReader& r, const Json& root, CacheConfig& c) {
  const Json* obj = r.object(root, "", "cache");
  if (obj == nullptr) return;
  r.checkKeys(*obj, "cache", {"ttl", "negative_ttl", "max_entries"});
  r.duration(*obj, "cache", "ttl", c.ttl, 0, kMaxCacheTtl);
  r.duration(*obj, "cache", "negative_ttl", c.negative_ttl, 0, kMaxCacheNegativeTtl);
  r.integer(*obj, "cache", "max_entries", c.max_entries, 0, kMaxCacheEntries, "entries");
}

void readProvider(ConfigReader& r, const Json& root, ProviderConfig& p) {
  const Json* obj = r.object(root, "", "provider");
  if (obj == nullptr) return;
  const char* path = "provider";
  r.checkKeys(
      *obj, path,
      {"type", "region", "user_pool_id", "domain", "issuer", "client_id", "client_secret", "scopes",
       "groups_claim", "required_groups", "userinfo", "timeout_ms", "authorization_endpoint",
       "token_endpoint", "userinfo_endpoint", "logout_endpoint", "jwks_uri", "backchannel_logout"});
  int type = static_cast<int>(p.type);
  r.choice(*obj, path, "type", type, {"cognito", "oidc"});
  p.type = static_cast<ProviderConfig::Type>(type);
  r.string(*obj, path, "region", p.region);
  r.string(*obj, path, "user_pool_id", p.user_pool_id);
  r.string(*obj, path, "domain", p.domain);
  r.string(*obj, path, "issuer", p.issuer);
  r.string(*obj, path, "client_id", p.client_id);
  r.string(*obj, path, "client_secret", p.client_secret, /*secret=*/true);
  r.stringList(*obj, path, "scopes", p.scopes);
  r.string(*obj, path, "groups_claim", p.groups_claim);
  r.stringList(*obj, path, "required_groups", p.required_groups);
  r.boolean(*obj, path, "userinfo", p.userinfo);
  r.integer(*obj, path, "timeout_ms", p.timeout_ms, 100, 60'000, "ms");
  r.string(*obj, path, "authorization_endpoint", p.authorization_endpoint);
  r.string(*obj, path, "token_endpoint", p.token_endpoint);
  r.string(*obj, path, "userinfo_endpoint", p.userinfo_endpoint);
  r.string(*obj, path, "logout_endpoint", p.logout_endpoint);
  r.string(*obj, path, "jwks_uri", p.jwks_uri);
  r.boolean(*obj, path, "backchannel_logout", p.backchannel_logout);
}

// server.tls.min_version, store.tls.min_version: YAML reads `1.2` as a
// number; "1.2" and 1.2 are the same setting.
void readTlsVersion(ConfigReader& r, const Json& tls, const char* path, std::string& out) {
  auto it = tls.find("min_version");
  if (it == tls.end() || it->is_null()) return;
  if (it->is_number_float()) {
    char text[16];
    std::snprintf(text, sizeof text, "%.1f", it->get<double>());
    out = text;
    return;
  }
  r.string(tls, path, "min_version", out);
}

void readStore(ConfigReader& r, const Json& root, StoreConfig& s) {
  const Json* obj = r.object(root, "", "store");
  if (obj == nullptr) return;
  r.checkKeys(*obj, "store", {"type", "path", "url", "table", "region", "endpoint", "tls"});
  int type = static_cast<int>(s.type);
  r.choice(*obj, "store", "type", type, {"memory", "sqlite", "redis", "dynamodb"});
  s.type = static_cast<StoreConfig::Type>(type);
  r.string(*obj, "store", "path", s.path);
  r.string(*obj, "store", "url", s.url, /*secret=*/true);  // may hold a password
  r.string(*obj, "store", "table", s.table);
  r.string(*obj, "store", "region", s.region);
  r.string(*obj, "store", "endpoint", s.endpoint);
  if (const Json* tls = r.object(*obj, "store", "tls")) {
    r.checkKeys(*tls, "store.tls", {"ca_file", "cert", "key", "min_version"});
    r.string(*tls, "store.tls", "ca_file", s.tls.ca_file);
    r.string(*tls, "store.tls", "cert", s.tls.cert);
    r.string(*tls, "store.tls", "key", s.tls.key);
    readTlsVersion(r, *tls, "store.tls", s.tls.min_version);
  }
}

void readOrigins(ConfigReader& r, const Json& server, std::vector<OriginConfig>& out) {
  const Json* list = r.array(server, "server", "origins");
  if (list == nullptr) return;
  out.clear();
  for (size_t i = 0; i < list->size() && r.ok(); ++i) {
    std::string path = ConfigReader::join("server.origins", i);
    const Json& item = (*list)[i];
    if (!item.is_object()) {
      r.fail(path, "must be a mapping with prefix and static or upstream, got " + describe(item));
      return;
    }
    r.checkKeys(item, path, {"prefix", "static", "upstream", "ca_file"});
    OriginConfig origin;
    r.string(item, path, "prefix", origin.prefix);
    r.string(item, path, "static", origin.static_root);
    r.string(item, path, "upstream", origin.upstream);
    r.string(item, path, "ca_file", origin.ca_file);
    out.push_back(std::move(origin));
  }
}

void readServerTls(ConfigReader& r, const Json& server, ServerTlsConfig& tls) {
  const Json* obj = r.object(server, "server", "tls");
  if (obj == nullptr) return;
  r.checkKeys(*obj, "server.tls", {"cert", "key", "min_version"});
  r.string(*obj, "server.tls", "cert", tls.cert);
  r.string(*obj, "server.tls", "key", tls.key);
  readTlsVersion(r, *obj, "server.tls", tls.min_version);
}

void readServer(ConfigReader& r, const Json& root, ServerConfig& s) {
  const Json* obj = r.object(root, "", "server");
  if (obj == nullptr) return;
  const char* path = "server";
  r.checkKeys(*obj, path,
              {"listen", "threads", "origins", "trust_forwarded_proto", "max_header_bytes",
               "max_body_bytes", "idle_timeout", "upstream_timeout", "upgrade_idle_timeout",
               "max_connections", "metrics_listen", "tls", "redirect_http", "login_rate_limit",
               "log_level", "log_user"});
  r.string(*obj, path, "listen", s.listen);
  r.integer(*obj, path, "threads", s.threads, 0, 1024, "threads");
  readOrigins(r, *obj, s.origins);
  r.boolean(*obj, path, "trust_forwarded_proto", s.trust_forwarded_proto);
  r.integer(*obj, path, "max_header_bytes", s.max_header_bytes, 1024, 1024 * 1024, "bytes");
  r.integer(*obj, path, "max_body_bytes", s.max_body_bytes, 0, int64_t(1) << 32, "bytes");
  r.duration(*obj, path, "idle_timeout", s.idle_timeout, 1, 3600);
  r.duration(*obj, path, "upstream_timeout", s.upstream_timeout, 1, 3600);
  r.duration(*obj, path, "upgrade_idle_timeout", s.upgrade_idle_timeout, 1, 86400);
  r.integer(*obj, path, "max_connections", s.max_connections, 1, 1000000, "connections");
  r.string(*obj, path, "metrics_listen", s.metrics_listen);
  readServerTls(r, *obj, s.tls);
  r.string(*obj, path, "redirect_http", s.redirect_http);
  r.integer(*obj, path, "login_rate_limit", s.login_rate_limit, 0, 100000, "logins per minute");
  r.string(*obj, path, "log_level", s.log_level);
  r.boolean(*obj, path, "log_user", s.log_user);
}

void readRules(ConfigReader& r, const Json& root, std::vector<AccessRule>& out) {
  const Json* list = r.array(root, "", "rules");
  if (list == nullptr) return;
  out.clear();
  for (size_t i = 0; i < list->size() && r.ok(); ++i) {
    std::string path = ConfigReader::join("rules", i);
    const Json& item = (*list)[i];
    if (!item.is_object()) {
      r.fail(path, "must be a mapping with path and groups or allow, got " + describe(item));
      return;
    }
    r.checkKeys(item, path, {"path", "methods", "groups", "allow"});
    AccessRule rule;
    r.string(item, path, "path", rule.pattern);
    r.stringList(item, path, "groups", rule.groups);
    readRuleAccess(r, item, path, rule);
    out.push_back(std::move(rule));
  }
}

void readRoot(ConfigReader& r, const Json& root, Config& c) {
  r.checkKeys(
      root, "",
      {"site_url", "session", "cache", "provider", "store", "server", "public_paths", "rules",
       "retry_after", "allow", "headers", "cors_preflight", "api", "allowed_hosts"});
  r.string(root, "", "site_url", c.site_url);
  r.stringList(root, "", "allowed_hosts", c.allowed_hosts);
  readSession(r, root, c.session);
  readCache(r, root, c.cache);
  readProvider(r, root, c.provider);
  readStore(r, root, c.store);
  readServer(r, root, c.server);
  r.stringList(root, "", "public_paths", c.public_paths);
  readRules(r, root, c.rules);
  readAllowList(r, root, "", c.allow);
  readHeaderClaims(r, root, c.headers);
  int cors = c.cors_preflight_pass ? 1 : 0;
  r.choice(root, "", "cors_preflight", cors, {"refuse", "pass"});
  c.cors_preflight_pass = cors == 1;
  readApi(r, root, c.api);
  r.duration(root, "", "retry_after", c.retry_after, kMinRetryAfter, kMaxRetryAfter);
}

Status withSource(const Status& status, std::string_view source) {
  if (source.empty()) return status;
  return Status(status.code(), std::string(source) + ": " + status.message());
}

}  // namespace

Result<Config> readConfigJson(std::string_view json_text, std::string_view source) {
  // allow_exceptions=false: a syntax error yields a "discarded" value instead
  // of a throw (src/core is built with -fno-exceptions).
  Json root = Json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (root.is_discarded()) return withSource(Status::invalid("is not valid JSON"), source);
  if (!root.is_object()) {
    return withSource(Status::invalid("must be a mapping of fields (site_url, session, provider, "
                                      "...), got " +
                                      describe(root)),
                      source);
  }
  Config config;
  ConfigReader reader;
  readRoot(reader, root, config);
  if (!reader.ok()) return withSource(reader.status(), source);
  return config;
}

Result<ValidConfig> parseConfigJson(std::string_view json_text, std::string_view source) {
  Result<Config> config = readConfigJson(json_text, source);
  if (!config.isOk()) return config.status();
  Result<ValidConfig> valid = validate(std::move(config.value()));
  if (!valid.isOk()) return withSource(valid.status(), source);
  return valid;
}

}  // namespace barrier
