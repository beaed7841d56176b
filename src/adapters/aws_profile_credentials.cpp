// A profile of the shared files: its role (aws_role_credentials.cpp), its
// keys, its SSO role (aws_sso.h) or its credential_process
// (credential_process.h).
#include "adapters/aws_credential_sources.h"
#include "adapters/aws_sso.h"
#include "adapters/credential_process.h"

namespace barrier {

namespace {

using namespace credentials_detail;

// An SSO profile's role (aws_sso.h), its portal settings from the profile
// or its [sso-session NAME] section.
Result<AwsCredentials> ssoCredentials(std::string_view profile,
                                      std::map<std::string, std::string>& section,
                                      const CredentialChainOptions& o) {
  const std::string what = "profile " + std::string(profile);
  SsoSettings sso;
  sso.profile = std::string(profile);
  sso.session_name = section["sso_session"];
  sso.account_id = section["sso_account_id"];
  sso.role_name = section["sso_role_name"];
  std::map<std::string, std::string>* portal = &section;
  std::optional<std::map<std::string, std::string>> session;
  if (!sso.session_name.empty()) {
    session = configSection(o.env, "sso-session " + sso.session_name);
    if (!session) {
      return Status::invalid(what + ": no [sso-session " + sso.session_name + "] in " +
                             configFilePath(o.env));
    }
    portal = &*session;
  }
  sso.start_url = (*portal)["sso_start_url"];
  sso.region = (*portal)["sso_region"];
  std::string missing;
  for (auto [name, value] : {std::pair{"sso_account_id", &sso.account_id},
                             {"sso_role_name", &sso.role_name},
                             {"sso_start_url", &sso.start_url},
                             {"sso_region", &sso.region}}) {
    if (value->empty()) missing += std::string(missing.empty() ? "" : ", ") + name;
  }
  if (!missing.empty()) return Status::invalid(what + ": an SSO profile needs " + missing);
  if (!o.http) return Status::unavailable(what + ": SSO needs an HTTP client");
  return ssoRoleCredentials(sso, ssoCachePath(envOr(o.env, "HOME", "."), sso), o.env, *o.http,
                            *o.clock, kFederationTimeoutMs);
}

bool isSsoProfile(std::map<std::string, std::string>& section) {
  return !section["sso_session"].empty() || !section["sso_start_url"].empty() ||
         !section["sso_account_id"].empty();
}

}  // namespace

namespace credentials_detail {

// A profile's credentials, the first that applies of: role_arn (for the
// active profile; a source profile's keys win over its role_arn, so a
// profile may name itself as its role's source), keys, SSO,
// credential_process.
Result<AwsCredentials> profileCredentials(std::string_view profile, const CredentialChainOptions& o,
                                          bool as_source, std::vector<std::string>& chain) {
  auto section = mergedProfile(o.env, profile);
  if (!section) return Status::notFound("profile " + std::string(profile) + " not found");
  AwsCredentials keys;
  keys.access_key_id = (*section)["aws_access_key_id"];
  keys.secret_access_key = (*section)["aws_secret_access_key"];
  keys.session_token = (*section)["aws_session_token"];
  keys.source = "profile " + std::string(profile);
  bool role = !(*section)["role_arn"].empty();
  if (role && !(as_source && keys.complete())) return roleCredentials(profile, *section, o, chain);
  if (keys.complete()) return keys;
  if (isSsoProfile(*section)) return ssoCredentials(profile, *section, o);
  if (const std::string& command = (*section)["credential_process"]; !command.empty()) {
    return credentialsFromProcess(command, kProcessTimeoutMs,
                                  "credential_process of profile " + std::string(profile));
  }
  return Status::notFound("profile " + std::string(profile) + " has no keys");
}

}  // namespace credentials_detail

Result<AwsCredentials> credentialsFromProfile(std::string_view profile,
                                              const CredentialChainOptions& options) {
  CredentialChainOptions o = withDefaults(options);
  std::vector<std::string> chain;
  return profileCredentials(profile, o, /*as_source=*/false, chain);
}

}  // namespace barrier
