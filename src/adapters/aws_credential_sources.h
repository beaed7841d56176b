// Internal to the credential sources (aws_credentials.h is their public
// face): the helpers several sources share. One file per source:
//   aws_environment.cpp          environment variables, region, endpoints
//   aws_shared_files.cpp         ~/.aws/credentials and ~/.aws/config (INI)
//   aws_profile_credentials.cpp  a profile: keys, SSO, credential_process
//   aws_role_credentials.cpp     role profiles (chained) and web identity
//   aws_container_credentials.cpp  the ECS/EKS container endpoint
//   aws_instance_metadata.cpp    EC2 instance metadata (IMDSv2)
//   aws_credential_chain.cpp     the chain's order, in one place
//   aws_credential_cache.cpp     the thread-safe cache in front of it
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/aws_credentials.h"
#include "adapters/aws_sts.h"

namespace barrier::credentials_detail {

// Each STS or SSO portal call; a credential_process as a whole (it may
// prompt on the terminal).
constexpr int kFederationTimeoutMs = 5000;
constexpr int kProcessTimeoutMs = 60000;

// An owning copy of trimWhitespace(): the callers keep the result.
std::string trimmed(std::string_view s);
// The variable's value, or `fallback` when unset or empty.
std::string envOr(const EnvLookup& env, std::string_view name, std::string fallback = "");
bool readWholeFile(const std::string& path, std::string& out);
// The options with env and clock filled in where unset.
CredentialChainOptions withDefaults(CredentialChainOptions o);

using ProfileSection = std::map<std::string, std::string>;

std::string configFilePath(const EnvLookup& env);
// The section of `profile` in a file: [name] in credentials, [profile name]
// (or [default]) in config. nullopt when absent or the file is unreadable.
std::optional<ProfileSection> profileSection(const std::string& path, std::string_view profile,
                                             bool config_file);
// Section `name` of the config file exactly as written ("sso-session x").
std::optional<ProfileSection> configSection(const EnvLookup& env, const std::string& name);
// A profile's settings from both files, the credentials file's winning;
// nullopt when neither file has the profile.
std::optional<ProfileSection> mergedProfile(const EnvLookup& env, std::string_view profile);

// Profiles being resolved as a role's source, outermost first: a profile
// met again while resolving its own role is a loop.
using RoleChain = std::vector<std::string>;
constexpr size_t kMaxRoleChain = 8;

// A profile's credentials (aws_profile_credentials.cpp); `as_source` when
// it signs another profile's role.
Result<AwsCredentials> profileCredentials(std::string_view profile, const CredentialChainOptions& o,
                                          bool as_source, RoleChain& chain);
// The role of a profile with role_arn (aws_role_credentials.cpp).
Result<AwsCredentials> roleCredentials(std::string_view profile, ProfileSection& section,
                                       const CredentialChainOptions& o, RoleChain& chain);

// The JSON both the container endpoint and IMDS answer with.
Result<AwsCredentials> parseCredentialsJson(std::string_view body, const char* source);

}  // namespace barrier::credentials_detail
