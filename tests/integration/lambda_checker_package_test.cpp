// `barrier package checker`: the Lambda@Edge zip (handler.mjs, the wasm
// module, config.json, checker.settings). Uses stand-in handler and module files through
// --edge-dir and --wasm, so it tests the packaging, not the checker.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "core/config/checker_settings.h"
#include "deploy/templates.h"
#include "tests/integration/support/lambda_harness.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kConfigYaml = R"(site_url: https://www.example.com
session:
  cookie_name: sess
  signing_keys: ["bGFtYmRhLXRlc3Qtc2lnbmluZy1rZXktMDEyMzQ1Njc="]
provider:
  type: cognito
  region: eu-west-1
  user_pool_id: eu-west-1_AbCdEf123
  domain: auth.example.com
  client_id: client123
  client_secret: top-secret-client-secret
store:
  type: dynamodb
  table: sessions
  region: eu-west-1
server:
  listen: 127.0.0.1:9999
  log_level: warn
public_paths: ["/assets/*"]
)";

void writeFile(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class LambdaCheckerPackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() + "/edge");
    writeFile(dir_.path() + "/edge/handler.mjs", "export const handler = async (e) => e;\n");
    writeFile(dir_.path() + "/checker.wasm", std::string("\0asm\1\0\0\0", 8));
    writeFile(dir_.path() + "/barrier.yaml", kConfigYaml);
  }

  // Runs the packaging; returns exit code and combined output.
  std::pair<int, std::string> package(const std::string& out, const std::string& extra = "") {
    return lambdaRunShell(std::string(BARRIER_BINARY) + " package checker --config " + dir_.path() +
                          "/barrier.yaml --edge-dir " + dir_.path() + "/edge --wasm " +
                          dir_.path() + "/checker.wasm --out " + out + " " + extra + " 2>&1");
  }

  LambdaTempDir dir_;
};

// The zip holds the four files; config.json keeps the readable settings and
// drops the client secret, the signing keys and the gateway's settings;
// checker.settings holds what the module needs, signing keys included, and
// never the client secret.
TEST_F(LambdaCheckerPackageTest, ZipHoldsHandlerWasmAndConfigWithoutSecret) {
  auto [rc, out] = package(dir_.path() + "/out");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("barrier-checker.zip"), std::string::npos) << out;
  EXPECT_NE(out.find("bytes"), std::string::npos) << out;
  auto [unzip_rc, unzip_out] = lambdaRunShell(
      "unzip -q " + dir_.path() + "/out/barrier-checker.zip -d " + dir_.path() + "/x 2>&1");
  ASSERT_EQ(unzip_rc, 0) << unzip_out;
  EXPECT_EQ(readAll(dir_.path() + "/x/handler.mjs"), readAll(dir_.path() + "/edge/handler.mjs"));
  EXPECT_EQ(readAll(dir_.path() + "/x/barrier_checker.wasm"),
            readAll(dir_.path() + "/checker.wasm"));
  std::string config_text = readAll(dir_.path() + "/x/config.json");
  EXPECT_EQ(config_text.find("top-secret-client-secret"), std::string::npos);
  Json config = Json::parse(config_text);
  EXPECT_FALSE(config["provider"].contains("client_secret"));
  EXPECT_EQ(config["provider"]["client_id"], "client123");
  // The signing keys are in checker.settings alone, where the module reads them.
  EXPECT_FALSE(config["session"].contains("signing_keys"));
  EXPECT_EQ(config_text.find("bGFtYmRhLXRlc3Qtc2lnbmluZy1rZXkt"), std::string::npos);
  EXPECT_EQ(config["store"]["table"], "sessions");
  EXPECT_EQ(config["server"], Json({{"log_level", "warn"}}));
  EXPECT_EQ(config["public_paths"][0], "/assets/*");

  std::string settings = readAll(dir_.path() + "/x/checker.settings");
  EXPECT_EQ(settings.find("top-secret-client-secret"), std::string::npos);
  auto decoded = decodeCheckerSettings(settings);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_EQ(decoded->session.cookie_name, "sess");
  EXPECT_EQ(decoded->session.signing_keys.size(), 1u);
  EXPECT_EQ(decoded->server.log_level, "warn");
  EXPECT_EQ(decoded->public_paths, std::vector<std::string>{"/assets/*"});
  auto [list_rc, listing] =
      lambdaRunShell("unzip -Z1 " + dir_.path() + "/out/barrier-checker.zip 2>&1");
  ASSERT_EQ(list_rc, 0) << listing;
  EXPECT_EQ(listing, "barrier_checker.wasm\nchecker.settings\nconfig.json\nhandler.mjs\n");
  EXPECT_NE(out.find("4 files"), std::string::npos) << out;
}

// The function `barrier deploy` creates loads the module its template's
// Handler names ("FILE.EXPORT": FILE.mjs in the zip, exporting EXPORT);
// a name the zip does not hold fails every viewer request at the edge.
TEST_F(LambdaCheckerPackageTest, TemplateHandlerNamesTheZipsModule) {
  std::string text(embeddedTemplate(kCheckerTemplate));
  size_t at = text.find("Handler: ");
  ASSERT_NE(at, std::string::npos);
  std::string handler = text.substr(at + 9, text.find('\n', at) - at - 9);
  size_t dot = handler.find('.');
  ASSERT_NE(dot, std::string::npos) << handler;
  std::string module = handler.substr(0, dot) + ".mjs";
  std::string exported = handler.substr(dot + 1);

  std::string real = std::string(BARRIER_SOURCE_DIR) + "/src/edge/handler.mjs";
  fs::copy_file(real, dir_.path() + "/edge/handler.mjs", fs::copy_options::overwrite_existing);
  auto [rc, out] = package(dir_.path() + "/out");
  ASSERT_EQ(rc, 0) << out;
  auto [list_rc, listing] =
      lambdaRunShell("unzip -Z1 " + dir_.path() + "/out/barrier-checker.zip 2>&1");
  ASSERT_EQ(list_rc, 0) << listing;
  EXPECT_NE(listing.find(module + "\n"), std::string::npos) << handler << " in:\n" << listing;
  EXPECT_NE(
      readAll(dir_.path() + "/edge/" + module).find("export async function " + exported + "("),
      std::string::npos)
      << module << " does not export " << exported;
}

// The same inputs give the same bytes.
TEST_F(LambdaCheckerPackageTest, PackagingIsDeterministic) {
  ASSERT_EQ(package(dir_.path() + "/a").first, 0);
  ASSERT_EQ(package(dir_.path() + "/b").first, 0);
  EXPECT_TRUE(readAll(dir_.path() + "/a/barrier-checker.zip") ==
              readAll(dir_.path() + "/b/barrier-checker.zip"));
}

// Over Lambda@Edge's 1 MB limit the packaging fails and leaves no zip.
TEST_F(LambdaCheckerPackageTest, OverOneMegabyteFails) {
  // Incompressible bytes: deflate cannot bring them under the limit.
  std::mt19937_64 random(42);
  std::string big(3 * 1024 * 1024, '\0');
  for (char& c : big) c = static_cast<char>(random());
  writeFile(dir_.path() + "/checker.wasm", big);
  auto [rc, out] = package(dir_.path() + "/out");
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("1 MB"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir_.path() + "/out/barrier-checker.zip"));
}

// A missing handler or module is a clear error naming what to do.
TEST_F(LambdaCheckerPackageTest, MissingInputsAreNamed) {
  fs::remove(dir_.path() + "/edge/handler.mjs");
  auto [rc, out] = package(dir_.path() + "/out");
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("handler.mjs not found"), std::string::npos) << out;
  writeFile(dir_.path() + "/edge/handler.mjs", "export const handler = 1;\n");
  fs::remove(dir_.path() + "/checker.wasm");
  auto [rc2, out2] = package(dir_.path() + "/out");
  EXPECT_NE(rc2, 0);
  EXPECT_NE(out2.find("barrier_checker.wasm not found"), std::string::npos) << out2;
}

// The edge can only read DynamoDB, and needs the table's region spelled out.
TEST_F(LambdaCheckerPackageTest, StoreMustBeDynamoDbWithRegion) {
  std::string yaml = kConfigYaml;
  yaml.replace(yaml.find("type: dynamodb"), 14, "type: sqlite  ");
  writeFile(dir_.path() + "/barrier.yaml", yaml);
  auto [rc, out] = package(dir_.path() + "/out");
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("store.type must be dynamodb"), std::string::npos) << out;
}

}  // namespace
}  // namespace barrier::testing
