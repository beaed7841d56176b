#include "core/config/config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"

namespace barrier {
namespace {

using Json = nlohmann::json;

// 32 bytes of 'k', base64.
constexpr char kKey[] = "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=";

Json minimalCognito() {
  return Json{{"site_url", "https://www.example.com"},
              {"session", {{"signing_keys", {kKey}}}},
              {"provider",
               {{"region", "eu-west-1"},
                {"user_pool_id", "eu-west-1_AbCdEf123"},
                {"domain", "auth.example.com"},
                {"client_id", "client123"}}}};
}

Result<ValidConfig> parse(const Json& j) { return parseConfigJson(j.dump(), "barrier.yaml"); }

// Parses `j` and expects a failure whose message contains `needle`.
void expectError(const Json& j, const std::string& needle) {
  auto result = parse(j);
  ASSERT_FALSE(result.isOk()) << "expected an error containing: " << needle;
  EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
  EXPECT_NE(result.status().message().find(needle), std::string::npos)
      << "message: " << result.status().message() << "\nexpected: " << needle;
}

// A minimal Cognito config is valid and every default is what config.h says.
TEST(Config, MinimalCognitoUsesDefaults) {
  auto result = parse(minimalCognito());
  ASSERT_TRUE(result.isOk()) << result.status().toString();
  const ValidConfig& c = *result;
  EXPECT_EQ(c.siteHost(), "www.example.com");
  EXPECT_TRUE(c.secureCookies());
  EXPECT_EQ(c.logLevel(), LogLevel::kInfo);
  EXPECT_EQ(c.session.cookie_name, "barrier");
  EXPECT_EQ(c.session.lifetime, 8 * 3600);
  EXPECT_EQ(c.session.login_lifetime, 300);
  ASSERT_EQ(c.session.signing_keys.size(), 1u);
  EXPECT_EQ(c.session.signing_keys[0], std::string(32, 'k'));
  EXPECT_EQ(c.cache.ttl, 300);
  EXPECT_EQ(c.cache.negative_ttl, 5);
  EXPECT_EQ(c.provider.type, ProviderConfig::Type::kCognito);
  EXPECT_EQ(c.provider.scopes, (std::vector<std::string>{"openid", "email", "profile"}));
  EXPECT_EQ(c.store.type, StoreConfig::Type::kSqlite);
  EXPECT_EQ(c.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.server.login_rate_limit, 60);
  EXPECT_EQ(c.server.metrics_listen, "");
  EXPECT_FALSE(c.server.log_user);
  EXPECT_EQ(c.server.upgrade_idle_timeout, 3600);
  EXPECT_EQ(c.retry_after, 5);
}

// Every field of the schema is read into its struct member.
TEST(Config, ReadsEveryField) {
  Json j = {{"site_url", "https://Site.Example.com:8443/"},
            {"session",
             {{"cookie_name", "__Host-sid"},
              {"lifetime", "1d"},
              {"login_lifetime", "10m"},
              {"signing_keys", {kKey, "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE"}}}},
            {"cache", {{"ttl", 60}, {"negative_ttl", "2s"}, {"max_entries", 500}}},
            {"provider",
             {{"type", "oidc"},
              {"issuer", "https://idp.example.com/realms/x"},
              {"client_id", "abc"},
              {"client_secret", "s3cret"},
              {"scopes", {"openid", "email"}},
              {"groups_claim", "groups"},
              {"required_groups", {"staff"}},
              {"userinfo", true},
              {"timeout_ms", 2500},
              {"authorization_endpoint", "https://idp.example.com/auth"},
              {"token_endpoint", "https://idp.example.com/token"},
              {"userinfo_endpoint", "https://idp.example.com/userinfo"},
              {"logout_endpoint", "https://idp.example.com/logout"},
              {"jwks_uri", "https://idp.example.com/jwks"}}},
            {"store", {{"type", "redis"}, {"url", "redis://127.0.0.1:6379/2"}}},
            {"server",
             {{"listen", "0.0.0.0:9000"},
              {"threads", 4},
              {"origins",
               {{{"prefix", "/"}, {"static", "/srv/www"}},
                {{"prefix", "/api/"}, {"upstream", "http://127.0.0.1:3000"}}}},
              {"trust_forwarded_proto", true},
              {"max_header_bytes", 32768},
              {"max_body_bytes", 1048576},
              {"idle_timeout", "2m"},
              {"upstream_timeout", 10},
              {"upgrade_idle_timeout", "10m"},
              {"max_connections", 512},
              {"metrics_listen", "127.0.0.1:9090"},
              {"login_rate_limit", 0},
              {"log_level", "debug"},
              {"log_user", true}}},
            {"public_paths", {"/favicon.ico", "/public/*", "*.css"}},
            {"rules", {{{"path", "/admin/*"}, {"groups", {"admin", "ops"}}}}},
            {"retry_after", "30s"}};
  auto result = parse(j);
  ASSERT_TRUE(result.isOk()) << result.status().toString();
  const ValidConfig& c = *result;
  EXPECT_EQ(c.site_url, "https://site.example.com:8443");
  EXPECT_EQ(c.siteHost(), "site.example.com:8443");
  EXPECT_EQ(c.session.cookie_name, "__Host-sid");
  EXPECT_EQ(c.session.lifetime, 86400);
  EXPECT_EQ(c.session.login_lifetime, 600);
  ASSERT_EQ(c.session.signing_keys.size(), 2u);
  EXPECT_EQ(c.session.signing_keys[1], std::string(32, 'a'));
  EXPECT_EQ(c.cache.ttl, 60);
  EXPECT_EQ(c.cache.negative_ttl, 2);
  EXPECT_EQ(c.cache.max_entries, 500);
  const ProviderConfig& p = c.provider;
  EXPECT_EQ(p.type, ProviderConfig::Type::kOidc);
  EXPECT_EQ(p.issuer, "https://idp.example.com/realms/x");
  EXPECT_EQ(p.client_secret, "s3cret");
  EXPECT_EQ(p.scopes, (std::vector<std::string>{"openid", "email"}));
  EXPECT_EQ(p.groups_claim, "groups");
  EXPECT_EQ(p.required_groups, std::vector<std::string>{"staff"});
  EXPECT_TRUE(p.userinfo);
  EXPECT_EQ(p.timeout_ms, 2500);
  EXPECT_EQ(p.authorization_endpoint, "https://idp.example.com/auth");
  EXPECT_EQ(p.token_endpoint, "https://idp.example.com/token");
  EXPECT_EQ(p.userinfo_endpoint, "https://idp.example.com/userinfo");
  EXPECT_EQ(p.logout_endpoint, "https://idp.example.com/logout");
  EXPECT_EQ(p.jwks_uri, "https://idp.example.com/jwks");
  EXPECT_EQ(c.store.type, StoreConfig::Type::kRedis);
  EXPECT_EQ(c.store.url, "redis://127.0.0.1:6379/2");
  EXPECT_EQ(c.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.server.threads, 4);
  ASSERT_EQ(c.server.origins.size(), 2u);
  EXPECT_EQ(c.server.origins[0].static_root, "/srv/www");
  EXPECT_EQ(c.server.origins[1].prefix, "/api/");
  EXPECT_EQ(c.server.origins[1].upstream, "http://127.0.0.1:3000");
  EXPECT_TRUE(c.server.trust_forwarded_proto);
  EXPECT_EQ(c.server.max_header_bytes, 32768);
  EXPECT_EQ(c.server.max_body_bytes, 1048576);
  EXPECT_EQ(c.server.idle_timeout, 120);
  EXPECT_EQ(c.server.upstream_timeout, 10);
  EXPECT_EQ(c.server.upgrade_idle_timeout, 600);
  EXPECT_EQ(c.server.max_connections, 512);
  EXPECT_EQ(c.server.metrics_listen, "127.0.0.1:9090");
  EXPECT_EQ(c.server.login_rate_limit, 0);
  EXPECT_EQ(c.server.log_level, "debug");
  EXPECT_TRUE(c.server.log_user);
  EXPECT_EQ(c.public_paths.size(), 3u);
  ASSERT_EQ(c.rules.size(), 1u);
  EXPECT_EQ(c.rules[0].pattern, "/admin/*");
  EXPECT_EQ(c.rules[0].groups, (std::vector<std::string>{"admin", "ops"}));
  EXPECT_EQ(c.retry_after, 30);
}

// Durations: plain seconds, unit suffixes and combinations; garbage refused.
TEST(Config, ParsesDurations) {
  int64_t s = 0;
  EXPECT_TRUE(parseDuration("300", s));
  EXPECT_EQ(s, 300);
  EXPECT_TRUE(parseDuration("300s", s));
  EXPECT_EQ(s, 300);
  EXPECT_TRUE(parseDuration("5m", s));
  EXPECT_EQ(s, 300);
  EXPECT_TRUE(parseDuration("8h", s));
  EXPECT_EQ(s, 28800);
  EXPECT_TRUE(parseDuration("1d", s));
  EXPECT_EQ(s, 86400);
  EXPECT_TRUE(parseDuration("1h30m", s));
  EXPECT_EQ(s, 5400);
  for (const char* bad : {"", "s", "-5", "5 m", "5x", "1.5h", "1h30", "m5", "99999999999999999999d",
                          "106751991167301d"}) {
    EXPECT_FALSE(parseDuration(bad, s)) << bad;
  }
}

// The example message of STYLE.md, verbatim (with the source prefix).
TEST(Config, LifetimeTooShortNamesFieldAndValue) {
  Json j = minimalCognito();
  j["session"]["lifetime"] = 5;
  auto result = parse(j);
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().message(),
            "barrier.yaml: session.lifetime must be at least 60 s, got 5");
}

// Unknown keys are errors with a "did you mean" when a known key is close.
TEST(Config, UnknownKeysSuggestTheClosest) {
  Json j = minimalCognito();
  j["session"]["lifetme"] = 300;
  expectError(j, "session.lifetme is not a known field; did you mean session.lifetime?");

  j = minimalCognito();
  j["sit_url"] = "x";
  expectError(j, "sit_url is not a known field; did you mean site_url?");

  j = minimalCognito();
  j["provider"]["clientId"] = "x";
  expectError(j, "provider.clientId is not a known field; did you mean provider.client_id?");

  j = minimalCognito();
  j["server"] = {{"origins", {{{"prefix", "/"}, {"statik", "/srv"}}}}};
  expectError(j,
              "server.origins[0].statik is not a known field; did you mean "
              "server.origins[0].static?");

  j = minimalCognito();
  j["bananas"] = 1;
  expectError(j, "bananas is not a known field (known: site_url, session");
}

// Wrong types name the field, the expected type and the value received.
TEST(Config, TypeErrors) {
  Json j = minimalCognito();
  j["session"]["lifetime"] = "forever";
  expectError(j, "session.lifetime must be a duration: whole seconds or a string like");
  j = minimalCognito();
  j["session"]["lifetime"] = 1.5;
  expectError(j, "session.lifetime must be a duration");
  j = minimalCognito();
  j["session"] = "x";
  expectError(j, "session must be a mapping of fields, got \"x\"");
  j = minimalCognito();
  j["provider"]["userinfo"] = "yes";
  expectError(j, "provider.userinfo must be true or false, got \"yes\"");
  j = minimalCognito();
  j["provider"]["timeout_ms"] = 10;
  expectError(j, "provider.timeout_ms must be at least 100 ms, got 10");
  j = minimalCognito();
  j["provider"]["scopes"] = {"openid", 3.5};
  expectError(j, "provider.scopes[1] must be a string");
  j = minimalCognito();
  j["provider"]["type"] = "cognitto";
  expectError(j,
              "provider.type must be one of cognito, oidc, got \"cognitto\"; did you mean "
              "cognito?");
  j = minimalCognito();
  j["store"] = {{"type", "postgres"}};
  expectError(j, "store.type must be one of memory, sqlite, redis, dynamodb");
  j = minimalCognito();
  j["rules"] = {"x"};
  expectError(j, "rules[0] must be a mapping with path and groups");
  j = minimalCognito();
  j["cache"] = {{"max_entries", "many"}};
  expectError(j, "cache.max_entries must be a whole number");
  j = minimalCognito();
  j["server"] = {{"threads", 18446744073709551615ULL}};
  expectError(j, "server.threads must be a whole number between 0 and 1024");
}

// Integers written without quotes in YAML are accepted for string fields,
// null keeps the default, and a lone string is a one-item list.
TEST(Config, LenientWhereUnambiguous) {
  Json j = minimalCognito();
  j["provider"]["client_id"] = 1234567890;
  j["provider"]["client_secret"] = nullptr;
  j["provider"]["scopes"] = "openid";
  auto result = parse(j);
  ASSERT_TRUE(result.isOk()) << result.status().toString();
  EXPECT_EQ(result->provider.client_id, "1234567890");
  EXPECT_EQ(result->provider.client_secret, "");
  EXPECT_EQ(result->provider.scopes, std::vector<std::string>{"openid"});
}

// Not JSON at all, or not an object, is refused with the source named.
TEST(Config, RefusesNonObjects) {
  auto r = parseConfigJson("{ site_url: ", "edge/config.json");
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message(), "edge/config.json: is not valid JSON");
  r = parseConfigJson("[1,2]", "x.json");
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("x.json: must be a mapping of fields"), std::string::npos);
  r = parseConfigJson("\"\xff\"", "x.json");
  EXPECT_FALSE(r.isOk());
}

// site_url: https://host[:port]; http only on loopback; no path, user or junk.
TEST(Config, SiteUrlRules) {
  Json j = minimalCognito();
  j.erase("site_url");
  expectError(j, "site_url is required");
  for (const char* bad : {"www.example.com", "https://", "https://exa mple.com", "ftp://x.com",
                          "https://user@x.com", "https://x.com/app", "https://x.com?x=1",
                          "https://x.com:0", "https://x.com:99999", "https://x.com:ab"}) {
    j["site_url"] = bad;
    expectError(j, "site_url must be https://host[:port]");
  }
  j["site_url"] = "http://www.example.com";
  expectError(j,
              "site_url must use https:// (http:// only for localhost, *.localhost, 127.x.x.x or "
              "[::1] demos)");
  for (const char* ok : {"http://localhost:8080", "http://127.0.0.2:8080", "http://[::1]:80",
                         "http://app.localhost", "https://[2001:db8::1]:443"}) {
    j["site_url"] = ok;
    auto r = parse(j);
    ASSERT_TRUE(r.isOk()) << ok << ": " << r.status().toString();
  }
  j["site_url"] = "http://127.0.0.2:8080";
  auto r = parse(j);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->siteHost(), "127.0.0.2:8080");
  EXPECT_FALSE(r->secureCookies());
}

// http:// is loopback-only, and loopback means 127.x.x.x as four decimal
// octets, [::1], localhost or *.localhost: never a name that merely starts
// with "127." (http://127.evil.example resolves wherever its owner likes).
TEST(Config, LoopbackMeansLoopback) {
  const char* const not_loopback[] = {"http://127.evil.example",
                                      "http://127.0.0.1.evil.example",
                                      "http://127.0.0.1.nip.io",
                                      "http://127.0.0.256",
                                      "http://127.0.0",
                                      "http://127.0.0.1.1",
                                      "http://0127.0.0.1",
                                      "http://127.00.0.1",
                                      "http://128.0.0.1",
                                      "http://localhost.evil.example",
                                      "http://localhostevil.example",
                                      "http://xlocalhost",
                                      "http://[::2]"};
  const char* const loopback[] = {"http://127.0.0.1",     "http://127.255.255.255:8080",
                                  "http://127.0.0.0",     "http://LOCALHOST:3000",
                                  "http://a.b.localhost", "http://[::1]:8080"};
  for (const char* url : not_loopback) {
    Json j = minimalCognito();
    j["site_url"] = url;
    expectError(j, "site_url must use https://");
    j = minimalCognito();
    j["provider"] = {{"type", "oidc"}, {"client_id", "c"}, {"issuer", url}};
    expectError(j, "provider.issuer must use https://");
    j["provider"]["issuer"] = "https://idp.example.com";
    j["provider"]["token_endpoint"] = std::string(url) + "/token";
    expectError(j, "provider.token_endpoint must use https://");
    j = minimalCognito();
    j["store"] = {{"type", "dynamodb"}, {"endpoint", url}};
    expectError(j, "store.endpoint must use https://");
  }
  for (const char* url : loopback) {
    Json j = minimalCognito();
    j["site_url"] = url;
    EXPECT_TRUE(parse(j).isOk()) << url << ": " << parse(j).status().toString();
    j["provider"] = {{"type", "oidc"}, {"client_id", "c"}, {"issuer", url}};
    EXPECT_TRUE(parse(j).isOk()) << url << ": " << parse(j).status().toString();
  }
}

// Session: cookie name is an RFC 6265 token, keys are base64 of >= 32 bytes
// and are never echoed in messages.
TEST(Config, SessionRules) {
  Json j = minimalCognito();
  j["session"]["cookie_name"] = "bad name;";
  expectError(j, "session.cookie_name must be 1-64 letters");
  j["session"]["cookie_name"] = "";
  expectError(j, "session.cookie_name must be");

  j = minimalCognito();
  j["session"]["signing_keys"] = Json::array();
  expectError(j, "session.signing_keys needs at least one key");
  j["session"].erase("signing_keys");
  expectError(j, "session.signing_keys needs at least one key");

  j = minimalCognito();
  j["session"]["signing_keys"] = {kKey, "c2hvcnRrZXk="};  // "shortkey"
  auto r = parse(j);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message(),
            "barrier.yaml: session.signing_keys[1] must decode to at least 32 bytes, got 8; "
            "generate a key with `barrier keygen`");

  j["session"]["signing_keys"] = {"not base64 !!! secret-material"};
  r = parse(j);
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("signing_keys[0] is not valid base64"), std::string::npos);
  EXPECT_EQ(r.status().message().find("secret-material"), std::string::npos);

  j["session"]["signing_keys"] = {12345};
  r = parse(j);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message().find("12345"), std::string::npos);

  j = minimalCognito();
  j["provider"]["client_secret"] = Json::array({"hunter2"});
  r = parse(j);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message().find("hunter2"), std::string::npos);

  // Browsers keep __Host- and __Secure- cookies only when Secure, which
  // barrier sets for https sites alone.
  for (const char* name : {"__Host-barrier", "__Secure-barrier"}) {
    j = minimalCognito();
    j["site_url"] = "http://localhost:8080";
    j["session"]["cookie_name"] = name;
    expectError(j, "needs an https site_url");
    j["site_url"] = "https://www.example.com";
    EXPECT_TRUE(parse(j).isOk()) << name;
  }

  j = minimalCognito();
  j["session"]["login_lifetime"] = "30m";
  j["session"]["lifetime"] = "10m";
  expectError(j, "session.login_lifetime must not exceed session.lifetime, got 1800 > 600");
}

// One sign-in for several hosts: session.cookie_domain must be a parent
// domain of site_url's host and of every allowed host, never with a __Host-
// cookie; allowed_hosts other than site_url's need it. Each error names
// the field and the fix.
TEST(Config, HostRules) {
  Json j = minimalCognito();
  j["session"]["cookie_domain"] = "Example.COM";
  j["allowed_hosts"] = {"Docs.example.com", "www.example.com", "example.com"};
  auto ok = parse(j);
  ASSERT_TRUE(ok.isOk()) << ok.status().message();
  EXPECT_EQ(ok->session.cookie_domain, "example.com");
  EXPECT_EQ(ok->allowed_hosts,
            (std::vector<std::string>{"docs.example.com", "www.example.com", "example.com"}));
  EXPECT_EQ(ok->listedHost("DOCS.example.com"), "docs.example.com");
  EXPECT_EQ(ok->listedHost("www.example.com"), "www.example.com");
  EXPECT_EQ(ok->listedHost("docs.example.com.evil"), "");
  EXPECT_EQ(ok->listedHost(""), "");

  // The domain: a parent of site_url's host, a name, not a suffix of a label.
  for (const char* bad : {"www.example.com", "other.com", "ample.com", "com", "example.com.",
                          "127.0.0.1", ".example.com", "exa mple.com", "example.com:443"}) {
    j = minimalCognito();
    j["session"]["cookie_domain"] = bad;
    expectError(j, "session.cookie_domain");
  }
  j = minimalCognito();
  j["session"]["cookie_domain"] = "other.com";
  expectError(j, "must be a parent domain of site_url's host www.example.com");
  j["session"]["cookie_domain"] = "com";
  expectError(j, "session.cookie_domain must be a domain name such as example.com");

  // __Host- cookies may not have a Domain; __Secure- may.
  j = minimalCognito();
  j["session"]["cookie_domain"] = "example.com";
  j["session"]["cookie_name"] = "__Host-barrier";
  expectError(j, "browsers refuse a __Host- cookie that has a Domain; name it __Secure-barrier");
  j["session"]["cookie_name"] = "__Secure-barrier";
  EXPECT_TRUE(parse(j).isOk());

  // Another host needs the cookie domain, and must be within it.
  j = minimalCognito();
  j["allowed_hosts"] = {"docs.example.com"};
  expectError(j,
              "allowed_hosts[0] \"docs.example.com\" is not site_url's host: set "
              "session.cookie_domain");
  j["allowed_hosts"] = {"www.example.com"};
  EXPECT_TRUE(parse(j).isOk()) << "site_url's own host needs no cookie domain";
  j["session"]["cookie_domain"] = "example.com";
  j["allowed_hosts"] = {"docs.example.com", "docs.example.org"};
  expectError(j, "allowed_hosts[1] \"docs.example.org\" is not within session.cookie_domain");
  j["allowed_hosts"] = {"docs.evilexample.com"};
  expectError(j, "is not within session.cookie_domain");
  for (const char* bad : {"https://docs.example.com", "docs.example.com/x", "user@docs.example.com",
                          "docs.example.com:99999", "", "docs example.com"}) {
    j["allowed_hosts"] = {bad};
    expectError(j, "allowed_hosts[0] must be a host name such as docs.example.com");
  }
  j["allowed_hosts"] = "docs.example.com";  // one string is a one-item list
  EXPECT_TRUE(parse(j).isOk());
  j["allowed_hosts"] = Json::array({Json::object({{"host", "x"}})});
  expectError(j, "allowed_hosts[0] must be a string");

  // An http site (loopback only) lists loopback hosts only.
  j = minimalCognito();
  j["site_url"] = "http://app.localhost:8080";
  j["session"]["cookie_domain"] = "localhost";
  j["allowed_hosts"] = {"docs.localhost:8080"};
  EXPECT_TRUE(parse(j).isOk());
  j["allowed_hosts"] = {"docs.example.com"};
  expectError(j, "is served over site_url's http://");
}

// Cognito needs region, pool id, domain and client id, consistently.
TEST(Config, CognitoRules) {
  for (const char* field : {"region", "user_pool_id", "domain", "client_id"}) {
    Json j = minimalCognito();
    j["provider"].erase(field);
    expectError(j, std::string("provider.") + field + " is required when provider.type is cognito");
  }
  Json j = minimalCognito();
  j["provider"]["user_pool_id"] = "us-east-1_AbC";
  expectError(j, "provider.user_pool_id must start with provider.region");
  j = minimalCognito();
  j["provider"]["domain"] = "https://auth.example.com";
  expectError(j, "provider.domain must be the hosted-UI host name without https://");
  j = minimalCognito();
  j["provider"]["scopes"] = {"email"};
  expectError(j, "provider.scopes must include openid");
  j = minimalCognito();
  j["provider"]["jwks_uri"] = "http://idp.example.com/jwks";
  expectError(j, "provider.jwks_uri must use https://");
}

// A Cognito issuer override is checked like every endpoint: the keys are
// fetched from <issuer>/.well-known/jwks.json, so a plain-http issuer on
// another host would let anyone on the path sign tokens.
TEST(Config, CognitoIssuerOverrideIsAnEndpoint) {
  Json j = minimalCognito();
  j["provider"]["issuer"] = "http://evil.example/x";
  expectError(j, "provider.issuer must use https:// (http:// only for localhost");
  j["provider"]["issuer"] = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123";
  expectError(j, "provider.issuer must be an https:// URL");
  j["provider"]["issuer"] = "https://user@evil.example";
  expectError(j, "provider.issuer must be an https:// URL");
  for (const char* ok : {"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
                         "http://127.0.0.1:9229/eu-west-1_AbCdEf123"}) {
    j["provider"]["issuer"] = ok;
    EXPECT_TRUE(parse(j).isOk()) << ok << ": " << parse(j).status().toString();
  }
  j = minimalCognito();
  j["provider"]["token_endpoint"] = "http://evil.example/oauth2/token";
  expectError(j, "provider.token_endpoint must use https://");
}

// Regions end up in host names (dynamodb.<region>.amazonaws.com,
// cognito-idp.<region>.amazonaws.com): only the AWS region shape passes, and
// the message names the field, the value and the form.
TEST(Config, RegionsHaveTheAwsShape) {
  const char* const bad[] = {"evil.example/x?", "EU-WEST-1",  "eu-west",   "eu_west_1",
                             "eu-west-1.evil",  "eu-west-1/", "-eu-1",     "eu--west-1",
                             "eu-west-1a",      "eu-1",       "eu-west-x", " eu-west-1"};
  for (const char* region : bad) {
    Json j = minimalCognito();
    j["store"] = {{"type", "dynamodb"}, {"region", region}};
    expectError(j, std::string("store.region must be an AWS region: lowercase words joined by "
                               "'-', ending in a number (e.g. eu-west-1), got \"") +
                       region + "\"");
    // With an endpoint the region still goes into the request signature.
    j["store"]["endpoint"] = "http://127.0.0.1:4567";
    expectError(j, "store.region must be an AWS region");
    j = minimalCognito();
    j["provider"]["region"] = region;
    j["provider"]["user_pool_id"] = std::string(region) + "_AbC";
    expectError(j, std::string("provider.region must be an AWS region: lowercase words joined "
                               "by '-', ending in a number (e.g. eu-west-1), got \"") +
                       region + "\"");
  }
  for (const char* region : {"eu-west-1", "us-gov-west-1", "ap-southeast-3", "us-isob-east-1"}) {
    Json j = minimalCognito();
    j["store"] = {{"type", "dynamodb"}, {"region", region}};
    EXPECT_TRUE(parse(j).isOk()) << region << ": " << parse(j).status().toString();
    j["provider"]["region"] = region;
    j["provider"]["user_pool_id"] = std::string(region) + "_AbC123";
    EXPECT_TRUE(parse(j).isOk()) << region << ": " << parse(j).status().toString();
  }
}

// The pool id is <region>_<letters and digits> (it is the issuer's path), and
// its region is provider.region.
TEST(Config, UserPoolIdShape) {
  for (const char* bad : {"evil_AbC", "eu-west-1", "eu-west-1_", "eu-west-1_Ab/../x",
                          "eu-west-1_Ab?x", "eu-west-1_Ab_C", "_AbC"}) {
    Json j = minimalCognito();
    j["provider"]["user_pool_id"] = bad;
    expectError(j, std::string("provider.user_pool_id must be <region>_<letters and digits> "
                               "(e.g. eu-west-1_AbCdEf123), got \"") +
                       bad + "\"");
  }
  Json j = minimalCognito();
  j["provider"]["user_pool_id"] = "us-east-1_AbC";
  expectError(j,
              "provider.user_pool_id must start with provider.region and '_' (e.g. "
              "eu-west-1_AbCdEf123), got \"us-east-1_AbC\"");
  j["provider"]["user_pool_id"] = "eu-west-10_AbC";
  expectError(j, "provider.user_pool_id must start with provider.region");
}

// OIDC needs an issuer (always: the ID token's iss is checked against it) and a client id.
TEST(Config, OidcRules) {
  Json j = minimalCognito();
  j["provider"] = {{"type", "oidc"}, {"client_id", "c"}};
  expectError(j, "provider.issuer is required when provider.type is oidc");
  j["provider"]["issuer"] = "idp.example.com";
  expectError(j, "provider.issuer must be an https:// URL");
  j["provider"]["issuer"] = "http://127.0.0.1:3000";
  EXPECT_TRUE(parse(j).isOk());
  j["provider"].erase("client_id");
  expectError(j, "provider.client_id is required when provider.type is oidc");

  j["provider"] = {{"type", "oidc"},
                   {"client_id", "c"},
                   {"authorization_endpoint", "https://a.example/auth"},
                   {"token_endpoint", "https://a.example/token"},
                   {"jwks_uri", "https://a.example/jwks"}};
  // Explicit endpoints without an issuer used to validate, then every sign-in
  // answered 503 ("provider: no issuer"): refused up front, naming the fix.
  expectError(j,
              "provider.issuer is required when provider.type is oidc, even with explicit "
              "endpoints: set it to the provider's issuer URL");
  j["provider"].erase("jwks_uri");
  expectError(j, "provider.issuer is required when provider.type is oidc, even with explicit");
  j["provider"]["issuer"] = "https://a.example";
  EXPECT_TRUE(parse(j).isOk()) << parse(j).status().toString();
  j["provider"]["jwks_uri"] = "https://a.example/jwks";
  EXPECT_TRUE(parse(j).isOk()) << parse(j).status().toString();
}

// Each store type needs its own fields.
TEST(Config, StoreRules) {
  Json j = minimalCognito();
  j["store"] = {{"type", "sqlite"}, {"path", ""}};
  expectError(j, "store.path is required when store.type is sqlite");
  j["store"] = {{"type", "redis"}};
  expectError(j, "store.url must be redis://host:port[/db]");
  j["store"] = {{"type", "redis"}, {"url", "http://x"}};
  expectError(j, "store.url must be redis://");
  for (const char* url :
       {"redis://h:6379/1", "unix:///run/redis.sock", "redis-sentinel://s1,s2:26380/main/1"}) {
    j["store"] = {{"type", "redis"}, {"url", url}};
    EXPECT_TRUE(parse(j).isOk()) << url << ": " << parse(j).status().toString();
  }
  j["store"] = {{"type", "dynamodb"}, {"table", ""}};
  expectError(j, "store.table is required when store.type is dynamodb");
  j["store"] = {{"type", "dynamodb"}};
  expectError(j, "store.region (or store.endpoint) is required");
  j["store"] = {{"type", "dynamodb"}, {"endpoint", "http://127.0.0.1:4567"}};
  EXPECT_TRUE(parse(j).isOk());
  j["store"] = {{"type", "dynamodb"}, {"region", "eu-west-1"}, {"table", "t"}};
  auto r = parse(j);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->store.table, "t");
  j["store"] = {{"type", "memory"}};
  EXPECT_TRUE(parse(j).isOk());
}

// store.tls goes with rediss:// (or rediss-sentinel://) only, a client
// certificate needs both its files, min_version is 1.2 or 1.3; the files
// themselves are read by the adapters (src/adapters/tls_context_test.cpp,
// src/adapters/redis_tls_test.cpp).
TEST(Config, StoreTlsRules) {
  Json j = minimalCognito();
  for (const char* url : {"rediss://:pw@h:6380/1", "rediss-sentinel://s1,s2:26380/main/1"}) {
    j["store"] = {{"type", "redis"}, {"url", url}};
    EXPECT_TRUE(parse(j).isOk()) << url << ": " << parse(j).status().toString();
  }
  j["store"]["tls"] = {{"ca_file", "/etc/ca.pem"}, {"cert", "/etc/c.pem"}, {"key", "/etc/c.key"}};
  auto r = parse(j);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->store.tls.ca_file, "/etc/ca.pem");
  EXPECT_EQ(r->store.tls.cert, "/etc/c.pem");
  EXPECT_EQ(r->store.tls.key, "/etc/c.key");
  EXPECT_EQ(r->store.tls.min_version, "1.2");
  j["store"]["tls"]["min_version"] = 1.3;  // YAML's number, as for server.tls
  EXPECT_EQ(parse(j)->store.tls.min_version, "1.3");
  j["store"]["tls"]["min_version"] = "1.1";
  expectError(j, "store.tls.min_version must be 1.2 or 1.3, got \"1.1\"");
  j["store"]["tls"] = {{"cert", "/etc/c.pem"}};
  expectError(j, "store.tls.key is missing");
  j["store"]["tls"] = {{"key", "/etc/c.key"}};
  expectError(j, "store.tls.cert is missing");
  j["store"]["tls"] = {{"ca_fil", "/etc/ca.pem"}};
  expectError(j, "ca_file");
  j["store"] = {{"type", "redis"}, {"url", "redis://h:6379"}, {"tls", {{"ca_file", "/ca.pem"}}}};
  expectError(j, "store.tls is set but store.url is not rediss://");
  j["store"]["tls"] = {{"min_version", "1.3"}};
  expectError(j, "store.tls is set but store.url is not rediss://");
  j["store"] = {{"type", "sqlite"}, {"path", "x.db"}, {"tls", {{"ca_file", "/ca.pem"}}}};
  expectError(j, "store.tls applies to store.type redis");
}

// A Redis URL check-config passes is one `barrier serve` opens: ports
// 1-65535 and a database 0-10000, as parseRedisUrl() in
// src/adapters/redis_store.cpp has them. The password is never echoed, not
// even when a '/' or ':' in it makes it look like the database or the port.
TEST(Config, RedisUrlPortAndDatabase) {
  struct Case {
    const char* url;
    const char* error;
  };
  const Case bad[] = {
      {"redis://:s3cret@host:99999/abc", "store.url: database must be a number"},
      {"redis://:s3cret@host:99999/1", "store.url: port must be 1-65535"},
      {"redis://:s3cret@host:0", "store.url: port must be 1-65535"},
      {"redis://:s3cret@host:", "store.url: port must be 1-65535"},
      {"redis://:s3cret@host:http", "store.url: port must be 1-65535"},
      {"redis://:s3cret@[::1]:70000/0", "store.url: port must be 1-65535"},
      {"redis://:s3cret@[::1]:", "store.url: port must be 1-65535"},
      {"redis://:s3cret@host/10001", "store.url: database must be a number"},
      {"redis://:s3cret@host/-1", "store.url: database must be a number"},
      {"redis://:s3/cret@host:6379", "store.url: database must be a number"},
      {"redis://:s3:cret/x@host", "store.url"},
      {"redis-sentinel://:s3cret@s1:26379,s2:0/main", "store.url: port must be 1-65535"},
      {"redis-sentinel://:s3cret@s1:99999/main/1", "store.url: port must be 1-65535"},
      {"redis-sentinel://:s3cret@s1/main/x", "store.url: database must be a number"},
  };
  for (const Case& c : bad) {
    Json j = minimalCognito();
    j["store"] = {{"type", "redis"}, {"url", c.url}};
    expectError(j, c.error);
    auto r = parse(j);
    ASSERT_FALSE(r.isOk()) << c.url;
    EXPECT_EQ(r.status().message().find("s3"), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find("cret"), std::string::npos) << r.status().message();
  }
  for (const char* ok :
       {"redis://h:65535/10000", "redis://h:1/0", "redis://h/", "redis://[::1]:6379/0",
        "redis://:p@ss@h:6379/0", "redis://user:p:w@h:6379", "redis://h:000080",
        "redis-sentinel://s1:26379,[::1]:26380/main/3", "redis-sentinel://s1/main",
        "unix:///run/redis.sock"}) {
    Json j = minimalCognito();
    j["store"] = {{"type", "redis"}, {"url", ok}};
    EXPECT_TRUE(parse(j).isOk()) << ok << ": " << parse(j).status().toString();
  }
}

// Server: listen address, origins with exactly one target, log level.
TEST(Config, ServerRules) {
  Json j = minimalCognito();
  // Port 0 asks for a free port (`barrier serve --listen 127.0.0.1:0`).
  for (const char* ok : {":8080", "0.0.0.0:443", "[::]:8080", "localhost:1", "x:0"}) {
    j["server"] = {{"listen", ok}};
    EXPECT_TRUE(parse(j).isOk()) << ok;
  }
  for (const char* bad : {"8080", "localhost", "x:00", "x:65536", "a b:80"}) {
    j["server"] = {{"listen", bad}};
    expectError(j, "server.listen must be host:port");
  }
  for (const char* bad : {"9090", "127.0.0.1:0"}) {
    j["server"] = {{"metrics_listen", bad}};
    expectError(j, "server.metrics_listen must be host:port");
  }
  j["server"] = {{"metrics_listen", "127.0.0.1:9090"}};
  EXPECT_TRUE(parse(j).isOk());
  j["server"] = {{"login_rate_limit", -1}};
  expectError(j, "server.login_rate_limit must be at least 0 logins per minute, got -1");
  j["server"] = {{"origins", {{{"prefix", "api"}, {"static", "/srv"}}}}};
  expectError(j, "server.origins[0].prefix must start with '/'");
  j["server"] = {{"origins", {{{"prefix", "/"}}}}};
  expectError(j, "server.origins[0] needs exactly one of static (a folder) or upstream (a URL)");
  j["server"] = {{"origins", {{{"prefix", "/"}, {"static", "/a"}, {"upstream", "http://x"}}}}};
  expectError(j, "server.origins[0] needs exactly one of static");
  j["server"] = {{"origins", {{{"upstream", "ftp://x"}}}}};
  expectError(j, "server.origins[0].upstream must be an http:// or https:// URL");
  j["server"] = {{"origins", {{{"upstream", "https://app.internal"}, {"ca_file", "/ca.pem"}}}}};
  EXPECT_TRUE(parse(j).isOk());
  j["server"] = {{"origins", {{{"upstream", "http://app.internal"}, {"ca_file", "/ca.pem"}}}}};
  expectError(j, "server.origins[0].ca_file applies to an https:// upstream only");
  j["server"] = {{"origins", {{{"static", "/a"}}, {{"prefix", "/"}, {"static", "/b"}}}}};
  expectError(j, "server.origins[1].prefix \"/\" repeats server.origins[0].prefix");
  j["server"] = {{"log_level", "verbose"}};
  expectError(j, "server.log_level must be one of debug, info, warn, error");
  j["server"] = {{"max_header_bytes", 100}};
  expectError(j, "server.max_header_bytes must be at least 1024 bytes, got 100");
  j["server"] = {{"upgrade_idle_timeout", 0}};
  expectError(j, "server.upgrade_idle_timeout must be at least 1 s, got 0");
  j["server"] = {{"upgrade_idle_timeout", "2d"}};
  expectError(j, "server.upgrade_idle_timeout must be at most 86400 s, got 172800");
}

// server.tls: cert and key together, 1.2 or 1.3 (YAML's number 1.3 too),
// an https site_url; redirect_http only with tls.
TEST(Config, ServerTlsRules) {
  Json j = minimalCognito();
  j["server"] = {{"tls", {{"cert", "/c.pem"}, {"key", "/k.pem"}}}};
  ASSERT_TRUE(parse(j).isOk()) << parse(j).status().toString();
  EXPECT_EQ(parse(j)->server.tls.min_version, "1.2");
  j["server"]["tls"]["min_version"] = 1.3;
  EXPECT_EQ(parse(j)->server.tls.min_version, "1.3");
  j["server"]["tls"]["min_version"] = "1.0";
  expectError(j, "server.tls.min_version must be 1.2 or 1.3, got \"1.0\"");
  j["server"] = {{"tls", {{"cert", "/c.pem"}}}};
  expectError(j, "server.tls needs both cert and key");
  j["server"] = {{"tls", {{"cert", "/c.pem"}, {"key", "/k.pem"}}}, {"redirect_http", ":80"}};
  EXPECT_TRUE(parse(j).isOk());
  j["server"]["redirect_http"] = "80";
  expectError(j, "server.redirect_http must be host:port");
  j["server"] = {{"redirect_http", ":80"}};
  expectError(j, "server.redirect_http needs server.tls");
  j["site_url"] = "http://localhost:8080";
  j["server"] = {{"tls", {{"cert", "/c.pem"}, {"key", "/k.pem"}}}};
  expectError(j, "site_url must be https:// when server.tls is set");
}

// Path patterns start with '/' or '*'; a rule lists at least one group.
TEST(Config, PatternRules) {
  Json j = minimalCognito();
  j["public_paths"] = {"/ok", "health"};
  expectError(j, "public_paths[1] must start with '/' or '*', got \"health\"");
  j = minimalCognito();
  j["rules"] = {{{"path", "admin/*"}, {"groups", {"a"}}}};
  expectError(j, "rules[0].path must start with '/' or '*'");
  j["rules"] = {{{"path", "/admin/*"}}};
  expectError(j, "rules[0].groups must list at least one group");
  j["rules"] = {{{"path", "/admin/*"}, {"groups", "admin"}}};
  auto r = parse(j);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->rules[0].groups, std::vector<std::string>{"admin"});
}

// retry_after and cache bounds.
TEST(Config, MiscBounds) {
  Json j = minimalCognito();
  j["retry_after"] = 0;
  expectError(j, "retry_after must be at least 1 s, got 0");
  j = minimalCognito();
  j["cache"] = {{"ttl", "2d"}};
  expectError(j, "cache.ttl must be at most 86400 s, got 172800");
  j["cache"] = {{"ttl", 0}, {"negative_ttl", 0}, {"max_entries", 0}};
  EXPECT_TRUE(parse(j).isOk());
  j["cache"] = {{"max_entries", -1}};
  expectError(j, "cache.max_entries must be at least 0 entries, got -1");
}

// validate() can be called on a Config built in code (tests, env vars);
// what it derives comes from the canonical site_url.
TEST(Config, ValidateDirectly) {
  Config c;
  c.site_url = "HTTPS://A.Example/";
  c.session.signing_keys = {std::string(32, 'x')};
  c.provider.region = "eu-west-1";
  c.provider.user_pool_id = "eu-west-1_x";
  c.provider.domain = "auth.a.example";
  c.provider.client_id = "id";
  c.server.log_level = "warn";
  Result<ValidConfig> valid = validate(c);
  ASSERT_TRUE(valid.isOk()) << valid.status().toString();
  EXPECT_EQ(valid->site_url, "https://a.example");
  EXPECT_EQ(valid->siteHost(), "a.example");
  EXPECT_TRUE(valid->secureCookies());
  EXPECT_EQ(valid->logLevel(), LogLevel::kWarn);
  c.session.signing_keys.clear();
  EXPECT_FALSE(validate(c).isOk());
}

// readConfigJson reads fields (types and ranges checked) without the rules
// validate() adds, so a caller can adjust them first.
TEST(Config, ReadWithoutValidating) {
  Json j = minimalCognito();
  j.erase("site_url");
  Result<Config> read = readConfigJson(j.dump(), "barrier.yaml");
  ASSERT_TRUE(read.isOk()) << read.status().toString();
  EXPECT_FALSE(validate(*read).isOk());
  read->site_url = "https://www.example.com";
  EXPECT_TRUE(validate(*read).isOk());
  j["session"]["lifetime"] = 5;
  EXPECT_FALSE(readConfigJson(j.dump(), "barrier.yaml").isOk());
}

// The log levels are one list: parsing, naming and messages agree.
TEST(Config, LogLevelNames) {
  EXPECT_EQ(logLevelList(), "debug, info, warn, error");
  for (size_t i = 0; i < std::size(kLogLevelNames); ++i) {
    LogLevel level;
    ASSERT_TRUE(parseLogLevel(kLogLevelNames[i], level));
    EXPECT_EQ(static_cast<size_t>(level), i);
    EXPECT_EQ(logLevelName(level), kLogLevelNames[i]);
  }
  LogLevel level;
  EXPECT_FALSE(parseLogLevel("verbose", level));
}

// closestMatch: a typo finds its word, an unrelated word finds nothing.
TEST(Config, ClosestMatch) {
  std::vector<std::string> words{"lifetime", "login_lifetime", "cookie_name"};
  EXPECT_EQ(closestMatch("lifetim", words), "lifetime");
  EXPECT_EQ(closestMatch("LoginLifetime", words), "login_lifetime");
  EXPECT_EQ(closestMatch("cookie-name", words), "cookie_name");
  EXPECT_EQ(closestMatch("zebra", words), "");
}

}  // namespace
}  // namespace barrier
