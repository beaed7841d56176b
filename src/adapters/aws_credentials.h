// Where AWS credentials, the region and service endpoints come from — the
// same places and order as the AWS CLI and SDKs, so a machine set up for
// `aws` works for barrier unchanged.
//
// Credential chain, first source that applies wins:
//   1. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
//   2. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+
//      AWS_ROLE_SESSION_NAME), exchanged with STS AssumeRoleWithWebIdentity
//      (EKS service accounts); the file is read again at each refresh
//   3. shared files: profile AWS_PROFILE (or "default") in
//      AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials, section [name]) and
//      AWS_CONFIG_FILE (~/.aws/config, section [profile name] / [default]),
//      the credentials file's values winning. A profile with role_arn is a
//      role: STS AssumeRole signed with the credentials of source_profile
//      (keys, or a role itself: chains are followed, loops refused) or of
//      credential_source (Environment, Ec2InstanceMetadata, EcsContainer),
//      or AssumeRoleWithWebIdentity with web_identity_token_file;
//      role_session_name, external_id and duration_seconds are honoured.
//      mfa_serial is refused (barrier cannot ask for a code). Otherwise the
//      profile's keys; else an SSO role (sso_account_id + sso_role_name,
//      the token `aws sso login` cached; aws_sso.h); else the output of
//      credential_process (credential_process.h).
//   4. container: AWS_CONTAINER_CREDENTIALS_FULL_URI or
//      http://169.254.170.2 + AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, with
//      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE / _TOKEN as Authorization
//   5. EC2 instance metadata (IMDSv2: token PUT, then role credentials),
//      with short timeouts so it fails fast off EC2; AWS_EC2_METADATA_DISABLED
//      =true skips it, AWS_EC2_METADATA_SERVICE_ENDPOINT moves it.
// STS calls go to the regional endpoint of the profile's (or AWS_REGION's)
// region, us-east-1 when none; AWS_ENDPOINT_URL_STS moves them.
// Not supported: refreshing an SSO token (barrier asks for `aws sso
// login` instead).
//
// Secrets (secret keys, session tokens, container tokens) are never put in
// a Status message or a log line.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/aws/sigv4.h"
#include "core/ports/clock.h"
#include "core/ports/http_client.h"
#include "core/status.h"

namespace barrier {

// Reads one environment variable; injectable so tests never touch the
// process environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
// The real environment (getenv); an empty value counts as unset.
EnvLookup processEnvironment();
// A fixed environment, for tests.
EnvLookup mapEnvironment(std::map<std::string, std::string> values);

// Supplies credentials to signers. Implementations are thread-safe.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Current credentials. kNotFound when no source has any, another non-ok
  // Status when a source that applies failed (unreadable file, container
  // endpoint down, ...).
  virtual Result<AwsCredentials> credentials() = 0;
};

struct CredentialChainOptions {
  EnvLookup env;        // default: processEnvironment()
  std::string profile;  // overrides AWS_PROFILE when set
  // For the sources that ask over HTTP (STS, container, instance metadata);
  // without one, web identity and role profiles fail, and the container and
  // instance-metadata sources are skipped.
  std::shared_ptr<HttpClient> http;
  std::shared_ptr<Clock> clock;  // default: the system clock
  int container_timeout_ms = 2000;
  int imds_timeout_ms = 1000;  // per request; off EC2 the connect simply times out
  // Credentials are refreshed this long before they expire.
  int64_t refresh_before_seconds = 300;
  // A failed lookup is remembered this long, so a request storm without
  // credentials does not probe instance metadata on every call.
  int64_t failure_cache_seconds = 5;
  // A failed refresh while the cached credentials are still valid (the
  // last refresh_before_seconds of their life) is tried again only after
  // this long. Callers are served the cached credentials meanwhile; the
  // one caller that runs a refresh waits for it (an unreachable STS costs
  // it up to ~20 s), so the pause bounds how many requests pay that, while
  // leaving several tries in a 300 s window.
  int64_t refresh_retry_seconds = 30;
};

// The chain above, with a thread-safe cache: static credentials are read
// once; expiring ones are refreshed `refresh_before_seconds` before expiry
// (the old ones are kept while still valid if a refresh fails, and the
// refresh is tried again after `refresh_retry_seconds`). While the cached
// credentials are valid, callers never wait for a refresh: one caller runs
// it, the others get the cached ones. Only when nothing valid is cached do
// callers wait, for the one refresh in progress.
std::unique_ptr<CredentialsProvider> makeDefaultCredentialChain(
    CredentialChainOptions options = {});
// Always the same credentials (tests, explicit configuration).
std::unique_ptr<CredentialsProvider> makeStaticCredentials(AwsCredentials credentials);

// The individual sources. Each returns kNotFound when it does not apply.
Result<AwsCredentials> credentialsFromEnvironment(const EnvLookup& env);
// The profile's credentials: its keys, or its role's (see the chain above).
// Uses options.env, .http, .clock and the timeouts; options.profile is
// ignored.
Result<AwsCredentials> credentialsFromProfile(std::string_view profile,
                                              const CredentialChainOptions& options);
Result<AwsCredentials> credentialsFromWebIdentity(const CredentialChainOptions& options);
Result<AwsCredentials> credentialsFromContainer(const EnvLookup& env, HttpClient& http,
                                                int timeout_ms);
Result<AwsCredentials> credentialsFromInstanceMetadata(const EnvLookup& env, HttpClient& http,
                                                       int timeout_ms);

// The profile in effect: `explicit_profile`, else AWS_PROFILE, else "default".
std::string activeProfile(const EnvLookup& env, std::string_view explicit_profile = "");

// Region, first non-empty of: `configured`, AWS_REGION, AWS_DEFAULT_REGION,
// the profile's `region` in the config file. "" when none.
std::string resolveRegion(std::string_view configured, const EnvLookup& env,
                          std::string_view profile = "");

// Endpoint URL for `service` (a signing name such as "dynamodb", "s3"),
// first non-empty of: `configured`, AWS_ENDPOINT_URL_<SERVICE> (upper case,
// '-' as '_'), AWS_ENDPOINT_URL. "" means the service's public endpoint.
std::string resolveEndpointOverride(std::string_view service, std::string_view configured,
                                    const EnvLookup& env);

// INI as the shared AWS files use it: [section] headers, key = value,
// '#'/';' comments, indented lines continuing a nested block (ignored).
using IniSections = std::map<std::string, std::map<std::string, std::string>>;
IniSections parseIni(std::string_view text);

}  // namespace barrier
