// Role profiles (role_arn: AssumeRole signed with a source profile's or a
// credential_source's credentials, chains followed and loops refused, or
// AssumeRoleWithWebIdentity with web_identity_token_file) and the web
// identity of the environment (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN).
#include <cstdlib>

#include "adapters/aws_credential_sources.h"

namespace barrier {

namespace {

using namespace credentials_detail;

StsContext stsContext(const CredentialChainOptions& o) {
  StsContext context;
  context.timeout_ms = kFederationTimeoutMs;
  context.env = o.env;
  context.http = o.http;
  context.clock = o.clock;
  return context;
}

// A web identity token file's contents (the JWT), into `token`.
Status readToken(const std::string& path, const std::string& what, std::string& token) {
  if (!readWholeFile(path, token)) return Status::unavailable(what + ": cannot read " + path);
  token = trimmed(token);
  if (token.empty()) return Status::unavailable(what + ": " + path + " is empty");
  return Status();
}

// The credentials a role profile's AssumeRole is signed with.
Result<AwsCredentials> roleSource(std::string_view profile,
                                  std::map<std::string, std::string>& section,
                                  const CredentialChainOptions& o,
                                  std::vector<std::string>& chain) {
  const std::string what = "profile " + std::string(profile);
  const std::string& source_profile = section["source_profile"];
  const std::string& credential_source = section["credential_source"];
  if (!source_profile.empty() && !credential_source.empty()) {
    return Status::invalid(what + ": set source_profile or credential_source, not both");
  }
  if (!source_profile.empty()) {
    Result<AwsCredentials> source = profileCredentials(source_profile, o, true, chain);
    if (!source) {
      return Status(source.status().code(),
                    what + ": source_profile " + source_profile + ": " + source.status().message());
    }
    return source;
  }
  Result<AwsCredentials> source = Status::notFound("");
  if (credential_source == "Environment") {
    source = credentialsFromEnvironment(o.env);
  } else if (credential_source == "EcsContainer") {
    source = credentialsFromContainer(o.env, *o.http, o.container_timeout_ms);
  } else if (credential_source == "Ec2InstanceMetadata") {
    source = credentialsFromInstanceMetadata(o.env, *o.http, o.imds_timeout_ms);
  } else if (credential_source.empty()) {
    return Status::invalid(what + ": role_arn needs source_profile, credential_source or " +
                           "web_identity_token_file");
  } else {
    return Status::invalid(what + ": credential_source " + credential_source +
                           " is not Environment, Ec2InstanceMetadata or EcsContainer");
  }
  if (!source) {
    return Status(
        source.status().code() == Code::kNotFound ? Code::kUnavailable : source.status().code(),
        what + ": credential_source " + credential_source + ": " + source.status().message());
  }
  return source;
}

}  // namespace

namespace credentials_detail {

Result<AwsCredentials> roleCredentials(std::string_view profile,
                                       std::map<std::string, std::string>& section,
                                       const CredentialChainOptions& o,
                                       std::vector<std::string>& chain) {
  const std::string what = "profile " + std::string(profile);
  if (!section["mfa_serial"].empty()) {
    return Status::invalid(what + ": mfa_serial needs an MFA code, which barrier cannot ask " +
                           "for; put credentials from `aws sts assume-role --token-code` in " +
                           "the environment instead");
  }
  if (!o.http) return Status::unavailable(what + ": a role needs an HTTP client");
  if (chain.size() >= kMaxRoleChain) {
    return Status::invalid(what + ": more than " + std::to_string(kMaxRoleChain) +
                           " roles in a chain");
  }
  for (const std::string& seen : chain) {
    if (seen == profile) return Status::invalid(what + ": source_profile loops back to it");
  }
  AssumeRoleRequest request;
  request.role_arn = section["role_arn"];
  request.session_name = section["role_session_name"];
  request.external_id = section["external_id"];
  request.region = resolveRegion("", o.env, profile);
  if (const std::string& duration = section["duration_seconds"]; !duration.empty()) {
    char* end = nullptr;
    long value = std::strtol(duration.c_str(), &end, 10);
    if (*end != '\0' || value < 900 || value > 43200) {
      return Status::invalid(what + ": duration_seconds must be 900 to 43200, not " + duration);
    }
    request.duration_seconds = static_cast<int>(value);
  }
  Result<AwsCredentials> role = Status::notFound("");
  if (const std::string& file = section["web_identity_token_file"]; !file.empty()) {
    std::string token;
    if (Status read = readToken(file, what + ": web_identity_token_file", token); !read.isOk()) {
      return read;
    }
    role = assumeRoleWithWebIdentity(request, token, stsContext(o));
  } else {
    chain.emplace_back(profile);
    Result<AwsCredentials> source = roleSource(profile, section, o, chain);
    chain.pop_back();
    if (!source) return source.status();
    role = assumeRole(request, *source, stsContext(o));
  }
  if (!role) return Status(role.status().code(), what + ": " + role.status().message());
  role->source += " (profile " + std::string(profile) + ")";
  return role;
}

}  // namespace credentials_detail

Result<AwsCredentials> credentialsFromWebIdentity(const CredentialChainOptions& options) {
  CredentialChainOptions o = withDefaults(options);
  std::string file = envOr(o.env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  AssumeRoleRequest request;
  request.role_arn = envOr(o.env, "AWS_ROLE_ARN");
  if (file.empty() || request.role_arn.empty()) {
    return Status::notFound("AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN not set");
  }
  if (!o.http) return Status::unavailable("web identity: needs an HTTP client");
  request.session_name = envOr(o.env, "AWS_ROLE_SESSION_NAME");
  request.region = resolveRegion("", o.env, o.profile);
  std::string token;
  if (Status read = readToken(file, "AWS_WEB_IDENTITY_TOKEN_FILE", token); !read.isOk()) {
    return read;
  }
  Result<AwsCredentials> role = assumeRoleWithWebIdentity(request, token, stsContext(o));
  if (!role) return Status(role.status().code(), "web identity: " + role.status().message());
  role->source += " (web identity)";
  return role;
}

}  // namespace barrier
