// The configuration model: read -> validate once -> immutable ValidConfig.
//
// One model for every shape. `barrier.yaml` (gateway), environment variables
// (Lambda manager) and the baked `config.json` (Lambda@Edge checker) are all
// turned into the same JSON document and go through parseConfig(), so a field
// means the same thing everywhere. YAML reading lives outside the core
// (src/adapters/yaml_config.*); this header needs only JSON.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/access/conditions.h"
#include "core/ports/log.h"
#include "core/status.h"

namespace barrier {

struct ProviderConfig {
  enum class Type { kCognito, kOidc };
  Type type = Type::kCognito;

  // Cognito preset: issuer, JWKS and hosted-UI endpoints derive from these.
  std::string region;        // e.g. eu-west-1
  std::string user_pool_id;  // e.g. eu-west-1_AbCdEf123
  std::string
      domain;  // hosted-UI domain, e.g. auth.example.com or x.auth.<region>.amazoncognito.com

  // Generic OIDC: endpoints come from <issuer>/.well-known/openid-configuration.
  std::string issuer;

  std::string client_id;
  std::string client_secret;  // optional; sent by HTTP Basic when set
  std::vector<std::string> scopes{"openid", "email", "profile"};
  std::string groups_claim = "cognito:groups";
  std::vector<std::string> required_groups;  // site-wide; empty = any signed-in user
  bool userinfo = false;                     // also call the userinfo endpoint
  int timeout_ms = 5000;                     // every call to the provider
  // POST /_identity/backchannel-logout (OIDC Back-Channel Logout 1.0).
  bool backchannel_logout = false;

  // Explicit endpoints override the derived/discovered ones.
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string userinfo_endpoint;
  std::string logout_endpoint;
  std::string jwks_uri;
};

struct SessionConfig {
  std::string cookie_name = "barrier";
  int64_t lifetime = 8 * 3600;   // seconds a session lives after login
  int64_t login_lifetime = 300;  // seconds a login flow may take
  // Seconds a session may go unused before it ends (0 = never), and how
  // often its use is written to the store (0 = idle_timeout / 10, >= 1 s).
  int64_t idle_timeout = 0;
  int64_t touch_interval = 0;
  // A parent domain of site_url's host ("example.com") the session cookie
  // is set for, so one sign-in serves every host under it (allowed_hosts);
  // "" = the cookie belongs to site_url's host alone. Lowercase.
  std::string cookie_domain;
  // Raw key bytes (base64 in the file). The first signs; all verify.
  std::vector<std::string> signing_keys;
};

struct CacheConfig {
  int64_t ttl = 300;            // positive entries, never past valid_until
  int64_t negative_ttl = 5;     // unknown ids
  int64_t max_entries = 10000;  // LRU bound

  bool operator==(const CacheConfig&) const = default;
};

// Requests whose path matches `pattern` (and, when `methods` lists any, whose
// method is one of them) need one of `groups` when it lists any, and one
// of the `allow` conditions when it lists any.
// Patterns: exact ("/admin"), prefix with trailing '*' ("/admin/*"), or a
// '*' anywhere matching any run of characters.
struct AccessRule {
  std::string pattern;
  std::vector<std::string> groups;
  std::vector<std::string> methods{};    // uppercase; empty = every method
  std::vector<AccessCondition> allow{};  // any one must hold; empty = none asked
};

// API clients with bearer tokens (README, "Access rules"): a request with
// `Authorization: Bearer <JWT>` and no session cookie is decided from the
// token, signed by the provider, whose `aud` names one of `audiences` (or,
// for Cognito access tokens, whose client_id is one of `client_ids` with
// token_use access).
struct ApiConfig {
  bool bearer = false;
  std::vector<std::string> audiences;
  std::vector<std::string> client_ids;
};

// store.tls: how a rediss:// store checks its server and proves itself
// (docs/ARCHITECTURE.md, "Redis over TLS"). Paths only: the files are read
// by the store when it is made (adapters/redis_connection.h, makeRedisTls).
struct StoreTlsConfig {
  std::string ca_file;              // PEM CAs to trust; "" = the system's
  std::string cert;                 // client certificate chain (PEM), with key
  std::string key;                  // its private key (PEM), readable by its owner only
  std::string min_version = "1.2";  // "1.2" or "1.3"

  bool empty() const {
    return ca_file.empty() && cert.empty() && key.empty() && min_version == "1.2";
  }
  bool operator==(const StoreTlsConfig&) const = default;
};

struct StoreConfig {
  enum class Type { kMemory, kSqlite, kRedis, kDynamoDb };
  Type type = Type::kSqlite;
  std::string path = "barrier-sessions.db";  // sqlite
  std::string url;                           // redis: redis://host:port/db
  std::string table = "barrier-sessions";    // dynamodb
  std::string region;                        // dynamodb
  std::string endpoint;                      // dynamodb endpoint override (dynalite, moto)
  StoreTlsConfig tls;                        // redis: rediss:// only

  bool operator==(const StoreConfig&) const = default;
};

struct OriginConfig {
  std::string prefix = "/";  // longest matching prefix wins
  std::string static_root;   // serve files from this folder, or
  std::string upstream;      // proxy to this http:// or https:// URL
  // For an https:// upstream: the PEM CA bundle its certificate is checked
  // against ("" = the system trust store).
  std::string ca_file;
};

// server.tls: barrier serve terminates HTTPS itself (docs/ARCHITECTURE.md, "TLS").
struct ServerTlsConfig {
  std::string cert;                 // PEM certificate, then its chain
  std::string key;                  // PEM private key, readable by barrier's user only
  std::string min_version = "1.2";  // "1.2" or "1.3"
  bool enabled() const { return !cert.empty() || !key.empty(); }
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  int threads = 0;  // 0 = number of cores
  std::vector<OriginConfig> origins;
  bool trust_forwarded_proto = false;  // honour X-Forwarded-Proto from a TLS proxy
  int64_t max_header_bytes = 16 * 1024;
  int64_t max_body_bytes = 10 * 1024 * 1024;
  int64_t idle_timeout = 60;      // seconds a keep-alive connection may idle
  int64_t upstream_timeout = 30;  // seconds
  // Seconds a tunnel (an upgraded connection: WebSocket) may pass no byte
  // either way before it is closed.
  int64_t upgrade_idle_timeout = 3600;
  // Client connections served at once; more wait in the listen queue.
  int64_t max_connections = 4096;
  // host:port of a second listener for /_identity/metrics (and health), off
  // the public one; "" serves no metrics.
  std::string metrics_listen;
  ServerTlsConfig tls;  // unset: the listener speaks plain HTTP
  // With tls: host:port of a plain-HTTP listener that answers every request
  // with 308 to the https:// site URL; "" = none.
  std::string redirect_http;
  // GET /_identity/login per client address and minute (each writes a login
  // record before anyone has signed in); 0 = no limit.
  int64_t login_rate_limit = 60;
  std::string log_level = "info";
  // The access log names the signed-in user's `sub` (personal data: off
  // unless the operator asks for it).
  bool log_user = false;
};

// The fields as a document gives them (readConfigJson): types and ranges
// checked, the rules between fields not yet. Only validate() turns one into
// the ValidConfig that the rest of barrier takes.
struct Config {
  // The public URL of the protected site: https://www.example.com
  // (http:// only for localhost demos; cookies are then not Secure).
  std::string site_url;
  SessionConfig session;
  CacheConfig cache;
  ProviderConfig provider;
  StoreConfig store;
  ServerConfig server;
  // Other hosts (host[:port], lowercase) of the same site that a sign-in
  // may start on and return to (README, "One sign-in for several hosts").
  // Sign-in itself always runs on site_url's host, whose callback is the
  // one registered with the provider.
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> public_paths;  // pass untouched, same patterns as AccessRule
  std::vector<AccessRule> rules;          // first match wins
  // Who may hold a session at all, checked at sign-in (with
  // provider.required_groups); empty = any signed-in user.
  std::vector<AccessCondition> allow;
  std::vector<HeaderClaim> headers;  // extra identity headers, from kept claims
  // cors_preflight: pass: an OPTIONS request with Origin and
  // Access-Control-Request-Method and no credentials reaches the origin
  // without a session (default refuse: it is checked as any request).
  bool cors_preflight_pass = false;
  ApiConfig api;
  int64_t retry_after = 5;  // seconds, on 503
};

class ValidConfig;

// The configuration's rules, in one place: every field (its range was
// checked as it was read) and the cross-field rules. Canonicalises site_url
// (lowercase scheme and host, no trailing '/'). Errors name the field:
// "session.lifetime must be at least 60 s, got 5". The only way to a
// ValidConfig besides the edge checker's settings decoder.
Result<ValidConfig> validate(Config config);

// The edge checker's settings decoder (checker_settings.h), the other maker
// of a ValidConfig.
Status decodeCheckerSettingsInto(std::string_view text, std::unique_ptr<ValidConfig>& out);

// A Config that passed validate(): what the handlers, the checker, the
// server and the Lambda manager take, so none of them sees a configuration
// that skipped a rule or lacks what is derived from it. Values derived from
// a field (site scheme and host, the log level) are computed here from the
// checked field, never stored beside it. Immutable by convention: owners
// hold it const, since nothing re-checks a field changed afterwards. The
// edge checker's decoder makes one holding the fields the checker reads,
// each checked as validate() checks it; the rest keep their defaults.
class ValidConfig : public Config {
 public:
  // True for an https site: cookies are then Secure (http:// is only
  // allowed on loopback).
  bool secureCookies() const { return site_url.starts_with("https:"); }
  // site_url's host[:port], lowercase.
  std::string_view siteHost() const;
  // server.log_level as a LogLevel.
  LogLevel logLevel() const;
  // "https" or "http": site_url's scheme, which every listed host shares.
  std::string_view siteScheme() const;
  // `host` (a Host header value) names site_url's host or one of
  // allowed_hosts, ignoring ASCII case; the listed spelling, or "".
  std::string_view listedHost(std::string_view host) const;
  // site_url's host, then allowed_hosts: where a sign-in may return.
  std::vector<std::string> listedHosts() const;

 private:
  ValidConfig() = default;
  explicit ValidConfig(Config config) : Config(std::move(config)) {}
  friend Result<ValidConfig> validate(Config config);
  friend Status decodeCheckerSettingsInto(std::string_view text, std::unique_ptr<ValidConfig>& out);
};

// Reads a JSON document (text) into a Config, field by field, checking each
// field's type and range but not validate()'s rules: for callers that adjust
// the fields (relative file names) before validating.
// `source` names the file in messages ("barrier.yaml").
Result<Config> readConfigJson(std::string_view json_text, std::string_view source);

// readConfigJson, then validate(): errors name the source and the field.
Result<ValidConfig> parseConfigJson(std::string_view json_text, std::string_view source);

// Pieces of validate() that the edge checker's settings decoder
// (checker_settings.h) applies to the fields it reads, so both accept the
// same values. Messages name the field, as validate()'s do.
//
// site_url: https://host[:port] (http:// only on loopback); canonicalises it.
Status validateSiteUrl(Config& config);
// session.cookie_name: an RFC 6265 token of 1-64 characters.
Status validateCookieName(const std::string& cookie_name);
// session.cookie_domain and allowed_hosts against site_url (canonical by
// now): the domain a parent of every listed host, never with a __Host-
// cookie; a host other than site_url's only with a cookie_domain.
// Lowercases both.
Status validateHosts(Config& config);
// server.log_level: one of kLogLevelNames (core/ports/log.h).
Status validateLogLevel(const std::string& log_level);
// An AWS region name: groups of lowercase letters joined by '-', then '-'
// and a number ("eu-west-1", "us-gov-west-1"), at most 32 characters.
// Regions are pasted into host names (dynamodb.<region>.amazonaws.com), so
// nothing else may pass; the assembly's Environment.Region too.
bool isAwsRegion(std::string_view region);

// Ranges parseConfigJson enforces, shared with the checker settings decoder.
inline constexpr int64_t kMaxCacheTtl = 86400;            // cache.ttl, seconds
inline constexpr int64_t kMaxCacheNegativeTtl = 3600;     // cache.negative_ttl, seconds
inline constexpr int64_t kMaxCacheEntries = 100'000'000;  // cache.max_entries
inline constexpr int64_t kMinRetryAfter = 1;              // retry_after, seconds
inline constexpr int64_t kMaxRetryAfter = 3600;           // retry_after, seconds
inline constexpr int64_t kMinIdleTimeout = 5;             // session.idle_timeout unless 0
inline constexpr int64_t kMaxIdleTimeout = 30 * 86400;    // session.idle_timeout, touch_interval
inline constexpr size_t kMinSigningKeyBytes = 32;         // each of session.signing_keys

}  // namespace barrier
