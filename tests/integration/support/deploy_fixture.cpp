#include "tests/integration/support/deploy_fixture.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "deploy/packager.h"

namespace barrier::testing {

namespace fs = std::filesystem;

namespace {

std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

CommandResult runBarrier(const std::vector<std::string>& args,
                         const std::vector<std::string>& env) {
  std::string base =
      (fs::temp_directory_path() / ("barrier-deploy-run-" + std::to_string(::getpid()))).string();
  std::string command = "env";
  for (const auto& e : env) command += " " + quote(e);
  command += " " + quote(BARRIER_BINARY);
  for (const auto& a : args) command += " " + quote(a);
  command += " >" + quote(base + ".out") + " 2>" + quote(base + ".err");
  CommandResult result;
  int status = std::system(command.c_str());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = slurp(base + ".out");
  result.err = slurp(base + ".err");
  fs::remove(base + ".out");
  fs::remove(base + ".err");
  return result;
}

DeployWorkspace::DeployWorkspace() {
  std::string pattern = (fs::temp_directory_path() / "barrier-deploy-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) != nullptr) dir_ = pattern;
}

DeployWorkspace::~DeployWorkspace() {
  std::error_code ignored;
  if (!dir_.empty()) fs::remove_all(dir_, ignored);
}

void DeployWorkspace::write(const std::string& name, const std::string& text) const {
  fs::create_directories(fs::path(path(name)).parent_path());
  std::ofstream(path(name), std::ios::binary) << text;
}

std::string DeployWorkspace::writeAssembly(const std::string& extra) const {
  std::string text = R"(StacksPrefix: Test
CookieName: barrier
Environment:
  AWSProfile: unused-with-env-credentials
  Region: eu-west-1
Packaging:
  S3Buckets:
    eu-west-1: artifacts-eu-west-1
    us-east-1: artifacts-us-east-1
  S3Prefix: barrier
Cognito_placeholder: x
)";
  // The Cloudfront block is written last so `extra` can extend it.
  replaceAll(text, "Cognito_placeholder: x\n", R"(CognitoUserPool:
  UserPoolId: eu-west-1_TestPool1
  DomainName: login.example.com
  UserPoolClientProperties:
    ReadAttributes: [email]
    WriteAttributes: [email]
    SupportedIdentityProviders: [COGNITO]
Session:
  Lifetime: 4h
PublicPaths: [/favicon.ico]
Cloudfront:
  DomainName: www.example.com
)");
  text += extra;
  write("assembly.yaml", text);
  return path("assembly.yaml");
}

void DeployWorkspace::writePackages(const std::string& checker_handler) const {
  auto zip = buildZip({{"bootstrap", "#!/bin/sh\necho stub\n"}});
  write("manager.zip", zip.isOk() ? zip.value() : std::string());
  write("checker/handler.mjs", checker_handler);
}

void DeployWorkspace::writeMotoTemplates() const {
  std::string manager = slurp(std::string(BARRIER_SOURCE_DIR) + "/deploy/session-manager.yaml");
  replaceAll(manager, "!GetAtt UserPoolClient.ClientSecret", "moto-has-no-user-pool-client");
  replaceAll(manager, "Value: !Ref UserPoolClient", "Value: moto-client-id");
  write("templates/session-manager.yaml", manager);
  write("templates/session-checker.yaml",
        slurp(std::string(BARRIER_SOURCE_DIR) + "/deploy/session-checker.yaml"));
}

std::vector<std::string> DeployWorkspace::deployArgs(const std::vector<std::string>& more) const {
  std::vector<std::string> args = {"deploy",
                                   "-f",
                                   path("assembly.yaml"),
                                   "--manager-zip",
                                   path("manager.zip"),
                                   "--checker-code",
                                   path("checker"),
                                   "--templates",
                                   path("templates"),
                                   "--poll-seconds",
                                   "0"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::vector<std::string> motoEnv(const std::string& endpoint) {
  return {
      "AWS_ACCESS_KEY_ID=testing",    "AWS_SECRET_ACCESS_KEY=testing",        "AWS_SESSION_TOKEN=",
      "AWS_ENDPOINT_URL=" + endpoint, "AWS_EC2_METADATA_DISABLED=true",       "AWS_PROFILE=",
      "AWS_CONFIG_FILE=/dev/null",    "AWS_SHARED_CREDENTIALS_FILE=/dev/null"};
}

}  // namespace barrier::testing
