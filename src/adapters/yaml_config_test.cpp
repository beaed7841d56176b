#include "adapters/yaml_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace barrier {
namespace {

constexpr char kValid[] = R"(# a complete, small configuration
site_url: https://www.example.com
session:
  lifetime: 8h
  signing_keys:
    - a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=
provider:
  type: cognito
  region: eu-west-1
  user_pool_id: eu-west-1_AbCdEf123
  domain: auth.example.com
  client_id: 4abc123
  client_secret: "0123"
store:
  type: memory
server:
  listen: "127.0.0.1:8080"
  trust_forwarded_proto: true
  origins:
    - prefix: /
      static: ./www
    - prefix: /api/
      upstream: http://127.0.0.1:3000
public_paths: [/favicon.ico, "/public/*"]
rules:
  - path: /admin/*
    groups: [admin]
retry_after: 10
)";

// A valid file loads with every kind of scalar typed correctly.
TEST(YamlConfig, LoadsValidText) {
  auto r = loadConfigText(kValid, "barrier.yaml");
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->session.lifetime, 8 * 3600);
  EXPECT_EQ(r->provider.client_id, "4abc123");
  EXPECT_EQ(r->provider.client_secret, "0123");
  EXPECT_EQ(r->store.type, StoreConfig::Type::kMemory);
  EXPECT_TRUE(r->server.trust_forwarded_proto);
  ASSERT_EQ(r->server.origins.size(), 2u);
  EXPECT_EQ(r->server.origins[1].upstream, "http://127.0.0.1:3000");
  EXPECT_EQ(r->public_paths, (std::vector<std::string>{"/favicon.ico", "/public/*"}));
  EXPECT_EQ(r->rules[0].groups, std::vector<std::string>{"admin"});
  EXPECT_EQ(r->retry_after, 10);
}

// Field errors carry the file, the line of the offending value and the field.
TEST(YamlConfig, ErrorsNameFileLineAndField) {
  std::string text = kValid;
  text.replace(text.find("lifetime: 8h"), 12, "lifetime: 5");
  auto r = loadConfigText(text, "barrier.yaml");
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message(), "barrier.yaml:4: session.lifetime must be at least 60 s, got 5");

  text = kValid;
  text.replace(text.find("static: ./www"), 13, "statik: ./www");
  r = loadConfigText(text, "conf/b.yaml");
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message(),
            "conf/b.yaml:21: server.origins[0].statik is not a known field; did you mean "
            "server.origins[0].static?");
}

// A missing required field points at its parent mapping's line.
TEST(YamlConfig, MissingFieldPointsAtParent) {
  std::string text = kValid;
  text.replace(text.find("  region: eu-west-1\n"), 20, "");
  auto r = loadConfigText(text, "barrier.yaml");
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message(),
            "barrier.yaml:8: provider.region is required when provider.type is cognito");
}

// YAML syntax errors are reported with the line, not thrown.
TEST(YamlConfig, SyntaxErrorsHaveLines) {
  auto r = loadConfigText("site_url: https://x.example\nsession: [unclosed\n", "bad.yaml");
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("bad.yaml:"), std::string::npos);
  EXPECT_NE(r.status().message().find("not valid YAML"), std::string::npos);
  r = loadConfigText("a: 1\n\tb: 2\n", "tab.yaml");
  EXPECT_FALSE(r.isOk());
}

// Duplicated keys are refused (YAML would silently keep one of them).
TEST(YamlConfig, RefusesDuplicateKeys) {
  auto r = loadConfigText("site_url: https://a.example\nsite_url: https://b.example\n", "d.yaml");
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message(), "d.yaml: line 2: site_url appears twice in the same mapping");
}

// Empty documents and non-mappings are explained.
TEST(YamlConfig, EmptyAndNonMapping) {
  auto r = loadConfigText("", "empty.yaml");
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message(),
            "empty.yaml: is empty; see the configuration section of README.md");
  r = loadConfigText("- a\n- b\n", "list.yaml");
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("list.yaml: must be a mapping of fields"), std::string::npos);
}

// Plain scalars: numbers, booleans and nulls are typed; quoted ones and
// yes/no or leading-zero numbers stay strings.
TEST(YamlConfig, ScalarTyping) {
  auto json = yamlConfigToJson(
      "a: 12\nb: -3\nc: true\nd: 'true'\ne: ~\nf:\ng: 0123\nh: yes\ni: 1.5\nj: \"12\"\nk: 5m\n",
      "t.yaml");
  ASSERT_TRUE(json.isOk()) << json.status().toString();
  auto j = nlohmann::json::parse(*json);
  EXPECT_EQ(j["a"], 12);
  EXPECT_EQ(j["b"], -3);
  EXPECT_EQ(j["c"], true);
  EXPECT_EQ(j["d"], "true");
  EXPECT_TRUE(j["e"].is_null());
  EXPECT_TRUE(j["f"].is_null());
  EXPECT_EQ(j["g"], "0123");
  EXPECT_EQ(j["h"], "yes");
  EXPECT_EQ(j["i"], 1.5);
  EXPECT_EQ(j["j"], "12");
  EXPECT_EQ(j["k"], "5m");
}

// A JSON file (the edge's config.json) loads through the same path.
TEST(YamlConfig, AcceptsJson) {
  auto json = yamlConfigToJson(kValid, "barrier.yaml");
  ASSERT_TRUE(json.isOk());
  auto r = loadConfigText(*json, "config.json");
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->siteHost(), "www.example.com");
}

// Files: read from disk; a missing file names the path and the reason.
TEST(YamlConfig, LoadsFiles) {
  auto dir =
      std::filesystem::temp_directory_path() / ("barrier-yaml-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "barrier.yaml";
  std::ofstream(file) << kValid;
  auto r = loadConfigFile(file.string());
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  // Relative file names are the configuration file's neighbours.
  EXPECT_EQ(r->server.origins[0].static_root, (dir / "www").string());
  std::string text = kValid;
  text.replace(text.find("type: memory"), 12, "type: sqlite\n  path: data/s.db");
  std::ofstream(file) << text;
  r = loadConfigFile(file.string());
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->store.path, (dir / "data/s.db").string());
  text.replace(text.find("path: data/s.db"), 15, "path: /var/lib/barrier/s.db");
  std::ofstream(file) << text;
  r = loadConfigFile(file.string());
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->store.path, "/var/lib/barrier/s.db");
  r = loadConfigFile((dir / "missing.yaml").string());
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("missing.yaml: cannot read: No such file"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

// store.tls's files are read when the file is loaded (as the store will
// read them): a relative name is the configuration file's neighbour, and a
// missing one is refused with the file's line, the field and the file.
TEST(YamlConfig, ReadsStoreTlsFiles) {
  auto dir =
      std::filesystem::temp_directory_path() / ("barrier-yaml-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "barrier.yaml";
  std::string text = kValid;
  text.replace(text.find("type: memory"), 12,
               "type: redis\n  url: rediss://127.0.0.1:6380\n  tls:\n    ca_file: ca.pem");
  std::ofstream(file) << text;
  auto r = loadConfigFile(file.string());
  ASSERT_FALSE(r.isOk());
  std::string ca = (dir / "ca.pem").string();
  EXPECT_NE(
      r.status().message().find("barrier.yaml:18: store.tls.ca_file: " + ca + ": cannot open"),
      std::string::npos)
      << r.status().message();
  // A plain redis:// store has no TLS files to read.
  text.replace(text.find("rediss://"), 9, "redis://");
  text.replace(text.find("  tls:\n    ca_file: ca.pem"), 26, "");
  std::ofstream(file) << text;
  r = loadConfigFile(file.string());
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  std::filesystem::remove_all(dir);
}

// Overrides (the command line's) replace the file's fields before they are
// read and validated: a bad value is refused like the file's own.
TEST(YamlConfig, OverridesAreReadAndValidated) {
  auto dir = std::filesystem::temp_directory_path() /
             ("barrier-yaml-overrides-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "barrier.yaml";
  std::ofstream(file) << kValid;
  using Json = nlohmann::json;
  auto r = loadConfigFile(file.string(),
                          Json{{"server", {{"listen", "127.0.0.1:0"}, {"log_level", "warn"}}}});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->server.listen, "127.0.0.1:0");
  EXPECT_EQ(r->logLevel(), LogLevel::kWarn);
  EXPECT_EQ(r->server.origins[0].static_root, (dir / "www").string()) << "file fields kept";
  r = loadConfigFile(file.string(), Json{{"server", {{"log_level", "verbose"}}}});
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("server.log_level must be one of debug, info, warn, error"),
            std::string::npos)
      << r.status().message();
  r = loadConfigFile(file.string(), Json{{"server", {{"threads", 5000}}}});
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("server.threads must be at most 1024"), std::string::npos)
      << r.status().message();
  std::filesystem::remove_all(dir);
}

// The README's example configuration is valid.
TEST(YamlConfig, ReadmeExampleIsValid) {
  std::ifstream in(std::string(BARRIER_SOURCE_DIR) + "/README.md");
  std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string start = "<!-- example:barrier.yaml -->\n```yaml\n";
  size_t begin = readme.find(start);
  if (begin == std::string::npos) GTEST_SKIP() << "README has no example block yet";
  begin += start.size();
  size_t end = readme.find("```", begin);
  auto r = loadConfigText(readme.substr(begin, end - begin), "README.md example");
  EXPECT_TRUE(r.isOk()) << r.status().toString();
}

}  // namespace
}  // namespace barrier
