// The credential chain's order, in one place (aws_credentials.h lists it),
// behind the cache (aws_credential_cache.h).
#include "adapters/aws_credential_cache.h"
#include "adapters/aws_credential_sources.h"
#include "adapters/system.h"

namespace barrier {

namespace credentials_detail {

CredentialChainOptions withDefaults(CredentialChainOptions o) {
  if (!o.env) o.env = processEnvironment();
  if (!o.clock) o.clock = std::shared_ptr<Clock>(makeSystemClock());
  return o;
}

}  // namespace credentials_detail

namespace {

using namespace credentials_detail;

// The first source that applies: each answers kNotFound when it does not.
Result<AwsCredentials> resolveChain(const CredentialChainOptions& o) {
  Result<AwsCredentials> env = credentialsFromEnvironment(o.env);
  if (env.isOk() || env.status().code() != Code::kNotFound) return env;
  Result<AwsCredentials> web = credentialsFromWebIdentity(o);
  if (web.isOk() || web.status().code() != Code::kNotFound) return web;
  std::string profile = activeProfile(o.env, o.profile);
  Result<AwsCredentials> file = credentialsFromProfile(profile, o);
  if (file.isOk() || file.status().code() != Code::kNotFound) return file;
  if (o.http) {
    Result<AwsCredentials> container =
        credentialsFromContainer(o.env, *o.http, o.container_timeout_ms);
    if (container.isOk() || container.status().code() != Code::kNotFound) return container;
    Result<AwsCredentials> imds =
        credentialsFromInstanceMetadata(o.env, *o.http, o.imds_timeout_ms);
    if (imds.isOk()) return imds;
  }
  return Status::notFound(
      "no AWS credentials found (tried AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE, "
      "profile '" +
      profile + "' in the shared files, container credentials and EC2 instance metadata)");
}

class StaticCredentials : public CredentialsProvider {
 public:
  explicit StaticCredentials(AwsCredentials c) : c_(std::move(c)) {}
  Result<AwsCredentials> credentials() override {
    if (!c_.complete()) return Status::notFound("no AWS credentials configured");
    return c_;
  }

 private:
  AwsCredentials c_;
};

}  // namespace

std::unique_ptr<CredentialsProvider> makeDefaultCredentialChain(CredentialChainOptions options) {
  CredentialChainOptions o = withDefaults(std::move(options));
  return std::make_unique<CachedCredentials>([o] { return resolveChain(o); }, o);
}

std::unique_ptr<CredentialsProvider> makeStaticCredentials(AwsCredentials credentials) {
  return std::make_unique<StaticCredentials>(std::move(credentials));
}

}  // namespace barrier
