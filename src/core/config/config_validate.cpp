// validate(): the cross-field rules of the configuration, in one place.
// Every message starts with the field it is about and says how to fix it.
#include <algorithm>
#include <string>
#include <string_view>

#include "core/config/config.h"
#include "core/config/redis_url.h"
#include "core/http/loopback.h"
#include "core/http/message.h"
#include "core/session/idle.h"

namespace barrier {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlnum(char c) { return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

bool parsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  int port = 0;
  for (char c : text) {
    if (!isDigit(c)) return false;
    port = port * 10 + (c - '0');
  }
  return port >= 1 && port <= 65535;
}

// A DNS name or IPv4 address (letters, digits, '-', '.'), or "[IPv6]".
bool isHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    return std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
      return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
    });
  }
  if (host.front() == '.' || host.front() == '-' || host.back() == '-') return false;
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return isAlnum(c) || c == '-' || c == '.'; });
}

// "host" or "host:port" -> host without port (empty when malformed).
std::string_view hostPart(std::string_view authority) {
  size_t colon = authority.rfind(':');
  bool bracketed = !authority.empty() && authority.front() == '[';
  if (colon != std::string_view::npos && (!bracketed || colon > authority.rfind(']'))) {
    if (!parsePort(authority.substr(colon + 1))) return {};
    authority = authority.substr(0, colon);
  }
  return isHostName(authority) ? authority : std::string_view();
}

constexpr char kLoopbackHosts[] = "localhost, *.localhost, 127.x.x.x or [::1]";

Status checkRegion(std::string_view field, const std::string& region) {
  if (isAwsRegion(region)) return Status::ok();
  return Status::invalid(std::string(field) +
                         " must be an AWS region: lowercase words joined by '-', ending in a "
                         "number (e.g. eu-west-1), got \"" +
                         region + "\"");
}

struct ParsedUrl {
  std::string scheme;
  std::string authority;  // host[:port], lowercase
  std::string host;
  std::string rest;  // path, query... (may be empty)
};

// http(s)://authority[/rest]; false when anything else (userinfo included).
bool parseHttpUrl(std::string_view url, ParsedUrl& out) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return false;
  out.scheme = lowercase(url.substr(0, sep));
  if (out.scheme != "https" && out.scheme != "http") return false;
  std::string_view tail = url.substr(sep + 3);
  size_t end = tail.find_first_of("/?#");
  std::string_view authority = tail.substr(0, end);
  if (authority.find('@') != std::string_view::npos) return false;
  std::string_view host = hostPart(authority);
  if (host.empty()) return false;
  out.authority = lowercase(authority);
  out.host = lowercase(host);
  out.rest = end == std::string_view::npos ? "" : std::string(tail.substr(end));
  return true;
}

// An http(s) URL the barrier calls or redirects to: https, or http on loopback.
Status checkEndpoint(std::string_view field, const std::string& url) {
  ParsedUrl parsed;
  if (!parseHttpUrl(url, parsed)) {
    return Status::invalid(std::string(field) + " must be an https:// URL, got \"" + url + "\"");
  }
  if (parsed.scheme == "http" && !isLoopbackHost(parsed.host)) {
    return Status::invalid(std::string(field) + " must use https:// (http:// only for " +
                           kLoopbackHosts + "), got \"" + url + "\"");
  }
  return Status::ok();
}

bool isTokenChar(char c) {
  return isAlnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

Status checkSession(const SessionConfig& s) {
  if (Status name = validateCookieName(s.cookie_name); !name) return name;
  if (s.signing_keys.empty()) {
    return Status::invalid(
        "session.signing_keys needs at least one key; generate one with "
        "`barrier keygen`");
  }
  if (s.login_lifetime > s.lifetime) {
    return Status::invalid("session.login_lifetime must not exceed session.lifetime, got " +
                           std::to_string(s.login_lifetime) + " > " + std::to_string(s.lifetime));
  }
  return validateIdleTimeout(s);
}

Status checkCognito(const ProviderConfig& p) {
  for (auto [field, value] : {std::pair<const char*, const std::string*>{"region", &p.region},
                              {"user_pool_id", &p.user_pool_id},
                              {"domain", &p.domain},
                              {"client_id", &p.client_id}}) {
    if (value->empty()) {
      return Status::invalid(std::string("provider.") + field +
                             " is required when provider.type is cognito");
    }
  }
  // Both go into the issuer, https://cognito-idp.<region>.amazonaws.com/<pool id>
  // (src/core/oidc/provider.cpp), and so decide where keys come from.
  if (Status s = checkRegion("provider.region", p.region); !s.isOk()) return s;
  size_t underscore = p.user_pool_id.find('_');
  std::string_view suffix = underscore == std::string::npos
                                ? std::string_view()
                                : std::string_view(p.user_pool_id).substr(underscore + 1);
  if (!isAwsRegion(p.user_pool_id.substr(0, underscore)) || suffix.empty() ||
      !std::all_of(suffix.begin(), suffix.end(), isAlnum)) {
    return Status::invalid("provider.user_pool_id must be <region>_<letters and digits> (e.g. " +
                           p.region + "_AbCdEf123), got \"" + p.user_pool_id + "\"");
  }
  // The environment-variable configuration derives provider.region from the
  // pool id when BARRIER_COGNITO_REGION is unset; when both are given they
  // must agree, or tokens would be checked against another region's pool.
  if (p.user_pool_id.compare(0, underscore, p.region) != 0) {
    return Status::invalid("provider.user_pool_id must start with provider.region and '_' (e.g. " +
                           p.region + "_AbCdEf123), got \"" + p.user_pool_id + "\"");
  }
  if (!isHostName(p.domain)) {
    return Status::invalid(
        "provider.domain must be the hosted-UI host name without https:// "
        "(e.g. auth.example.com), got \"" +
        p.domain + "\"");
  }
  return Status::ok();
}

Status checkOidc(const ProviderConfig& p) {
  // The issuer is required even when every endpoint is set explicitly: the
  // ID token's `iss` claim is checked against it (OIDC Core §3.1.3.7), and
  // without one every sign-in would fail at run time ("provider: no issuer").
  if (p.issuer.empty()) {
    bool explicit_endpoints =
        !p.authorization_endpoint.empty() || !p.token_endpoint.empty() || !p.jwks_uri.empty();
    return Status::invalid(std::string("provider.issuer is required when provider.type is oidc") +
                           (explicit_endpoints ? ", even with explicit endpoints" : "") +
                           ": set it to the provider's issuer URL, exactly as its ID tokens "
                           "carry it in \"iss\" (e.g. https://idp.example.com/realms/main)");
  }
  if (p.client_id.empty()) {
    return Status::invalid("provider.client_id is required when provider.type is oidc");
  }
  return Status::ok();
}

Status checkProvider(const ProviderConfig& p) {
  Status s = p.type == ProviderConfig::Type::kCognito ? checkCognito(p) : checkOidc(p);
  if (!s.isOk()) return s;
  // Every URL the barrier calls, for both types: a Cognito issuer override
  // is where the keys come from (<issuer>/.well-known/jwks.json).
  for (auto [field, url] :
       {std::pair<const char*, const std::string*>{"provider.issuer", &p.issuer},
        {"provider.authorization_endpoint", &p.authorization_endpoint},
        {"provider.token_endpoint", &p.token_endpoint},
        {"provider.userinfo_endpoint", &p.userinfo_endpoint},
        {"provider.logout_endpoint", &p.logout_endpoint},
        {"provider.jwks_uri", &p.jwks_uri}}) {
    if (url->empty()) continue;
    s = checkEndpoint(field, *url);
    if (!s.isOk()) return s;
  }
  if (std::find(p.scopes.begin(), p.scopes.end(), "openid") == p.scopes.end()) {
    return Status::invalid("provider.scopes must include openid");
  }
  if (p.groups_claim.empty()) {
    return Status::invalid("provider.groups_claim must not be empty (Cognito: cognito:groups)");
  }
  return Status::ok();
}

// The files themselves are read by the Redis store's TLS context
// (adapters/redis_connection.h, makeRedisTls), which names them in its
// errors; here only what can be told without them.
// FIELD.min_version: the protocol versions barrier offers or accepts.
Status checkTlsVersion(const std::string& field, const std::string& version) {
  if (version != "1.2" && version != "1.3") {
    return Status::invalid(field + ".min_version must be 1.2 or 1.3, got \"" + version + "\"");
  }
  return Status::ok();
}

Status checkStoreTls(const StoreTlsConfig& tls, bool url_is_tls) {
  if (!url_is_tls && !tls.empty()) {
    return Status::invalid(
        "store.tls is set but store.url is not rediss:// (or rediss-sentinel://): the "
        "connection would not use TLS; write rediss:// or remove store.tls");
  }
  if (tls.cert.empty() != tls.key.empty()) {
    return Status::invalid(std::string("store.tls.") + (tls.cert.empty() ? "cert" : "key") +
                           " is missing: a client certificate needs both store.tls.cert and "
                           "store.tls.key");
  }
  return checkTlsVersion("store.tls", tls.min_version);
}

Status checkStore(const StoreConfig& s) {
  if (s.type != StoreConfig::Type::kRedis && !s.tls.empty()) {
    return Status::invalid("store.tls applies to store.type redis (with rediss://) only");
  }
  switch (s.type) {
    case StoreConfig::Type::kMemory:
      return Status::ok();
    case StoreConfig::Type::kSqlite:
      if (s.path.empty())
        return Status::invalid("store.path is required when store.type is sqlite");
      return Status::ok();
    case StoreConfig::Type::kRedis: {
      if (s.url.rfind("redis://", 0) != 0 && s.url.rfind("unix://", 0) != 0 &&
          s.url.rfind("redis-sentinel://", 0) != 0 && s.url.rfind("rediss://", 0) != 0 &&
          s.url.rfind("rediss-sentinel://", 0) != 0) {
        return Status::invalid(
            "store.url must be redis://host:port[/db] (or unix:///path, or "
            "redis-sentinel://host:port[,host:port...]/master[/db]; rediss:// or "
            "rediss-sentinel:// for TLS) when store.type is redis");
      }
      // The parser the store connects with: check-config refuses what
      // `barrier serve` would.
      Result<RedisTarget> target = parseRedisUrl(s.url);
      if (!target.isOk()) return target.status();
      return checkStoreTls(s.tls, target->tls);
    }
    case StoreConfig::Type::kDynamoDb:
      if (s.table.empty())
        return Status::invalid("store.table is required when store.type is dynamodb");
      if (s.region.empty() && s.endpoint.empty()) {
        return Status::invalid(
            "store.region (or store.endpoint) is required when store.type is "
            "dynamodb");
      }
      if (!s.region.empty()) {
        if (Status r = checkRegion("store.region", s.region); !r.isOk()) return r;
      }
      if (!s.endpoint.empty()) return checkEndpoint("store.endpoint", s.endpoint);
      return Status::ok();
  }
  return Status::invalid("store.type is unknown");
}

Status checkPattern(const std::string& field, const std::string& pattern) {
  if (pattern.empty() || (pattern.front() != '/' && pattern.front() != '*')) {
    return Status::invalid(field + " must start with '/' or '*', got \"" + pattern + "\"");
  }
  return Status::ok();
}

// host:port; port 0 (the system picks a free one) only when `any_port`.
bool isListenAddress(std::string_view listen, bool any_port = false) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view port = listen.substr(colon + 1);
  return (parsePort(port) || (any_port && port == "0")) &&
         !(colon > 0 && hostPart(listen.substr(0, colon)).empty());
}

// server.tls and server.redirect_http; the files themselves are opened by
// `barrier serve` and check-config (src/adapters/tls_context.h).
Status checkServerTls(const ServerConfig& s) {
  const ServerTlsConfig& tls = s.tls;
  if (tls.enabled() && (tls.cert.empty() || tls.key.empty())) {
    return Status::invalid("server.tls needs both cert and key (PEM files)");
  }
  if (Status version = checkTlsVersion("server.tls", tls.min_version); !version) return version;
  if (!s.redirect_http.empty()) {
    if (!tls.enabled()) {
      return Status::invalid("server.redirect_http needs server.tls (it redirects to https://)");
    }
    if (!isListenAddress(s.redirect_http)) {
      return Status::invalid("server.redirect_http must be host:port (e.g. :80), got \"" +
                             s.redirect_http + "\"");
    }
  }
  return Status::ok();
}

Status checkServer(const ServerConfig& s) {
  // Port 0: `barrier serve --listen 127.0.0.1:0` asks for a free port and
  // prints the one it got.
  if (!isListenAddress(s.listen, /*any_port=*/true)) {
    return Status::invalid(
        "server.listen must be host:port (e.g. 127.0.0.1:8080 or :8080), got \"" + s.listen + "\"");
  }
  if (!s.metrics_listen.empty() && !isListenAddress(s.metrics_listen)) {
    return Status::invalid("server.metrics_listen must be host:port (e.g. 127.0.0.1:9090), got \"" +
                           s.metrics_listen + "\"");
  }
  if (Status tls = checkServerTls(s); !tls) return tls;
  for (size_t i = 0; i < s.origins.size(); ++i) {
    const OriginConfig& o = s.origins[i];
    std::string field = "server.origins[" + std::to_string(i) + "]";
    if (o.prefix.empty() || o.prefix.front() != '/') {
      return Status::invalid(field + ".prefix must start with '/', got \"" + o.prefix + "\"");
    }
    if (o.static_root.empty() == o.upstream.empty()) {
      return Status::invalid(field + " needs exactly one of static (a folder) or upstream (a URL)");
    }
    // Checked here rather than at start-up of `barrier serve`, so that
    // check-config is truthful.
    bool https = o.upstream.rfind("https://", 0) == 0;
    if (!o.upstream.empty() && !https && o.upstream.rfind("http://", 0) != 0) {
      return Status::invalid(field + ".upstream must be an http:// or https:// URL, got \"" +
                             o.upstream + "\"");
    }
    if (!o.ca_file.empty() && !https) {
      return Status::invalid(field + ".ca_file applies to an https:// upstream only");
    }
    for (size_t j = 0; j < i; ++j) {
      if (s.origins[j].prefix == o.prefix) {
        return Status::invalid(field + ".prefix \"" + o.prefix + "\" repeats server.origins[" +
                               std::to_string(j) + "].prefix");
      }
    }
  }
  return validateLogLevel(s.log_level);
}

Status checkPaths(const Config& c) {
  for (size_t i = 0; i < c.public_paths.size(); ++i) {
    Status s = checkPattern("public_paths[" + std::to_string(i) + "]", c.public_paths[i]);
    if (!s.isOk()) return s;
  }
  for (size_t i = 0; i < c.rules.size(); ++i) {
    std::string field = "rules[" + std::to_string(i) + "]";
    Status s = checkPattern(field + ".path", c.rules[i].pattern);
    if (!s.isOk()) return s;
    if (c.rules[i].groups.empty() && c.rules[i].allow.empty()) {
      return Status::invalid(field + ".groups must list at least one group, or give allow " +
                             "instead (e.g. allow: [{email_domains: [example.com]}]): who may " +
                             "reach " + c.rules[i].pattern);
    }
  }
  return Status::ok();
}

}  // namespace

bool isAwsRegion(std::string_view region) {
  if (region.size() > 32) return false;
  int groups = 0;
  while (true) {
    size_t dash = region.find('-');
    std::string_view group = region.substr(0, dash);
    if (group.empty()) return false;
    if (dash == std::string_view::npos) {
      return groups >= 2 && std::all_of(group.begin(), group.end(), isDigit);
    }
    if (!std::all_of(group.begin(), group.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
      return false;
    }
    ++groups;
    region.remove_prefix(dash + 1);
  }
}

Status validateSiteUrl(Config& c) {
  if (c.site_url.empty()) {
    return Status::invalid(
        "site_url is required: the public URL of the protected site, e.g. "
        "https://www.example.com");
  }
  ParsedUrl url;
  if (!parseHttpUrl(c.site_url, url) || !(url.rest.empty() || url.rest == "/")) {
    return Status::invalid(
        "site_url must be https://host[:port] with no path, query or user, "
        "got \"" +
        c.site_url + "\"");
  }
  if (url.scheme == "http" && !isLoopbackHost(url.host)) {
    return Status::invalid(std::string("site_url must use https:// (http:// only for ") +
                           kLoopbackHosts + " demos), got \"" + c.site_url + "\"");
  }
  c.site_url = url.scheme + "://" + url.authority;  // canonical: no trailing '/'
  return Status::ok();
}

Status validateCookieName(const std::string& cookie_name) {
  if (cookie_name.empty() || cookie_name.size() > 64 ||
      !std::all_of(cookie_name.begin(), cookie_name.end(), isTokenChar)) {
    return Status::invalid(
        "session.cookie_name must be 1-64 letters, digits or !#$%&'*+-.^_`|~ "
        "(RFC 6265 token), got \"" +
        cookie_name + "\"");
  }
  return Status::ok();
}

Status validateLogLevel(const std::string& log_level) {
  LogLevel level;
  if (!parseLogLevel(log_level, level)) {
    return Status::invalid("server.log_level must be one of " + logLevelList() + ", got \"" +
                           log_level + "\"");
  }
  return Status::ok();
}

// Browsers keep a __Host- or __Secure- cookie only when it is Secure, and
// barrier marks cookies Secure only for an https site.
Status checkCookiePrefix(const Config& c) {
  const std::string& name = c.session.cookie_name;
  bool secure = c.site_url.starts_with("https:");  // canonical by now
  if ((name.starts_with("__Host-") || name.starts_with("__Secure-")) && !secure) {
    return Status::invalid("session.cookie_name \"" + name +
                           "\" needs an https site_url (browsers refuse " +
                           name.substr(0, name.find('-') + 1) + " cookies without Secure)");
  }
  return Status::ok();
}

namespace {

// host ends with "." + domain, or is it: the hosts a Domain=<domain>
// cookie reaches.
bool withinDomain(std::string_view host, std::string_view domain) {
  if (host == domain) return true;
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

bool isIpv4Literal(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) { return isDigit(c) || c == '.'; });
}

Status checkCookieDomain(const Config& c, std::string_view site_host) {
  const std::string& domain = c.session.cookie_domain;
  if (domain.empty()) return Status::ok();
  // A Domain cookie on a top-level name or an address is refused by
  // browsers; "localhost" is the one single-label name kept (loopback demos).
  bool named = isHostName(domain) && domain.front() != '[' && !isIpv4Literal(domain) &&
               domain.back() != '.' &&
               (domain.find('.') != std::string::npos || domain == "localhost");
  if (!named) {
    return Status::invalid(
        "session.cookie_domain must be a domain name such as example.com, got \"" + domain + "\"");
  }
  if (site_host == domain || !withinDomain(site_host, domain)) {
    return Status::invalid("session.cookie_domain \"" + domain +
                           "\" must be a parent domain of site_url's host " +
                           std::string(site_host) + " (e.g. the part after its first '.')");
  }
  if (c.session.cookie_name.starts_with("__Host-")) {
    return Status::invalid("session.cookie_domain cannot be used with the cookie name \"" +
                           c.session.cookie_name +
                           "\": browsers refuse a __Host- cookie that has a Domain; name it "
                           "__Secure-" +
                           c.session.cookie_name.substr(7) + " or drop session.cookie_domain");
  }
  return Status::ok();
}

Status checkAllowedHost(const Config& c, size_t index, std::string_view site_authority,
                        std::string_view scheme) {
  const std::string& entry = c.allowed_hosts[index];
  std::string field = "allowed_hosts[" + std::to_string(index) + "]";
  std::string_view host = hostPart(entry);
  if (host.empty() || entry.find_first_of("/@?#") != std::string::npos) {
    return Status::invalid(field + " must be a host name such as docs.example.com (with :port " +
                           "only when the site is served on one), got \"" + entry + "\"");
  }
  if (entry == site_authority) return Status::ok();
  if (scheme == "http" && !isLoopbackHost(host)) {
    return Status::invalid(field + " \"" + entry +
                           "\" is served over site_url's http://, which only " + kLoopbackHosts +
                           " may use");
  }
  const std::string& domain = c.session.cookie_domain;
  if (domain.empty()) {
    return Status::invalid(field + " \"" + entry +
                           "\" is not site_url's host: set session.cookie_domain to a parent "
                           "domain of both (e.g. example.com), or the session made at sign-in "
                           "would not reach it");
  }
  if (!withinDomain(host, domain)) {
    return Status::invalid(field + " \"" + entry + "\" is not within session.cookie_domain \"" +
                           domain + "\": the session cookie would not reach it");
  }
  return Status::ok();
}

}  // namespace

Status validateHosts(Config& c) {
  c.session.cookie_domain = lowercase(c.session.cookie_domain);
  for (std::string& host : c.allowed_hosts) host = lowercase(host);
  ParsedUrl site;
  if (!parseHttpUrl(c.site_url, site)) return Status::invalid("site_url is not a URL");
  if (Status s = checkCookieDomain(c, site.host); !s) return s;
  for (size_t i = 0; i < c.allowed_hosts.size(); ++i) {
    if (Status s = checkAllowedHost(c, i, site.authority, site.scheme); !s) return s;
  }
  return Status::ok();
}

// A listener that speaks HTTPS serves an https:// site (and its cookies are
// then Secure).
Status checkTlsSite(const Config& c) {
  if (c.server.tls.enabled() && !c.site_url.starts_with("https:")) {
    return Status::invalid("site_url must be https:// when server.tls is set, got \"" + c.site_url +
                           "\"");
  }
  return Status::ok();
}

Result<ValidConfig> validate(Config config) {
  for (Status s :
       {validateSiteUrl(config), checkSession(config.session), checkProvider(config.provider),
        checkStore(config.store), checkServer(config.server), checkTlsSite(config),
        checkPaths(config), checkCookiePrefix(config)}) {
    if (!s.isOk()) return s;
  }
  // After site_url is canonical.
  if (Status s = validateHosts(config); !s) return s;
  return ValidConfig(std::move(config));
}

std::string_view ValidConfig::siteHost() const {
  std::string_view url = site_url;
  return url.substr(url.find("://") + 3);  // canonical: scheme://host[:port]
}

std::string_view ValidConfig::siteScheme() const {
  std::string_view url = site_url;
  return url.substr(0, url.find("://"));
}

std::string_view ValidConfig::listedHost(std::string_view host) const {
  if (equalsIgnoreCase(host, siteHost())) return siteHost();
  for (const std::string& listed : allowed_hosts) {
    if (equalsIgnoreCase(host, listed)) return listed;
  }
  return {};
}

std::vector<std::string> ValidConfig::listedHosts() const {
  std::vector<std::string> hosts{std::string(siteHost())};
  hosts.insert(hosts.end(), allowed_hosts.begin(), allowed_hosts.end());
  return hosts;
}

LogLevel ValidConfig::logLevel() const {
  LogLevel level = LogLevel::kInfo;
  (void)parseLogLevel(server.log_level, level);  // validated: always one of the names
  return level;
}

}  // namespace barrier
