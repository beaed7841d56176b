#include "core/config/checker_settings.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>

namespace barrier {
namespace {

// A 32-byte key made of `fill`, with a NUL and a high byte inside.
std::string rawKey(char fill) {
  std::string key(32, fill);
  key[3] = '\0';
  key[17] = '\xff';
  return key;
}

// A Config with every checker field away from its default,
// and names that need percent-encoding.
Config fullConfig() {
  Config c;
  c.site_url = "https://WWW.Example.com:8443/";
  EXPECT_TRUE(validateSiteUrl(c).isOk());
  c.session.cookie_name = "__Host-sess";
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes += static_cast<char>(i);
  c.session.signing_keys = {rawKey('a'), all_bytes, rawKey('\n')};
  c.session.idle_timeout = 1800;
  c.session.touch_interval = 30;
  c.cache = {60, 7, 1234};
  c.store.type = StoreConfig::Type::kDynamoDb;
  c.store.table = "sessions table";
  c.store.region = "eu-west-1";
  c.store.endpoint = "http://127.0.0.1:8000";
  c.server.log_level = "debug";
  c.retry_after = 9;
  c.public_paths = {"/assets/*", "/a b/\xc3\xbc*", "/100%", "/x,y"};
  c.rules = {{"/admin/*", {"admins", "ops team", "a,b", "50%", "\xc3\x9cnic\xc3\xb6"}},
             {"/nobody", {}},
             {"/empty-name", {""}},
             {"/two-empty", {"", ""}},
             {"*/report %", {"x"}}};
  return c;
}

// The smallest text decode accepts: every single-valued key, one key.
constexpr char kMinimal[] =
    "barrier-checker-settings 1\n"
    "site_url https%3A%2F%2Fwww.example.com\n"
    "session.cookie_name barrier\n"
    "session.signing_key YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE\n"
    "session.idle_timeout 0\n"
    "session.touch_interval 0\n"
    "cache.ttl 300\n"
    "cache.negative_ttl 5\n"
    "cache.max_entries 10000\n"
    "store.type dynamodb\n"
    "store.table barrier-sessions\n"
    "store.region eu-west-1\n"
    "store.endpoint \n"
    "server.log_level info\n"
    "retry_after 5\n"
    "end\n";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Decoding `text` fails with kInvalidArgument and a message holding `needle`.
void expectError(const std::string& text, const std::string& needle) {
  Result<ValidConfig> decoded = decodeCheckerSettings(text);
  ASSERT_FALSE(decoded.isOk()) << "expected an error containing: " << needle;
  EXPECT_EQ(decoded.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(decoded.status().message().rfind("checker.settings", 0), 0u)
      << decoded.status().message();
  EXPECT_NE(decoded.status().message().find(needle), std::string::npos)
      << "message: " << decoded.status().message() << "\nexpected: " << needle;
}

// One malformed case: kMinimal with `from` replaced by `to` is refused with
// a message holding `needle`.
struct Edit {
  const char* from;
  const char* to;
  const char* needle;
};

void expectErrors(std::initializer_list<Edit> edits) {
  for (const Edit& e : edits) {
    SCOPED_TRACE(std::string(e.from) + " -> " + e.to);
    expectError(replaced(kMinimal, e.from, e.to), e.needle);
  }
}

// Every field the edge checker reads survives encode -> decode, including
// spaces, commas, '%', UTF-8, empty group lists and key bytes with NUL.
TEST(CheckerSettings, RoundTripKeepsEveryCheckerField) {
  Config c = fullConfig();
  Result<ValidConfig> decoded = decodeCheckerSettings(encodeCheckerSettings(c));
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  const ValidConfig& d = *decoded;
  EXPECT_EQ(d.site_url, "https://www.example.com:8443");
  EXPECT_EQ(d.siteHost(), "www.example.com:8443");
  EXPECT_TRUE(d.secureCookies());
  EXPECT_EQ(d.logLevel(), LogLevel::kDebug);
  EXPECT_EQ(d.session.cookie_name, c.session.cookie_name);
  EXPECT_EQ(d.session.signing_keys, c.session.signing_keys);
  EXPECT_EQ(d.session.idle_timeout, 1800);
  EXPECT_EQ(d.session.touch_interval, 30);
  EXPECT_EQ(d.cache.ttl, 60);
  EXPECT_EQ(d.cache.negative_ttl, 7);
  EXPECT_EQ(d.cache.max_entries, 1234);
  EXPECT_EQ(d.store.type, StoreConfig::Type::kDynamoDb);
  EXPECT_EQ(d.store.table, c.store.table);
  EXPECT_EQ(d.store.region, c.store.region);
  EXPECT_EQ(d.store.endpoint, c.store.endpoint);
  EXPECT_EQ(d.server.log_level, "debug");
  EXPECT_EQ(d.retry_after, 9);
  EXPECT_EQ(d.public_paths, c.public_paths);
  ASSERT_EQ(d.rules.size(), c.rules.size());
  for (size_t i = 0; i < c.rules.size(); ++i) {
    EXPECT_EQ(d.rules[i].pattern, c.rules[i].pattern) << i;
    EXPECT_EQ(d.rules[i].groups, c.rules[i].groups) << i;
  }
  EXPECT_EQ(encodeCheckerSettings(d), encodeCheckerSettings(c));
}

// The idle settings are checked as validate() checks them (but against no
// lifetime, which is not the checker's).
TEST(CheckerSettings, RefusesIdleSettingsValidateRefuses) {
  expectErrors({
      {"session.idle_timeout 0", "session.idle_timeout 4", "session.idle_timeout must be 0"},
      {"session.touch_interval 0", "session.touch_interval 5",
       "session.touch_interval needs session.idle_timeout"},
      {"session.idle_timeout 0", "session.idle_timeout 2592001", "idle_timeout: not an integer"},
      {"session.idle_timeout 0\nsession.touch_interval 0",
       "session.idle_timeout 60\nsession.touch_interval 60", "must be shorter"},
  });
  Result<ValidConfig> ok = decodeCheckerSettings(
      replaced(kMinimal, "session.idle_timeout 0", "session.idle_timeout 2592000"));
  EXPECT_TRUE(ok.isOk()) << ok.status().message();
}

// The text itself: one line a field, values percent-encoded, keys base64url,
// a rule without groups has no second value, and `end` closes the file.
TEST(CheckerSettings, EncodesTheDocumentedFormat) {
  Config c;
  c.site_url = "http://localhost:8080";
  ASSERT_TRUE(validateSiteUrl(c).isOk());
  c.session.signing_keys = {std::string(32, 'a')};
  c.store.type = StoreConfig::Type::kDynamoDb;
  c.store.region = "eu-west-1";
  c.public_paths = {"/assets/*"};
  c.rules = {{"/admin/*", {"admins", "ops team"}}, {"/x", {}}};
  std::string expected = kMinimal;
  expected = replaced(expected, "https%3A%2F%2Fwww.example.com", "http%3A%2F%2Flocalhost%3A8080");
  expected = replaced(expected, "end\n",
                      "public_path %2Fassets%2F%2A\n"
                      "rule %2Fadmin%2F%2A admins,ops%20team\n"
                      "rule %2Fx\n"
                      "end\n");
  EXPECT_EQ(encodeCheckerSettings(c), expected);
  Result<ValidConfig> decoded = decodeCheckerSettings(expected);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  EXPECT_FALSE(decoded->secureCookies());
  EXPECT_EQ(decoded->siteHost(), "localhost:8080");
}

// Fields the checker does not read keep Config's defaults, and secrets other
// than the signing keys are never written.
TEST(CheckerSettings, OtherFieldsKeepDefaultsAndSecretsStayOut) {
  Config c = fullConfig();
  c.provider.client_secret = "client-secret-value";
  c.provider.client_id = "client-id-value";
  c.store.url = "redis://:store-password@host:6379";
  c.session.lifetime = 999;
  c.server.listen = "0.0.0.0:1";
  std::string text = encodeCheckerSettings(c);
  for (const char* absent : {"client-secret-value", "client-id-value", "store-password", "999"}) {
    EXPECT_EQ(text.find(absent), std::string::npos) << absent;
  }
  Result<ValidConfig> decoded = decodeCheckerSettings(text);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  const Config defaults;
  EXPECT_EQ(decoded->session.lifetime, defaults.session.lifetime);
  EXPECT_EQ(decoded->session.login_lifetime, defaults.session.login_lifetime);
  EXPECT_EQ(decoded->provider.client_id, "");
  EXPECT_EQ(decoded->provider.client_secret, "");
  EXPECT_EQ(decoded->store.url, "");
  EXPECT_EQ(decoded->store.path, defaults.store.path);
  EXPECT_EQ(decoded->server.listen, defaults.server.listen);
}

// A Config left at its defaults (plus the two required fields) round-trips.
TEST(CheckerSettings, DefaultsRoundTrip) {
  Result<ValidConfig> decoded = decodeCheckerSettings(kMinimal);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  Config c;
  c.site_url = "https://www.example.com";
  ASSERT_TRUE(validateSiteUrl(c).isOk());
  c.session.signing_keys = {std::string(32, 'a')};
  c.store.type = StoreConfig::Type::kDynamoDb;
  c.store.region = "eu-west-1";
  EXPECT_EQ(encodeCheckerSettings(c), kMinimal);
  EXPECT_EQ(encodeCheckerSettings(*decoded), kMinimal);
  EXPECT_EQ(decoded->cache.ttl, CacheConfig{}.ttl);
  EXPECT_TRUE(decoded->public_paths.empty());
  EXPECT_TRUE(decoded->rules.empty());
}

// Every store type is written by name and read back.
TEST(CheckerSettings, EveryStoreTypeRoundTrips) {
  for (auto type : {StoreConfig::Type::kMemory, StoreConfig::Type::kSqlite,
                    StoreConfig::Type::kRedis, StoreConfig::Type::kDynamoDb}) {
    Config c = fullConfig();
    c.store.type = type;
    Result<ValidConfig> decoded = decodeCheckerSettings(encodeCheckerSettings(c));
    ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
    EXPECT_EQ(decoded->store.type, type);
  }
  expectError(replaced(kMinimal, "store.type dynamodb", "store.type postgres"),
              "line 10: store.type: not one of memory, sqlite, redis, dynamodb");
}

// The header names the format and its version; anything else is refused.
TEST(CheckerSettings, RefusesABadHeaderOrEmptyInput) {
  expectError("", "checker.settings is empty");
  expectError("{\"site_url\":\"https://x\"}\n", "line 1: not a checker settings file");
  expectError(replaced(kMinimal, "settings 1", "settings"), "line 1: not a checker settings file");
  expectError(replaced(kMinimal, "settings 1", "settings 2"), "line 1: unsupported version \"2\"");
  expectError(replaced(kMinimal, "barrier-checker-settings 1\n", ""),
              "line 1: not a checker settings file");
}

// An unknown key is version skew, not something to skip.
TEST(CheckerSettings, RefusesUnknownKeys) {
  expectError(replaced(kMinimal, "end\n", "color blue\nend\n"), "line 16: unknown key \"color\"");
  expectError(replaced(kMinimal, "end\n", "color\nend\n"), "line 16: unknown key \"color\"");
  expectError(replaced(kMinimal, "end\n", "end value\n"), "line 16: end: takes no value");
}

// Single-valued keys are required exactly once; at least one signing key.
TEST(CheckerSettings, RefusesMissingAndRepeatedKeys) {
  expectError(replaced(kMinimal, "session.cookie_name barrier\n", ""),
              "checker.settings: session.cookie_name: missing");
  expectError(replaced(kMinimal, "store.endpoint \n", ""), "store.endpoint: missing");
  expectError(replaced(kMinimal, "session.signing_key YWFh", "x"), "line 4: unknown key");
  std::string no_key = kMinimal;
  no_key.erase(no_key.find("session.signing_key"),
               no_key.find("session.idle_timeout") - no_key.find("session.signing_key"));
  expectError(no_key, "checker.settings: session.signing_key: missing (at least one");
  expectError(replaced(kMinimal, "end\n", "retry_after 5\nend\n"),
              "line 16: retry_after: given twice");
  expectError(replaced(kMinimal, "end\n", "site_url https%3A%2F%2Fwww.example.com\nend\n"),
              "line 16: site_url: given twice");
}

// Integers are canonical decimal within the configuration's own ranges.
TEST(CheckerSettings, RefusesBadIntegers) {
  expectErrors({
      {"retry_after 5", "retry_after x", "line 15: retry_after: not an integer from 1 to 3600"},
      {"retry_after 5", "retry_after 0", "retry_after: not an integer"},
      {"retry_after 5", "retry_after -5", "retry_after: not an integer"},
      {"retry_after 5", "retry_after 05", "retry_after: not an integer"},
      {"retry_after 5", "retry_after ", "retry_after: not an integer"},
      {"cache.ttl 300", "cache.ttl 86401", "line 7: cache.ttl: not an integer from 0 to 86400"},
      {"cache.max_entries 10000", "cache.max_entries 100000001", "cache.max_entries: not an"},
      {"cache.max_entries 10000", "cache.max_entries 99999999999999999999999999999999",
       "cache.max_entries: not an integer"},
      {"cache.negative_ttl 5", "cache.negative_ttl 9223372036854775808",
       "cache.negative_ttl: not an integer"},
  });
  Result<ValidConfig> zero =
      decodeCheckerSettings(replaced(kMinimal, "cache.ttl 300", "cache.ttl 0"));
  ASSERT_TRUE(zero.isOk()) << zero.status().message();
  EXPECT_EQ(zero->cache.ttl, 0);
}

// Values hold only what percentEncode writes; escapes must be complete.
TEST(CheckerSettings, RefusesBadEncoding) {
  expectErrors({
      {"table barrier-sessions", "table a%2", "line 11: store.table: bad percent escape"},
      {"table barrier-sessions", "table a%G0", "store.table: bad percent escape"},
      {"table barrier-sessions", "table a/b", "store.table: unexpected character"},
      {"table barrier-sessions", "table a b", "store.table: needs exactly one value"},
      {"store.endpoint \n", "store.endpoint\n", "store.endpoint: needs exactly one value"},
      {"end\n", "rule %2Fa x,y%ZZ\nend\n", "rule: bad percent escape"},
      {"end\n", "rule\nend\n", "rule: needs a pattern"},
      {"end\n", "rule %2Fa x y\nend\n", "rule: needs a pattern"},
      {"end\n", "public_path %2Fa\xc3\xbc\nend\n", "public_path: unexpected character"},
  });
}

// The checks validate() makes on the checker's fields are made again.
TEST(CheckerSettings, RefusesValuesTheConfigWouldRefuse) {
  expectErrors({
      {"https%3A%2F%2Fwww", "http%3A%2F%2Fwww", "line 2: site_url must use https://"},
      {"site_url https%3A%2F%2Fwww.example.com", "site_url ", "site_url is required"},
      {"cookie_name barrier", "cookie_name bar%0D%0Arier",
       "line 3: session.cookie_name must be 1-64 letters"},
      {"log_level info", "log_level loud", "line 14: server.log_level must be one of"},
      {"YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE", "YWFh",
       "line 4: session.signing_key: must decode to at least 32 bytes"},
  });
  // The key's text is never echoed.
  Result<ValidConfig> bad = decodeCheckerSettings(
      replaced(kMinimal, "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE", "secret+key/="));
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("session.signing_key: not base64url"), std::string::npos);
  EXPECT_EQ(bad.status().message().find("secret"), std::string::npos);
}

// The site's other hosts reach the edge checker: session.cookie_domain and
// one allowed_host line each round-trip; the cookie domain is given once.
TEST(CheckerSettings, HostsRoundTrip) {
  Config c;
  c.site_url = "https://app.example.com";
  c.session.signing_keys = {rawKey('a')};
  c.session.cookie_domain = "example.com";
  c.allowed_hosts = {"docs.example.com", "api.example.com"};
  std::string text = encodeCheckerSettings(c);
  EXPECT_NE(text.find("\nsession.cookie_domain example.com\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nallowed_host docs.example.com\nallowed_host api.example.com\n"),
            std::string::npos);
  Result<ValidConfig> d = decodeCheckerSettings(text);
  ASSERT_TRUE(d.isOk()) << d.status().message();
  EXPECT_EQ(d->session.cookie_domain, "example.com");
  EXPECT_EQ(d->allowed_hosts, c.allowed_hosts);
  EXPECT_EQ(d->listedHost("Docs.Example.com"), "docs.example.com");
  Result<ValidConfig> twice = decodeCheckerSettings(
      replaced(text, "session.cookie_domain example.com",
               "session.cookie_domain example.com\nsession.cookie_domain example.com"));
  ASSERT_FALSE(twice.isOk());
  EXPECT_NE(twice.status().message().find("session.cookie_domain: given twice"), std::string::npos)
      << twice.status().message();
  EXPECT_FALSE(decodeCheckerSettings(replaced(text, "allowed_host docs.example.com",
                                              "allowed_host docs.example.com extra"))
                   .isOk());
}

// Line structure: '\n' only (CRLF is refused at line 1), every line ends in
// '\n', nothing after `end`, no empty lines, and `end` must be there.
TEST(CheckerSettings, RefusesBrokenLineStructure) {
  std::string crlf;
  for (char c : std::string(kMinimal)) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  expectError(crlf, "line 1: carriage return");
  expectError(replaced(kMinimal, "retry_after 5\n", "retry_after 5\r\n"),
              "line 15: carriage return");
  std::string unterminated = kMinimal;
  unterminated.pop_back();
  expectError(unterminated, "line 16: no newline at the end");
  expectError(std::string(kMinimal) + "\n", "line 17: text after the end line");
  expectError(std::string(kMinimal) + "retry_after 5\n", "line 17: text after the end line");
  expectError(replaced(kMinimal, "end\n", ""), "checker.settings: no end line");
  expectError(replaced(kMinimal, "end\n", "\nend\n"), "line 16: empty line");
  expectError(replaced(kMinimal, "retry_after 5\nend\n", "retry_"), "line 15: no newline");
}

// The packagers' helper encodes a valid config.json and refuses an invalid
// one with the configuration's own message.
TEST(CheckerSettings, FromConfigJsonUsesTheConfigsValidation) {
  const std::string json = R"({
    "site_url": "https://www.example.com",
    "session": {"cookie_name": "sess",
                "signing_keys": ["a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s="]},
    "provider": {"region": "eu-west-1", "user_pool_id": "eu-west-1_AbCdEf123",
                 "domain": "auth.example.com", "client_id": "client123",
                 "client_secret": "shh"},
    "store": {"type": "dynamodb", "table": "sessions", "region": "eu-west-1"},
    "rules": [{"path": "/admin/*", "groups": ["admins"]}]
  })";
  Result<std::string> text = checkerSettingsFromConfigJson(json);
  ASSERT_TRUE(text.isOk()) << text.status().message();
  Result<ValidConfig> config = parseConfigJson(json, "config.json");
  ASSERT_TRUE(config.isOk());
  EXPECT_EQ(*text, encodeCheckerSettings(*config));
  EXPECT_EQ(text->find("shh"), std::string::npos);
  Result<ValidConfig> decoded = decodeCheckerSettings(*text);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  EXPECT_EQ(decoded->session.signing_keys, config->session.signing_keys);

  std::string invalid = json;
  invalid.replace(invalid.find("https://www"), 11, "http://www");
  Result<std::string> refused = checkerSettingsFromConfigJson(invalid);
  ASSERT_FALSE(refused.isOk());
  EXPECT_EQ(refused.status().message(), parseConfigJson(invalid, "config.json").status().message());
  EXPECT_NE(refused.status().message().find("config.json: site_url must use https://"),
            std::string::npos)
      << refused.status().message();
}

// The fuzz target's seeds mean what their names say: valid-* decode,
// broken-* are refused.
TEST(CheckerSettings, SeedCorpusNamesTellValidFromBroken) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(BARRIER_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / "checker_settings";
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string name = entry.path().filename().string();
    Result<ValidConfig> decoded = decodeCheckerSettings(text);
    if (name.rfind("valid-", 0) == 0) {
      EXPECT_TRUE(decoded.isOk()) << name << ": " << decoded.status().message();
      ++seen;
    } else if (name.rfind("broken-", 0) == 0) {
      EXPECT_FALSE(decoded.isOk()) << name;
      ++seen;
    }
  }
  EXPECT_GE(seen, 6);
}

}  // namespace
}  // namespace barrier
