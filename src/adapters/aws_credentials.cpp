#include "adapters/aws_credentials.h"

#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "adapters/aws_sso.h"
#include "adapters/aws_sts.h"
#include "adapters/credential_process.h"
#include "adapters/system.h"
#include "core/http/loopback.h"
#include "core/http/message.h"

namespace barrier {

namespace {

// An owning copy of trimWhitespace(): the callers keep the result.
std::string trimmed(std::string_view s) { return std::string(trimWhitespace(s)); }

constexpr char kContainerHost[] = "http://169.254.170.2";
constexpr char kImdsDefault[] = "http://169.254.169.254";

std::string envOr(const EnvLookup& env, std::string_view name, std::string fallback = "") {
  auto v = env(name);
  return v && !v->empty() ? *v : fallback;
}

bool readWholeFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

std::string homePath(const EnvLookup& env, const char* rest) {
  return envOr(env, "HOME", ".") + rest;
}

std::string credentialsFilePath(const EnvLookup& env) {
  return envOr(env, "AWS_SHARED_CREDENTIALS_FILE", homePath(env, "/.aws/credentials"));
}

std::string configFilePath(const EnvLookup& env) {
  return envOr(env, "AWS_CONFIG_FILE", homePath(env, "/.aws/config"));
}

// The section of `profile` in a file: [name] in credentials, [profile name]
// (or [default]) in config. nullptr when absent or the file is unreadable.
std::optional<std::map<std::string, std::string>> profileSection(const std::string& path,
                                                                 std::string_view profile,
                                                                 bool config_file) {
  std::string text;
  if (!readWholeFile(path, text)) return std::nullopt;
  IniSections sections = parseIni(text);
  std::string name(profile);
  if (config_file && profile != "default") name = "profile " + name;
  auto it = sections.find(name);
  if (it == sections.end() && config_file && profile == "default") {
    it = sections.find("profile default");
  }
  if (it == sections.end()) return std::nullopt;
  return it->second;
}

// Section `name` of the config file exactly as written ("sso-session x").
std::optional<std::map<std::string, std::string>> configSection(const EnvLookup& env,
                                                                const std::string& name) {
  std::string text;
  if (!readWholeFile(configFilePath(env), text)) return std::nullopt;
  IniSections sections = parseIni(text);
  auto it = sections.find(name);
  if (it == sections.end()) return std::nullopt;
  return it->second;
}

// A profile's settings from both files, the credentials file's winning;
// nullopt when neither file has the profile.
std::optional<std::map<std::string, std::string>> mergedProfile(const EnvLookup& env,
                                                                std::string_view profile) {
  auto merged = profileSection(configFilePath(env), profile, true);
  if (auto credentials = profileSection(credentialsFilePath(env), profile, false)) {
    if (!merged) merged.emplace();
    for (auto& [key, value] : *credentials) (*merged)[key] = value;
  }
  return merged;
}

CredentialChainOptions withDefaults(CredentialChainOptions o) {
  if (!o.env) o.env = processEnvironment();
  if (!o.clock) o.clock = std::shared_ptr<Clock>(makeSystemClock());
  return o;
}

// Each STS or SSO portal call; a credential_process as a whole (it may
// prompt on the terminal).
constexpr int kFederationTimeoutMs = 5000;
constexpr int kProcessTimeoutMs = 60000;

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

// Profiles being resolved as a role's source, outermost first: a profile
// met again while resolving its own role is a loop.
constexpr size_t kMaxRoleChain = 8;

Result<AwsCredentials> profileCredentials(std::string_view profile, const CredentialChainOptions& o,
                                          bool as_source, std::vector<std::string>& chain);

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

// The role of a profile with role_arn.
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

// The JSON both the container endpoint and IMDS answer with.
Result<AwsCredentials> parseCredentialsJson(std::string_view body, const char* source) {
  auto doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::unavailable(std::string(source) + ": answer is not a JSON object");
  }
  auto field = [&](const char* name) -> std::string {
    auto it = doc.find(name);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
  };
  if (auto code = field("Code"); !code.empty() && code != "Success") {
    return Status::unavailable(std::string(source) + ": answered Code " + code);
  }
  AwsCredentials c;
  c.access_key_id = field("AccessKeyId");
  c.secret_access_key = field("SecretAccessKey");
  c.session_token = field("Token");
  c.source = source;
  std::string expiration = field("Expiration");
  if (!c.complete()) return Status::unavailable(std::string(source) + ": answer lacks keys");
  if (!expiration.empty() && !parseIso8601(expiration, c.expires_at)) {
    return Status::unavailable(std::string(source) + ": unreadable Expiration");
  }
  return c;
}

// Plain http is acceptable only to the link-local container agent or
// loopback: anything else could be read or spoofed on the way.
bool allowedContainerUrl(const std::string& url) {
  UrlParts parts;
  if (!splitUrl(url, parts)) return false;
  if (parts.scheme == "https") return true;
  std::string host = parts.authority.substr(0, parts.authority.rfind(':'));
  if (parts.authority.starts_with("["))
    host = parts.authority.substr(0, parts.authority.find(']') + 1);
  return host == "169.254.170.2" || host == "169.254.170.23" || host == "[fd00:ec2::23]" ||
         isLoopbackHost(host);
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

// The chain with its cache. mu_ guards the state below it; a refresh runs
// outside mu_ (refreshing_ marks it) so that callers holding valid
// credentials never wait for STS, a credential_process or IMDS. Only when
// nothing valid is cached does a caller wait for the refresh in progress
// (cv_) or run one itself.
class DefaultChain : public CredentialsProvider {
 public:
  explicit DefaultChain(CredentialChainOptions o) : o_(withDefaults(std::move(o))) {}

  Result<AwsCredentials> credentials() override {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      int64_t now = o_.clock->now();
      if (cached_ &&
          (cached_->expires_at == 0 || cached_->expires_at - now > o_.refresh_before_seconds)) {
        return *cached_;
      }
      if (cached_ && cached_->expires_at > now) {
        // In the refresh window: still valid, so never wait. Someone else is
        // refreshing, or the last try failed not long ago: use what we have.
        bool backing_off = failed_at_ && now - *failed_at_ < o_.refresh_retry_seconds;
        if (refreshing_ || backing_off) return *cached_;
        return refresh(lock);
      }
      if (failed_at_ && now - *failed_at_ < o_.failure_cache_seconds) return failure_;
      if (!refreshing_) return refresh(lock);
      // Nothing valid to give: wait for the refresh in progress, then look again.
      cv_.wait(lock, [this] { return !refreshing_; });
    }
  }

 private:
  // Runs resolve() with mu_ released (`lock` holds it on entry and exit),
  // then records the outcome: new credentials, or the failure and its time
  // (the back-off for the next try). Answers the new credentials, else the
  // cached ones while still valid, else the failure.
  Result<AwsCredentials> refresh(std::unique_lock<std::mutex>& lock) {
    refreshing_ = true;
    lock.unlock();
    // Relocks and clears refreshing_ however resolve() ends, so that
    // waiters are never left waiting for a refresh that is over.
    struct Done {
      DefaultChain& chain;
      std::unique_lock<std::mutex>& lock;
      ~Done() {
        lock.lock();
        chain.refreshing_ = false;
        chain.cv_.notify_all();
      }
    };
    Result<AwsCredentials> fresh = Status::internal("not resolved");
    {
      Done done{*this, lock};
      fresh = resolve();
    }
    int64_t now = o_.clock->now();
    if (fresh) {
      cached_ = fresh.value();
      failed_at_.reset();
      return fresh;
    }
    failed_at_ = now;
    failure_ = fresh.status();
    // Keep serving credentials that are still valid when a refresh fails.
    if (cached_ && cached_->expires_at > now) return *cached_;
    cached_.reset();
    return fresh;
  }

 private:
  Result<AwsCredentials> resolve() {
    Result<AwsCredentials> env = credentialsFromEnvironment(o_.env);
    if (env.isOk() || env.status().code() != Code::kNotFound) return env;
    Result<AwsCredentials> web = credentialsFromWebIdentity(o_);
    if (web.isOk() || web.status().code() != Code::kNotFound) return web;
    std::string profile = activeProfile(o_.env, o_.profile);
    Result<AwsCredentials> file = credentialsFromProfile(profile, o_);
    if (file.isOk() || file.status().code() != Code::kNotFound) return file;
    if (o_.http) {
      Result<AwsCredentials> container =
          credentialsFromContainer(o_.env, *o_.http, o_.container_timeout_ms);
      if (container.isOk() || container.status().code() != Code::kNotFound) return container;
      Result<AwsCredentials> imds =
          credentialsFromInstanceMetadata(o_.env, *o_.http, o_.imds_timeout_ms);
      if (imds.isOk()) return imds;
    }
    return Status::notFound(
        "no AWS credentials found (tried AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE, "
        "profile '" +
        profile + "' in the shared files, container credentials and EC2 instance metadata)");
  }

  CredentialChainOptions o_;
  std::mutex mu_;
  std::condition_variable cv_;  // signalled when a refresh ends
  bool refreshing_ = false;
  std::optional<AwsCredentials> cached_;
  // The last failed refresh: when, and why.
  std::optional<int64_t> failed_at_;
  Status failure_;
};

}  // namespace

EnvLookup processEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v || !*v) return std::nullopt;
    return std::string(v);
  };
}

EnvLookup mapEnvironment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

IniSections parseIni(std::string_view text) {
  IniSections out;
  std::string section;
  bool have_section = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    // Indented lines belong to a nested block (e.g. s3 = ...); not needed here.
    bool indented = !raw.empty() && (raw[0] == ' ' || raw[0] == '\t');
    std::string line = trimmed(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trimmed(std::string_view(line).substr(1, line.size() - 2));
      have_section = true;
      out[section];
      continue;
    }
    if (!have_section || indented) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    out[section][trimmed(std::string_view(line).substr(0, eq))] =
        trimmed(std::string_view(line).substr(eq + 1));
  }
  return out;
}

std::string activeProfile(const EnvLookup& env, std::string_view explicit_profile) {
  if (!explicit_profile.empty()) return std::string(explicit_profile);
  return envOr(env, "AWS_PROFILE", "default");
}

Result<AwsCredentials> credentialsFromEnvironment(const EnvLookup& env) {
  AwsCredentials c;
  c.access_key_id = envOr(env, "AWS_ACCESS_KEY_ID");
  c.secret_access_key = envOr(env, "AWS_SECRET_ACCESS_KEY");
  c.session_token = envOr(env, "AWS_SESSION_TOKEN");
  c.source = "environment";
  if (!c.complete()) return Status::notFound("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set");
  return c;
}

Result<AwsCredentials> credentialsFromProfile(std::string_view profile,
                                              const CredentialChainOptions& options) {
  CredentialChainOptions o = withDefaults(options);
  std::vector<std::string> chain;
  return profileCredentials(profile, o, /*as_source=*/false, chain);
}

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

Result<AwsCredentials> credentialsFromContainer(const EnvLookup& env, HttpClient& http,
                                                int timeout_ms) {
  std::string url = envOr(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  std::string relative = envOr(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  if (url.empty() && relative.empty()) return Status::notFound("no container credentials");
  if (url.empty()) url = kContainerHost + relative;
  if (!allowedContainerUrl(url)) {
    return Status::invalid(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback/link-local http URL");
  }
  HttpClientRequest request;
  request.url = url;
  request.timeout_ms = timeout_ms;
  std::string token;
  if (std::string file = envOr(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); !file.empty()) {
    if (!readWholeFile(file, token)) {
      return Status::unavailable("container credentials: cannot read " + file);
    }
    token = trimmed(token);
  } else {
    token = envOr(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  // A token with CR/LF would inject headers: refuse it.
  if (token.find_first_of("\r\n") != std::string::npos) {
    return Status::invalid("container credentials: authorization token contains a line break");
  }
  if (!token.empty()) request.headers.add("Authorization", token);
  Result<HttpClientResponse> response = http.send(request);
  if (!response) {
    return Status(response.status().code(),
                  "container credentials: " + response.status().message());
  }
  if (response->status != 200) {
    return Status::unavailable("container credentials: HTTP " + std::to_string(response->status));
  }
  return parseCredentialsJson(response->body, "container credentials");
}

Result<AwsCredentials> credentialsFromInstanceMetadata(const EnvLookup& env, HttpClient& http,
                                                       int timeout_ms) {
  std::string disabled = envOr(env, "AWS_EC2_METADATA_DISABLED");
  if (disabled == "true" || disabled == "TRUE" || disabled == "1") {
    return Status::notFound("instance metadata disabled");
  }
  std::string base = envOr(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT", kImdsDefault);
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpClientRequest token_request;
  token_request.method = "PUT";
  token_request.url = base + "/latest/api/token";
  token_request.headers.add("X-aws-ec2-metadata-token-ttl-seconds", "21600");
  token_request.timeout_ms = timeout_ms;
  Result<HttpClientResponse> token = http.send(token_request);
  if (!token || token->status != 200 || token->body.empty()) {
    return Status::notFound("instance metadata: no IMDSv2 token");
  }
  HttpClientRequest role_request;
  role_request.url = base + "/latest/meta-data/iam/security-credentials/";
  role_request.headers.add("X-aws-ec2-metadata-token", trimmed(token->body));
  role_request.timeout_ms = timeout_ms;
  Result<HttpClientResponse> role = http.send(role_request);
  if (!role || role->status != 200) return Status::notFound("instance metadata: no role");
  std::string name = trimmed(std::string_view(role->body).substr(0, role->body.find('\n')));
  if (name.empty() || name.find_first_of("/?#") != std::string::npos) {
    return Status::notFound("instance metadata: no role");
  }
  role_request.url += name;
  Result<HttpClientResponse> creds = http.send(role_request);
  if (!creds || creds->status != 200) {
    return Status::unavailable("instance metadata: role credentials unavailable");
  }
  return parseCredentialsJson(creds->body, "instance metadata");
}

std::unique_ptr<CredentialsProvider> makeDefaultCredentialChain(CredentialChainOptions options) {
  return std::make_unique<DefaultChain>(std::move(options));
}

std::unique_ptr<CredentialsProvider> makeStaticCredentials(AwsCredentials credentials) {
  return std::make_unique<StaticCredentials>(std::move(credentials));
}

std::string resolveRegion(std::string_view configured, const EnvLookup& env,
                          std::string_view profile) {
  if (!configured.empty()) return std::string(configured);
  if (auto r = envOr(env, "AWS_REGION"); !r.empty()) return r;
  if (auto r = envOr(env, "AWS_DEFAULT_REGION"); !r.empty()) return r;
  auto section = profileSection(configFilePath(env), activeProfile(env, profile), true);
  if (section) return (*section)["region"];
  return "";
}

std::string resolveEndpointOverride(std::string_view service, std::string_view configured,
                                    const EnvLookup& env) {
  if (!configured.empty()) return std::string(configured);
  std::string name = "AWS_ENDPOINT_URL_";
  for (char c : service) {
    if (c == '-' || c == ' ') {
      name += '_';
    } else if (c >= 'a' && c <= 'z') {
      name += static_cast<char>(c - 'a' + 'A');
    } else {
      name += c;
    }
  }
  if (auto v = envOr(env, name); !v.empty()) return v;
  return envOr(env, "AWS_ENDPOINT_URL");
}

}  // namespace barrier
