// Shared by the credential sources' tests (aws_*_test.cpp): a private
// directory with the shared AWS files, sample files, and small helpers.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "adapters/aws_credentials.h"
#include "adapters/curl_http_client.h"
#include "core/aws/sigv4.h"
#include "tests/integration/support/aws_fake_http_server.h"
#include "tests/support/fixed_clock.h"

namespace barrier::aws_test {

namespace fs = std::filesystem;
using testing::FakeHttpRequest;
using testing::FakeHttpResponse;
using testing::FakeHttpServer;

// A private directory with the shared AWS files, removed afterwards.
class AwsFiles {
 public:
  AwsFiles() {
    dir_ = fs::temp_directory_path() /
           ("barrier-aws-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_ / ".aws");
  }
  ~AwsFiles() { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string home() const { return dir_.string(); }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

inline constexpr char kCredentialsFile[] = R"(
# comment
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secretdefault

[dev]
aws_access_key_id=AKIDDEV
aws_secret_access_key=secretdev
aws_session_token = tokendev
)";

inline constexpr char kConfigFile[] = R"(
[default]
region = eu-west-1

[profile ops]
region = eu-central-1
aws_access_key_id = AKIDOPS
aws_secret_access_key = secretops
s3 =
  max_concurrent_requests = 20
)";

// "2023-11-14T23:13:20Z" for epoch seconds.
inline std::string iso8601(int64_t t) {
  std::string d = amzDate(t);
  return d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2) + "T" + d.substr(9, 2) + ":" +
         d.substr(11, 2) + ":" + d.substr(13, 2) + "Z";
}

inline std::unique_ptr<CredentialsProvider> chainFor(EnvLookup env, std::string profile = "") {
  CredentialChainOptions o;
  o.env = std::move(env);
  o.profile = std::move(profile);
  return makeDefaultCredentialChain(o);
}

inline std::string credentialsJson(const std::string& key, const std::string& expiration) {
  return R"({"AccessKeyId":")" + key + R"(","SecretAccessKey":"sk","Token":"tok","Expiration":")" +
         expiration + R"("})";
}

inline CredentialChainOptions stsOptions(std::map<std::string, std::string> env) {
  CredentialChainOptions o;
  o.env = mapEnvironment(std::move(env));
  o.http = std::shared_ptr<HttpClient>(makeCurlHttpClient());
  o.clock = std::make_shared<FixedClock>(1700000000);
  return o;
}

}  // namespace barrier::aws_test
