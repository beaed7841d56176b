#include "adapters/aws_credentials.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "adapters/curl_http_client.h"
#include "tests/integration/support/aws_fake_http_server.h"
#include "tests/support/fixed_clock.h"

namespace barrier {
namespace {

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

constexpr char kCredentialsFile[] = R"(
# comment
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secretdefault

[dev]
aws_access_key_id=AKIDDEV
aws_secret_access_key=secretdev
aws_session_token = tokendev
)";

constexpr char kConfigFile[] = R"(
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
std::string iso8601(int64_t t) {
  std::string d = amzDate(t);
  return d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2) + "T" + d.substr(9, 2) + ":" +
         d.substr(11, 2) + ":" + d.substr(13, 2) + "Z";
}

std::unique_ptr<CredentialsProvider> chainFor(EnvLookup env, std::string profile = "") {
  CredentialChainOptions o;
  o.env = std::move(env);
  o.profile = std::move(profile);
  return makeDefaultCredentialChain(o);
}

std::string credentialsJson(const std::string& key, const std::string& expiration) {
  return R"({"AccessKeyId":")" + key + R"(","SecretAccessKey":"sk","Token":"tok","Expiration":")" +
         expiration + R"("})";
}

// Environment keys win over every other source.
TEST(AwsCredentials, EnvironmentFirst) {
  AwsFiles files;
  files.write(".aws/credentials", kCredentialsFile);
  auto env = mapEnvironment({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                             {"AWS_SECRET_ACCESS_KEY", "secretenv"},
                             {"AWS_SESSION_TOKEN", "tokenenv"},
                             {"HOME", files.home()}});
  CredentialChainOptions o;
  o.env = env;
  auto c = makeDefaultCredentialChain(o)->credentials();
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->session_token, "tokenenv");
  EXPECT_EQ(c->source, "environment");
  // Half a key pair in the environment does not count.
  auto half = credentialsFromEnvironment(mapEnvironment({{"AWS_ACCESS_KEY_ID", "x"}}));
  EXPECT_EQ(half.status().code(), Code::kNotFound);
}

// Profiles come from ~/.aws/credentials ([name]) and ~/.aws/config
// ([profile name]); AWS_PROFILE picks one; the credentials file wins.
TEST(AwsCredentials, SharedFilesAndProfiles) {
  AwsFiles files;
  files.write(".aws/credentials", kCredentialsFile);
  files.write(".aws/config", kConfigFile);
  auto base = std::map<std::string, std::string>{{"HOME", files.home()}};
  auto c = chainFor(mapEnvironment(base))->credentials();
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(c->access_key_id, "AKIDDEFAULT");

  auto dev = base;
  dev["AWS_PROFILE"] = "dev";
  c = chainFor(mapEnvironment(dev))->credentials();
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(c->access_key_id, "AKIDDEV");
  EXPECT_EQ(c->session_token, "tokendev");

  c = chainFor(mapEnvironment(base), "ops")->credentials();
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(c->access_key_id, "AKIDOPS");
}

// AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move the files.
TEST(AwsCredentials, FileLocationsFromEnvironment) {
  AwsFiles files;
  files.write("creds", "[default]\naws_access_key_id=A1\naws_secret_access_key=S1\n");
  files.write("conf", "[profile x]\nregion = ap-south-1\n");
  auto env = mapEnvironment({{"HOME", "/nonexistent"},
                             {"AWS_SHARED_CREDENTIALS_FILE", files.path("creds")},
                             {"AWS_CONFIG_FILE", files.path("conf")},
                             {"AWS_PROFILE", "x"}});
  CredentialChainOptions options;
  options.env = env;
  EXPECT_EQ(credentialsFromProfile("default", options)->access_key_id, "A1");
  EXPECT_EQ(resolveRegion("", env), "ap-south-1");
}

// Region: configuration, then AWS_REGION, AWS_DEFAULT_REGION, the profile.
TEST(AwsCredentials, RegionOrder) {
  AwsFiles files;
  files.write(".aws/config", kConfigFile);
  std::map<std::string, std::string> vars{{"HOME", files.home()}};
  EXPECT_EQ(resolveRegion("", mapEnvironment(vars)), "eu-west-1");
  EXPECT_EQ(resolveRegion("", mapEnvironment(vars), "ops"), "eu-central-1");
  vars["AWS_DEFAULT_REGION"] = "us-west-1";
  EXPECT_EQ(resolveRegion("", mapEnvironment(vars)), "us-west-1");
  vars["AWS_REGION"] = "us-west-2";
  EXPECT_EQ(resolveRegion("", mapEnvironment(vars)), "us-west-2");
  EXPECT_EQ(resolveRegion("sa-east-1", mapEnvironment(vars)), "sa-east-1");
  EXPECT_EQ(resolveRegion("", mapEnvironment({{"HOME", "/nonexistent"}})), "");
}

// Endpoints: configuration, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL.
TEST(AwsCredentials, EndpointOverrides) {
  std::map<std::string, std::string> vars{{"AWS_ENDPOINT_URL", "http://all:1"}};
  EXPECT_EQ(resolveEndpointOverride("dynamodb", "", mapEnvironment(vars)), "http://all:1");
  vars["AWS_ENDPOINT_URL_DYNAMODB"] = "http://ddb:2";
  EXPECT_EQ(resolveEndpointOverride("dynamodb", "", mapEnvironment(vars)), "http://ddb:2");
  EXPECT_EQ(resolveEndpointOverride("s3", "", mapEnvironment(vars)), "http://all:1");
  EXPECT_EQ(resolveEndpointOverride("dynamodb", "http://cfg:3", mapEnvironment(vars)),
            "http://cfg:3");
  EXPECT_EQ(resolveEndpointOverride("dynamodb", "", mapEnvironment({})), "");
}

// Container credentials: the full URI is called with the token from the
// token file (which wins over the plain variable); expiry is parsed.
TEST(AwsCredentials, ContainerCredentialsWithTokenFile) {
  FakeHttpServer server([](const FakeHttpRequest& r) {
    if (r.headers.get("Authorization") != "Bearer from-file") return FakeHttpResponse{401, {}, ""};
    return FakeHttpResponse{200, {}, credentialsJson("AKIDCONTAINER", "2030-01-01T00:00:00Z")};
  });
  AwsFiles files;
  files.write("token", "Bearer from-file\n");
  auto env = mapEnvironment({{"HOME", "/nonexistent"},
                             {"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/creds"},
                             {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer plain"},
                             {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", files.path("token")}});
  CredentialChainOptions o;
  o.env = env;
  o.http = std::shared_ptr<HttpClient>(makeCurlHttpClient());
  auto c = makeDefaultCredentialChain(o)->credentials();
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "AKIDCONTAINER");
  EXPECT_EQ(c->session_token, "tok");
  EXPECT_EQ(c->expires_at, 1893456000);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/creds");
}

// Plain-http container URIs are refused unless they are loopback or the
// link-local agent: credentials must not cross a network in clear text.
TEST(AwsCredentials, ContainerUriMustBeLocalOrHttps) {
  auto http = makeCurlHttpClient();
  auto env = mapEnvironment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds"}});
  EXPECT_EQ(credentialsFromContainer(env, *http, 500).status().code(), Code::kInvalidArgument);
}

// Expiring credentials are cached, refreshed shortly before expiry, and
// the old ones kept while still valid if the refresh fails.
TEST(AwsCredentials, CachesAndRefreshesBeforeExpiry) {
  int64_t expiry = 1700003600;  // 2023-11-14T23:13:20Z
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
  FakeHttpServer server([&](const FakeHttpRequest&) {
    ++calls;
    if (fail) return FakeHttpResponse{500, {}, ""};
    return FakeHttpResponse{
        200, {}, credentialsJson("AKID" + std::to_string(calls.load()), iso8601(expiry))};
  });
  auto clock = std::make_shared<FixedClock>(1700000000);
  CredentialChainOptions o;
  o.env = mapEnvironment(
      {{"HOME", "/nonexistent"}, {"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/"}});
  o.http = std::shared_ptr<HttpClient>(makeCurlHttpClient());
  o.clock = clock;
  auto chain = makeDefaultCredentialChain(o);
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  EXPECT_EQ(calls.load(), 1);
  clock->set(expiry - 299);  // inside the 300 s refresh window
  expiry += 3600;
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID2");
  EXPECT_EQ(calls.load(), 2);
  clock->set(expiry - 100);
  fail = true;
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID2");  // still valid: kept
  clock->set(expiry + 1);
  EXPECT_FALSE(chain->credentials().isOk());  // expired and no refresh: an error
}

// A container-credentials source at `url` with a fixed clock; its
// timeout leaves room for a handler that holds a request back.
CredentialChainOptions containerOptions(const std::string& url,
                                        const std::shared_ptr<FixedClock>& clock) {
  CredentialChainOptions o;
  o.env = mapEnvironment({{"HOME", "/nonexistent"}, {"AWS_CONTAINER_CREDENTIALS_FULL_URI", url}});
  o.http = std::shared_ptr<HttpClient>(makeCurlHttpClient());
  o.clock = clock;
  o.container_timeout_ms = 20000;
  return o;
}

// In the refresh window a failing source costs one try: the cached
// credentials are answered, and the source is not asked again until
// refresh_retry_seconds have passed.
TEST(AwsCredentials, FailedRefreshBacksOff) {
  const int64_t expiry = 1700003600;
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
  FakeHttpServer server([&](const FakeHttpRequest&) {
    int n = ++calls;
    if (fail) return FakeHttpResponse{500, {}, ""};
    return FakeHttpResponse{200, {}, credentialsJson("AKID" + std::to_string(n), iso8601(expiry))};
  });
  auto clock = std::make_shared<FixedClock>(1700000000);
  CredentialChainOptions o = containerOptions(server.url() + "/", clock);
  o.refresh_retry_seconds = 30;
  auto chain = makeDefaultCredentialChain(o);
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  fail = true;
  const int64_t failed_at = expiry - 200;  // inside the 300 s refresh window
  clock->set(failed_at);
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");  // the try failed: cached
  EXPECT_EQ(calls.load(), 2);
  for (int64_t t : {failed_at, failed_at + 1, failed_at + 29}) {
    clock->set(t);
    EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
    EXPECT_EQ(calls.load(), 2) << "asked again " << t - failed_at << " s after a failure";
  }
  clock->set(failed_at + 30);  // the back-off is over: one more try
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  EXPECT_EQ(calls.load(), 3);
  fail = false;
  clock->set(failed_at + 60);
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID4");
}

// A gate a fake server's handler waits at until the test opens it.
class Gate {
 public:
  void open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Opens a gate when it goes out of scope, so that nothing stays blocked
// at it when a test fails early.
struct OpenOnExit {
  Gate& gate;
  ~OpenOnExit() { gate.open(); }
};

// Waits up to five seconds for `calls` to reach `n`.
bool reaches(const std::atomic<int>& calls, int n) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (calls.load() < n && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return calls.load() >= n;
}

// While one caller runs a slow refresh, another is answered the cached
// (still valid) credentials at once, and no second refresh starts.
TEST(AwsCredentials, SlowRefreshDoesNotHoldOthersUp) {
  const int64_t expiry = 1700003600;
  std::atomic<int> calls{0};
  Gate gate;
  FakeHttpServer server([&](const FakeHttpRequest&) {
    int n = ++calls;
    if (n > 1) gate.wait();
    return FakeHttpResponse{
        200, {}, credentialsJson("AKID" + std::to_string(n), iso8601(expiry + (n - 1) * 3600))};
  });
  auto clock = std::make_shared<FixedClock>(1700000000);
  auto chain = makeDefaultCredentialChain(containerOptions(server.url() + "/", clock));
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  clock->set(expiry - 100);  // inside the refresh window
  std::future<Result<AwsCredentials>> refresher;
  std::future<Result<AwsCredentials>> other;
  OpenOnExit opener{gate};  // before the futures' destructors wait for them
  refresher = std::async(std::launch::async, [&] { return chain->credentials(); });
  ASSERT_TRUE(reaches(calls, 2));  // the refresh is under way, held at the gate
  other = std::async(std::launch::async, [&] { return chain->credentials(); });
  ASSERT_EQ(other.wait_for(std::chrono::seconds(2)), std::future_status::ready)
      << "a caller waited for another's refresh although valid credentials were cached";
  EXPECT_EQ(other.get()->access_key_id, "AKID1");
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  EXPECT_EQ(calls.load(), 2);  // one refresh at a time
  gate.open();
  EXPECT_EQ(refresher.get()->access_key_id, "AKID2");
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID2");
  EXPECT_EQ(calls.load(), 2);
}

// With nothing valid cached, callers wait for the one refresh in progress
// and all get its credentials.
TEST(AwsCredentials, FirstLookupIsShared) {
  std::atomic<int> calls{0};
  Gate gate;
  FakeHttpServer server([&](const FakeHttpRequest&) {
    int n = ++calls;
    gate.wait();
    return FakeHttpResponse{
        200, {}, credentialsJson("AKID" + std::to_string(n), "2030-01-01T00:00:00Z")};
  });
  auto clock = std::make_shared<FixedClock>(1700000000);
  auto chain = makeDefaultCredentialChain(containerOptions(server.url() + "/", clock));
  std::future<Result<AwsCredentials>> first;
  std::future<Result<AwsCredentials>> second;
  OpenOnExit opener{gate};  // before the futures' destructors wait for them
  first = std::async(std::launch::async, [&] { return chain->credentials(); });
  ASSERT_TRUE(reaches(calls, 1));
  second = std::async(std::launch::async, [&] { return chain->credentials(); });
  EXPECT_EQ(second.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  gate.open();
  EXPECT_EQ(first.get()->access_key_id, "AKID1");
  EXPECT_EQ(second.get()->access_key_id, "AKID1");
  EXPECT_EQ(calls.load(), 1);
}

// An STS answer for `action` carrying `key`, expiring at `expires`.
std::string stsAnswer(const std::string& action, const std::string& key, int64_t expires) {
  return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + action +
         "Result><Credentials><AccessKeyId>" + key + "</AccessKeyId><SecretAccessKey>secret-" +
         key + "</SecretAccessKey><SessionToken>token-" + key + "</SessionToken><Expiration>" +
         iso8601(expires) + "</Expiration></Credentials></" + action + "Result></" + action +
         "Response>";
}

// A form field of an STS request body ("" when absent).
std::string formValue(const std::string& body, const std::string& name) {
  size_t at = ("&" + body).find("&" + name + "=");
  if (at == std::string::npos) return "";
  size_t start = at + name.size() + 1;
  return body.substr(start, body.find('&', start) - start);
}

// A stand-in STS: answers AssumeRole and AssumeRoleWithWebIdentity with
// credentials named after the call's number, and keeps the requests.
class FakeSts {
 public:
  FakeSts()
      : server_([this](const FakeHttpRequest& r) {
          std::string action = formValue(r.body, "Action");
          if (fail_) {
            return FakeHttpResponse{403,
                                    {{"Content-Type", "text/xml"}},
                                    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
                                    "</Code><Message>Not authorized</Message></Error>"
                                    "</ErrorResponse>"};
          }
          return FakeHttpResponse{200,
                                  {{"Content-Type", "text/xml"}},
                                  stsAnswer(action, "ASIA" + std::to_string(++calls_), 2000000000)};
        }) {}
  std::string url() { return server_.url(); }
  std::vector<FakeHttpRequest> requests() { return server_.requests(); }
  void fail() { fail_ = true; }

 private:
  std::atomic<int> calls_{0};
  std::atomic<bool> fail_{false};
  FakeHttpServer server_;
};

CredentialChainOptions stsOptions(std::map<std::string, std::string> env) {
  CredentialChainOptions o;
  o.env = mapEnvironment(std::move(env));
  o.http = std::shared_ptr<HttpClient>(makeCurlHttpClient());
  o.clock = std::make_shared<FixedClock>(1700000000);
  return o;
}

// EKS-style web identity: the token file's JWT goes to STS unsigned, the
// role's credentials come back with their expiry; the file is read again
// when they are refreshed (the kubelet rotates it).
TEST(AwsCredentials, WebIdentityFromEnvironment) {
  FakeSts sts;
  AwsFiles files;
  files.write("token", "eyJ.first.jwt\n");
  CredentialChainOptions o = stsOptions({{"HOME", "/nonexistent"},
                                         {"AWS_WEB_IDENTITY_TOKEN_FILE", files.path("token")},
                                         {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web"},
                                         {"AWS_ROLE_SESSION_NAME", "pod-1"},
                                         {"AWS_REGION", "eu-west-1"},
                                         {"AWS_ENDPOINT_URL_STS", sts.url()}});
  auto clock = std::static_pointer_cast<FixedClock>(o.clock);
  auto chain = makeDefaultCredentialChain(o);
  auto c = chain->credentials();
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "ASIA1");
  EXPECT_EQ(c->session_token, "token-ASIA1");
  EXPECT_EQ(c->expires_at, 2000000000);
  EXPECT_NE(c->source.find("web identity"), std::string::npos) << c->source;
  ASSERT_EQ(sts.requests().size(), 1u);
  FakeHttpRequest first = sts.requests()[0];
  EXPECT_EQ(first.method, "POST");
  EXPECT_EQ(formValue(first.body, "Action"), "AssumeRoleWithWebIdentity");
  EXPECT_EQ(formValue(first.body, "RoleArn"), "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb");
  EXPECT_EQ(formValue(first.body, "RoleSessionName"), "pod-1");
  EXPECT_EQ(formValue(first.body, "WebIdentityToken"), "eyJ.first.jwt");
  EXPECT_FALSE(first.headers.has("Authorization"));  // anonymous

  files.write("token", "eyJ.second.jwt\n");
  clock->set(2000000000 - 60);  // inside the refresh window
  EXPECT_EQ(chain->credentials()->access_key_id, "ASIA2");
  ASSERT_EQ(sts.requests().size(), 2u);
  EXPECT_EQ(formValue(sts.requests()[1].body, "WebIdentityToken"), "eyJ.second.jwt");
}

constexpr char kRoleConfig[] = R"(
[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = base
external_id = ext-42
duration_seconds = 1800
role_session_name = deployer
region = eu-central-1

[profile chained]
role_arn = arn:aws:iam::210987654321:role/next
source_profile = admin

[profile itself]
role_arn = arn:aws:iam::123456789012:role/self
source_profile = itself
aws_access_key_id = AKIDSELF
aws_secret_access_key = secretself

[profile loop-a]
role_arn = arn:aws:iam::123456789012:role/a
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::123456789012:role/b
source_profile = loop-a

[profile from-env]
role_arn = arn:aws:iam::123456789012:role/env
credential_source = Environment

[profile mfa]
role_arn = arn:aws:iam::123456789012:role/mfa
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile both]
role_arn = arn:aws:iam::123456789012:role/both
source_profile = base
credential_source = Environment

[profile nowhere]
role_arn = arn:aws:iam::123456789012:role/nowhere

[profile odd-source]
role_arn = arn:aws:iam::123456789012:role/odd
credential_source = Ec2Metadata

[profile long]
role_arn = arn:aws:iam::123456789012:role/long
source_profile = base
duration_seconds = 86400
)";

// A role profile: AssumeRole signed with source_profile's keys, with the
// profile's external id, duration and session name, at the profile's
// region; a role of a role signs with the first role's credentials.
TEST(AwsCredentials, RoleProfiles) {
  FakeSts sts;
  AwsFiles files;
  files.write(".aws/config", kRoleConfig);
  files.write(".aws/credentials",
              "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n");
  CredentialChainOptions o =
      stsOptions({{"HOME", files.home()}, {"AWS_ENDPOINT_URL_STS", sts.url()}});
  o.profile = "admin";
  auto c = makeDefaultCredentialChain(o)->credentials();
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "ASIA1");
  EXPECT_EQ(c->expires_at, 2000000000);
  EXPECT_NE(c->source.find("profile admin"), std::string::npos) << c->source;
  ASSERT_EQ(sts.requests().size(), 1u);
  FakeHttpRequest call = sts.requests()[0];
  EXPECT_EQ(formValue(call.body, "Action"), "AssumeRole");
  EXPECT_EQ(formValue(call.body, "ExternalId"), "ext-42");
  EXPECT_EQ(formValue(call.body, "DurationSeconds"), "1800");
  EXPECT_EQ(formValue(call.body, "RoleSessionName"), "deployer");
  std::string auth = call.headers.get("Authorization");
  EXPECT_NE(auth.find("Credential=AKIDBASE/20231114/eu-central-1/sts/aws4_request"),
            std::string::npos)
      << auth;

  c = credentialsFromProfile("chained", o);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "ASIA3");
  ASSERT_EQ(sts.requests().size(), 3u);
  EXPECT_NE(sts.requests()[2].headers.get("Authorization").find("Credential=ASIA2/"),
            std::string::npos);
  EXPECT_EQ(sts.requests()[2].headers.get("X-Amz-Security-Token"), "token-ASIA2");
  // No session name given: one is made up.
  EXPECT_EQ(formValue(sts.requests()[2].body, "RoleSessionName"), "barrier-1700000000");

  // A profile may be its own role's source: its keys sign.
  c = credentialsFromProfile("itself", o);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_NE(sts.requests().back().headers.get("Authorization").find("Credential=AKIDSELF/"),
            std::string::npos);

  // credential_source = Environment signs with the environment's keys.
  CredentialChainOptions with_env = stsOptions({{"HOME", files.home()},
                                                {"AWS_ENDPOINT_URL_STS", sts.url()},
                                                {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                                {"AWS_SECRET_ACCESS_KEY", "secretenv"}});
  c = credentialsFromProfile("from-env", with_env);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_NE(sts.requests().back().headers.get("Authorization").find("Credential=AKIDENV/"),
            std::string::npos);
}

// Role profiles that cannot work are refused with the profile and the
// reason, before any call; STS's own refusal keeps its words.
TEST(AwsCredentials, RoleProfileErrors) {
  FakeSts sts;
  AwsFiles files;
  files.write(".aws/config", kRoleConfig);
  files.write(".aws/credentials",
              "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n");
  CredentialChainOptions o =
      stsOptions({{"HOME", files.home()}, {"AWS_ENDPOINT_URL_STS", sts.url()}});
  auto refused = [&](const std::string& profile, const std::string& words) {
    auto c = credentialsFromProfile(profile, o);
    EXPECT_EQ(c.status().code(), Code::kInvalidArgument)
        << profile << ": " << c.status().toString();
    EXPECT_NE(c.status().message().find("profile " + profile), std::string::npos)
        << c.status().message();
    EXPECT_NE(c.status().message().find(words), std::string::npos) << c.status().message();
  };
  refused("loop-a", "loops back");
  refused("mfa", "mfa_serial");
  refused("both", "not both");
  refused("nowhere", "needs source_profile");
  refused("odd-source", "Ec2Metadata");
  refused("long", "duration_seconds");
  EXPECT_TRUE(sts.requests().empty());
  // No environment keys for credential_source = Environment.
  EXPECT_EQ(credentialsFromProfile("from-env", o).status().code(), Code::kUnavailable);

  sts.fail();
  auto denied = credentialsFromProfile("admin", o);
  EXPECT_EQ(denied.status().code(), Code::kPermissionDenied) << denied.status().toString();
  EXPECT_NE(denied.status().message().find("AccessDenied"), std::string::npos)
      << denied.status().message();
  EXPECT_EQ(denied.status().message().find("AKIDBASE"), std::string::npos);

  // A web identity token file that cannot be read names the file.
  CredentialChainOptions web = stsOptions({{"HOME", "/nonexistent"},
                                           {"AWS_WEB_IDENTITY_TOKEN_FILE", files.path("absent")},
                                           {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}});
  auto missing = credentialsFromWebIdentity(web);
  EXPECT_EQ(missing.status().code(), Code::kUnavailable);
  EXPECT_NE(missing.status().message().find(files.path("absent")), std::string::npos);
}

constexpr char kSsoConfig[] = R"(
[profile legacy]
sso_start_url = https://my-sso-portal.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 123456789012
sso_role_name = Deployer

[profile modern]
sso_session = corp
sso_account_id = 210987654321
sso_role_name = ReadOnly

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-2
sso_registration_scopes = sso:account:access

[profile half]
sso_session = corp
sso_account_id = 210987654321

[profile orphan]
sso_session = gone
sso_account_id = 1
sso_role_name = R
)";

// The stand-in SSO portal's GetRoleCredentials: role credentials for the
// token "aoa-good", 401 for any other.
FakeHttpResponse ssoPortalAnswer(const FakeHttpRequest& r) {
  if (r.headers.get("x-amz-sso_bearer_token") != "aoa-good") {
    return FakeHttpResponse{401, {}, R"({"message":"Session token not found or invalid"})"};
  }
  return FakeHttpResponse{
      200,
      {},
      R"({"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"s","sessionToken":"t","expiration":2000000000000}})"};
}

// SSO profiles, legacy and [sso-session]: the token `aws sso login` cached
// goes to the portal, which answers with the role's credentials. An
// expired or refused login says to log in again; incomplete settings are
// named.
TEST(AwsCredentials, SsoProfiles) {
  FakeHttpServer portal(ssoPortalAnswer);
  AwsFiles files;
  files.write(".aws/config", kSsoConfig);
  fs::create_directories(files.home() + "/.aws/sso/cache");
  auto cache = [&](const std::string& key_sha1, const std::string& token,
                   const std::string& expires) {
    files.write(".aws/sso/cache/" + key_sha1 + ".json",
                R"({"accessToken":")" + token + R"(","expiresAt":")" + expires + R"("})");
  };
  cache("c7aaaf71fcc8777ae2475525ed049d39fe16c484", "aoa-good",
        "2026-12-02T07:00:00Z");  // start URL
  cache("ee0bfd2552fbd840c02cc48b6e823320543c450f", "aoa-stale", "2026-12-02T07:00:00Z");  // "corp"
  CredentialChainOptions o =
      stsOptions({{"HOME", files.home()}, {"AWS_ENDPOINT_URL_SSO", portal.url()}});
  o.profile = "legacy";
  auto c = makeDefaultCredentialChain(o)->credentials();
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "ASIASSO");
  EXPECT_EQ(c->expires_at, 2000000000);
  ASSERT_EQ(portal.requests().size(), 1u);
  EXPECT_EQ(portal.requests()[0].method, "GET");
  EXPECT_EQ(portal.requests()[0].target,
            "/federation/credentials?account_id=123456789012&role_name=Deployer");

  auto refused = credentialsFromProfile("modern", o);
  EXPECT_EQ(refused.status().code(), Code::kUnauthenticated) << refused.status().toString();
  EXPECT_NE(refused.status().message().find("aws sso login --profile modern"), std::string::npos);
  EXPECT_EQ(refused.status().message().find("aoa-stale"), std::string::npos);
  EXPECT_NE(portal.requests().back().target.find("account_id=210987654321&role_name=ReadOnly"),
            std::string::npos);

  std::static_pointer_cast<FixedClock>(o.clock)->set(1796194800);  // the token's expiry
  auto expired = credentialsFromProfile("legacy", o);
  EXPECT_EQ(expired.status().code(), Code::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);

  auto half = credentialsFromProfile("half", o);
  EXPECT_EQ(half.status().code(), Code::kInvalidArgument);
  EXPECT_NE(half.status().message().find("sso_role_name"), std::string::npos);
  auto orphan = credentialsFromProfile("orphan", o);
  EXPECT_NE(orphan.status().message().find("[sso-session gone]"), std::string::npos);
}

// An [sso-session] login near its expiry is refreshed with its refresh
// token, as the AWS CLI does, and the new token is written back to the
// cache file (other fields kept, owner-only); a refused refresh of an
// expired login says to log in again, and a legacy login is never refreshed.
TEST(AwsCredentials, SsoRefresh) {
  std::atomic<int> refreshes{0};
  std::atomic<bool> refuse{false};
  FakeHttpServer sso([&](const FakeHttpRequest& r) {
    if (r.target == "/token") {
      ++refreshes;
      auto body = nlohmann::json::parse(r.body, nullptr, false);
      if (refuse || r.method != "POST" || body.value("grantType", "") != "refresh_token" ||
          body.value("refreshToken", "") != "refresh-1" || body.value("clientId", "") != "cid" ||
          body.value("clientSecret", "") != "csecret") {
        return FakeHttpResponse{400, {}, R"({"error":"invalid_grant"})"};
      }
      return FakeHttpResponse{
          200, {}, R"({"accessToken":"aoa-good","expiresIn":28800,"refreshToken":"refresh-2"})"};
    }
    return ssoPortalAnswer(r);
  });
  AwsFiles files;
  files.write(".aws/config", kSsoConfig);
  fs::create_directories(files.home() + "/.aws/sso/cache");
  const std::string corp = ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json";
  // The clock stands at 2023-11-14T22:13:20Z (1700000000).
  auto login = [&](const std::string& file, const std::string& expires) {
    files.write(file,
                R"({"startUrl":"https://corp.awsapps.com/start","region":"us-east-2",)"
                R"("accessToken":"aoa-old","expiresAt":")" +
                    expires +
                    R"(","refreshToken":"refresh-1","clientId":"cid",)"
                    R"("clientSecret":"csecret","registrationExpiresAt":"2024-02-01T00:00:00Z"})");
  };
  CredentialChainOptions o = stsOptions({{"HOME", files.home()},
                                         {"AWS_ENDPOINT_URL_SSO", sso.url()},
                                         {"AWS_ENDPOINT_URL_SSO_OIDC", sso.url()}});
  login(corp, "2023-11-14T22:23:20Z");  // ten minutes left: refreshed
  auto c = credentialsFromProfile("modern", o);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "ASIASSO");
  EXPECT_EQ(refreshes.load(), 1);
  std::ifstream in(files.path(corp));
  auto saved = nlohmann::json::parse(in, nullptr, false);
  EXPECT_EQ(saved.value("accessToken", ""), "aoa-good");
  EXPECT_EQ(saved.value("refreshToken", ""), "refresh-2");
  EXPECT_EQ(saved.value("expiresAt", ""), "2023-11-15T06:13:20Z");  // + 8 hours
  EXPECT_EQ(saved.value("startUrl", ""), "https://corp.awsapps.com/start");
  EXPECT_EQ(saved.value("clientSecret", ""), "csecret");
  EXPECT_EQ(fs::status(files.path(corp)).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  // The saved token is fresh: no second refresh.
  ASSERT_TRUE(credentialsFromProfile("modern", o).isOk());
  EXPECT_EQ(refreshes.load(), 1);

  // Expired, and the service refuses the refresh: log in again.
  login(corp, "2023-11-14T22:00:00Z");
  refuse = true;
  auto expired = credentialsFromProfile("modern", o);
  EXPECT_EQ(expired.status().code(), Code::kUnauthenticated) << expired.status().toString();
  EXPECT_NE(expired.status().message().find("could not be refreshed"), std::string::npos)
      << expired.status().message();
  EXPECT_NE(expired.status().message().find("aws sso login --profile modern"), std::string::npos);
  EXPECT_EQ(expired.status().message().find("refresh-1"), std::string::npos);
  EXPECT_EQ(expired.status().message().find("csecret"), std::string::npos);
  // A refused refresh before the expiry keeps the current token in use.
  files.write(corp, R"({"accessToken":"aoa-good","expiresAt":"2023-11-14T22:23:20Z",)"
                    R"("refreshToken":"refresh-1","clientId":"cid","clientSecret":"csecret",)"
                    R"("registrationExpiresAt":"2024-02-01T00:00:00Z"})");
  EXPECT_TRUE(credentialsFromProfile("modern", o).isOk());
  EXPECT_EQ(refreshes.load(), 3);
  // An expired client registration: no refresh is tried.
  refuse = false;
  files.write(corp, R"({"accessToken":"aoa-old","expiresAt":"2023-11-14T22:00:00Z",)"
                    R"("refreshToken":"refresh-1","clientId":"cid","clientSecret":"csecret",)"
                    R"("registrationExpiresAt":"2023-11-01T00:00:00Z"})");
  EXPECT_EQ(credentialsFromProfile("modern", o).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(refreshes.load(), 3);
  // A legacy profile's token is never refreshed.
  login(".aws/sso/cache/c7aaaf71fcc8777ae2475525ed049d39fe16c484.json", "2023-11-14T22:00:00Z");
  EXPECT_EQ(credentialsFromProfile("legacy", o).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(refreshes.load(), 3);
}

// credential_process in a profile: the command's credentials, quoting as a
// shell would read it.
TEST(AwsCredentials, CredentialProcessProfile) {
  AwsFiles files;
  files.write(
      "get creds",
      "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"s\"}'\n");
  fs::permissions(files.path("get creds"), fs::perms::owner_all);
  files.write(".aws/config", "[profile tool]\ncredential_process = \"" + files.path("get creds") +
                                 "\" --account 1\n");
  CredentialChainOptions o = stsOptions({{"HOME", files.home()}});
  o.profile = "tool";
  auto c = makeDefaultCredentialChain(o)->credentials();
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "AKIDPROC");
  EXPECT_EQ(c->source, "credential_process of profile tool");
}

// IMDSv2: a token PUT, then the role name, then the role's credentials,
// each carrying the token.
TEST(AwsCredentials, InstanceMetadataV2) {
  FakeHttpServer server([](const FakeHttpRequest& r) {
    if (r.method == "PUT" && r.target == "/latest/api/token") {
      if (r.headers.get("X-aws-ec2-metadata-token-ttl-seconds").empty()) {
        return FakeHttpResponse{400, {}, ""};
      }
      return FakeHttpResponse{200, {}, "imds-token"};
    }
    if (r.headers.get("X-aws-ec2-metadata-token") != "imds-token") {
      return FakeHttpResponse{401, {}, ""};
    }
    if (r.target == "/latest/meta-data/iam/security-credentials/") {
      return FakeHttpResponse{200, {}, "my-role\n"};
    }
    if (r.target == "/latest/meta-data/iam/security-credentials/my-role") {
      return FakeHttpResponse{
          200,
          {},
          R"({"Code":"Success",)" + credentialsJson("AKIDIMDS", "2030-01-01T00:00:00Z").substr(1)};
    }
    return FakeHttpResponse{404, {}, ""};
  });
  auto http = makeCurlHttpClient();
  auto env = mapEnvironment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()}});
  auto c = credentialsFromInstanceMetadata(env, *http, 1000);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "AKIDIMDS");
  EXPECT_EQ(server.requests().size(), 3u);
}

// Off EC2 the metadata source gives up fast and the chain reports that no
// source had credentials (kNotFound), without naming any secret.
TEST(AwsCredentials, NothingFoundFailsFast) {
  FakeHttpServer closed([](const FakeHttpRequest&) { return FakeHttpResponse{404, {}, ""}; });
  CredentialChainOptions o;
  o.env = mapEnvironment(
      {{"HOME", "/nonexistent"}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", closed.url()}});
  o.http = std::shared_ptr<HttpClient>(makeCurlHttpClient());
  auto start = std::chrono::steady_clock::now();
  auto c = makeDefaultCredentialChain(o)->credentials();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(c.status().code(), Code::kNotFound);
  EXPECT_NE(c.status().message().find("no AWS credentials found"), std::string::npos);
  auto disabled = mapEnvironment({{"AWS_EC2_METADATA_DISABLED", "true"}});
  EXPECT_EQ(credentialsFromInstanceMetadata(disabled, *o.http, 1000).status().code(),
            Code::kNotFound);
}

// The INI reader handles comments, spacing and nested blocks.
TEST(AwsCredentials, ParsesIni) {
  IniSections s = parseIni(kConfigFile);
  EXPECT_EQ(s["default"]["region"], "eu-west-1");
  EXPECT_EQ(s["profile ops"]["aws_access_key_id"], "AKIDOPS");
  EXPECT_EQ(s["profile ops"].count("max_concurrent_requests"), 0u);
}

}  // namespace
}  // namespace barrier
