#include "deploy/plan.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/encoding.h"

namespace barrier {

namespace {

using Json = nlohmann::json;

std::string joinComma(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ',';
    out += i;
  }
  return out;
}

Json rulesJson(const Assembly& a) {
  Json rules = Json::array();
  for (const auto& r : a.rules) {
    Json rule = r.access;
    rule["path"] = r.path;
    if (!r.groups.empty()) rule["groups"] = r.groups;
    rules.push_back(std::move(rule));
  }
  return rules;
}

// What both functions' configurations share beyond paths and rules: the
// access fields (allow, headers, cors_preflight: as barrier.yaml reads
// them) and the site's other hosts.
void addSharedFields(const Assembly& a, Json& doc) {
  for (const char* key : {"allow", "headers", "cors_preflight"}) {
    if (a.access.contains(key)) doc[key] = a.access[key];
  }
  if (!a.allowed_hosts.empty()) doc["allowed_hosts"] = a.allowed_hosts;
  if (!a.cookie_domain.empty()) doc["session"]["cookie_domain"] = a.cookie_domain;
}

bool isSecretParameter(const std::string& key) { return key == "SigningKeys"; }

}  // namespace

Result<ManagerOutputs> managerOutputs(const StackInfo& stack) {
  ManagerOutputs out;
  const std::pair<const char*, std::string*> wanted[] = {{"ApiDomainName", &out.api_domain},
                                                         {"ApiPath", &out.api_path},
                                                         {"SessionTable", &out.table},
                                                         {"SessionTableArn", &out.table_arn},
                                                         {"SessionTableRegion", &out.table_region},
                                                         {"UserPoolClientId", &out.client_id}};
  for (const auto& [key, field] : wanted) {
    auto it = stack.outputs.find(key);
    if (it == stack.outputs.end() || it->second.empty()) {
      std::string message = "stack ";
      message += stack.name;
      message += " has no output ";
      message += key;
      message += "; was it created by barrier deploy?";
      return Status::notFound(message);
    }
    *field = it->second;
  }
  return out;
}

std::string formatInfoTable(const BarrierInfo& info) {
  const std::pair<const char*, const std::string*> rows[] = {
      {"Session Manager Origin Host", &info.origin_host},
      {"Session Manager Origin Path", &info.origin_path},
      {"Session Checker Function Arn", &info.checker_arn}};
  size_t value_width = 0;
  for (const auto& r : rows) value_width = std::max(value_width, r.second->size());
  const size_t name_width = 28;
  std::string rule(1, '+');
  rule.append(name_width + 2, '-');
  rule += '+';
  rule.append(value_width + 2, '-');
  rule += "+\n";
  std::string out = rule;
  for (const auto& [name, value] : rows) {
    std::string line = "| ";
    line += name;
    line += std::string(name_width - std::string_view(name).size(), ' ');
    line += " | ";
    line += *value;
    line += std::string(value_width - value->size(), ' ');
    line += " |\n";
    out += line;
    out += rule;
  }
  return out;
}

std::string formatInfoJson(const BarrierInfo& info) {
  // The reference tool's key order.
  nlohmann::ordered_json j = {{"SessionManagerOriginHost", info.origin_host},
                              {"SessionManagerOriginPath", info.origin_path},
                              {"SessionCheckerFunctionArn", info.checker_arn}};
  return j.dump();
}

std::string contentKey(const Assembly& a, const std::string& what, const std::string& sha256_hex) {
  std::string key = a.s3_prefix;
  key += "barrier-";
  key += what;
  key += '-';
  key += sha256_hex;
  key += ".zip";
  return key;
}

std::string signingKeyParameter(const Assembly& a) {
  std::string name = "/barrier/";
  name += a.stacks_prefix;
  name += "/signing-keys";
  return name;
}

std::string sessionTableParameter(const Assembly& a) {
  std::string name = "/barrier/";
  name += a.stacks_prefix;
  name += "/session-table";
  return name;
}

std::string originRequestPolicyParameter(const Assembly& a) {
  std::string name = "/barrier/";
  name += a.stacks_prefix;
  name += "/origin-request-policies";
  return name;
}

std::vector<std::string> recordedNames(std::string_view recorded) {
  std::vector<std::string> tables;
  while (!recorded.empty()) {
    size_t comma = recorded.find(',');
    std::string_view table = recorded.substr(0, comma);
    if (!table.empty()) tables.emplace_back(table);
    recorded.remove_prefix(comma == std::string_view::npos ? recorded.size() : comma + 1);
  }
  return tables;
}

std::string addRecordedName(std::string_view recorded, const std::string& table) {
  std::vector<std::string> tables = recordedNames(recorded);
  if (std::find(tables.begin(), tables.end(), table) == tables.end()) tables.push_back(table);
  return joinComma(tables);
}

std::string newSigningKey(Random& random) { return base64Encode(random.bytes(32)); }

SigningKeySet addPendingSigningKey(const SigningKeySet& current, Random& random) {
  SigningKeySet next = current;
  next.keys.push_back(newSigningKey(random));
  next.pending = true;
  return next;
}

SigningKeySet promotePendingSigningKey(const SigningKeySet& current) {
  if (!current.pending || current.keys.empty()) return current;
  SigningKeySet next;
  next.keys.push_back(current.keys.back());
  for (size_t i = 0; i + 1 < current.keys.size() && next.keys.size() < kMaxSigningKeys; ++i) {
    next.keys.push_back(current.keys[i]);
  }
  return next;
}

namespace {
constexpr std::string_view kPendingMark = "pending:";
}  // namespace

std::string encodeSigningKeys(const SigningKeySet& set) {
  std::string out;
  for (size_t i = 0; i < set.keys.size(); ++i) {
    if (i > 0) out += ',';
    if (set.pending && i + 1 == set.keys.size()) out += kPendingMark;
    out += set.keys[i];
  }
  return out;
}

Result<SigningKeySet> decodeSigningKeys(std::string_view text) {
  SigningKeySet set;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string_view key =
        text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (set.pending) return Status::invalid("a pending signing key must be the last");
    if (key.starts_with(kPendingMark)) {
      set.pending = true;
      key.remove_prefix(kPendingMark.size());
      if (key.empty()) return Status::invalid("a pending marker without a key");
    }
    if (!key.empty()) set.keys.emplace_back(key);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  if (set.keys.empty()) return Status::invalid("no signing key");
  return set;
}

std::string managerConfigJson(const Assembly& a) {
  Json doc = {{"session", {{"lifetime", a.session_lifetime}}},
              {"cache", {{"ttl", a.cache_ttl}}},
              {"public_paths", a.public_paths},
              {"rules", rulesJson(a)}};
  if (!a.required_groups.empty()) doc["provider"] = {{"required_groups", a.required_groups}};
  addSharedFields(a, doc);
  return doc.dump();
}

size_t managerEnvironmentBytes(const Assembly& a) {
  // What the template leaves to AWS, at its largest usual size: a
  // generated table name "<stack>-SessionTable-<13 characters>", a Cognito
  // client id (26) and secret (52, counted as 64); keys 44 bytes of base64.
  const size_t table = a.managerStackName().size() + std::string_view("-SessionTable-").size() + 13;
  const size_t client_id = 26, client_secret = 64;
  const size_t keys = (kMaxSigningKeys + 1) * 45 + std::string_view("pending:").size();
  const std::pair<std::string_view, size_t> variables[] = {
      {"BARRIER_SITE_URL", std::string_view("https://").size() + a.cloudfront_domain.size()},
      {"BARRIER_COOKIE_NAME", a.cookie_name.size()},
      {"BARRIER_SIGNING_KEYS", keys},
      {"BARRIER_TABLE", table},
      {"BARRIER_COGNITO_REGION", a.userPoolRegion().size()},
      {"BARRIER_COGNITO_USER_POOL_ID", a.user_pool_id.size()},
      {"BARRIER_COGNITO_DOMAIN", a.user_pool_domain.size()},
      {"BARRIER_CLIENT_ID", client_id},
      {"BARRIER_CLIENT_SECRET", client_secret},
      {"BARRIER_CONFIG_JSON", managerConfigJson(a).size()},
      {"BARRIER_LOG_LEVEL", a.log_level.size()}};
  size_t total = 0;
  for (const auto& [name, value] : variables) total += name.size() + value;
  return total;
}

Status checkManagerSizes(const Assembly& a) {
  const size_t config = managerConfigJson(a).size();
  const size_t environment = managerEnvironmentBytes(a);
  std::string what;
  if (config > kMaxParameterBytes) {
    what = "the session manager's settings (stack parameter ManagerConfigJson) come to " +
           std::to_string(config) + " bytes, over CloudFormation's " +
           std::to_string(kMaxParameterBytes) + " for a parameter";
  } else if (environment > kMaxEnvironmentBytes) {
    what = "the session manager's environment variables come to about " +
           std::to_string(environment) + " bytes, over Lambda's " +
           std::to_string(kMaxEnvironmentBytes) + " for all of them together";
  } else {
    return Status::ok();
  }
  // The keys that fill ManagerConfigJson, with what each takes.
  Json rules = rulesJson(a);
  Json paths = a.public_paths;
  Json groups = a.required_groups;
  return Status::invalid("assembly.yaml: " + what + "; shorten Rules (" +
                         std::to_string(rules.dump().size()) + " bytes), PublicPaths (" +
                         std::to_string(paths.dump().size()) + " bytes) or RequiredGroups (" +
                         std::to_string(groups.dump().size()) +
                         " bytes), e.g. one pattern such as /docs/* instead of a path per page");
}

std::vector<StackParameter> managerParameters(const Assembly& a, const std::string& code_bucket,
                                              const std::string& code_key,
                                              const std::vector<std::string>& signing_keys,
                                              bool managed_login) {
  return {{"UserPoolId", a.user_pool_id},
          {"UserPoolDomainName", a.user_pool_domain},
          {"CloudfrontDomainName", a.cloudfront_domain},
          {"ReadAttributes", joinComma(a.read_attributes)},
          {"WriteAttributes", joinComma(a.write_attributes)},
          {"SupportedIdentityProviders", joinComma(a.supported_identity_providers)},
          {"CookieName", a.cookie_name},
          {"CodeBucket", code_bucket},
          {"CodeKey", code_key},
          {"ManagerConfigJson", managerConfigJson(a)},
          {"SigningKeys", joinComma(signing_keys)},
          {"LogLevel", a.log_level},
          {"ThrottlingRateLimit", std::to_string(a.rate_limit)},
          {"ThrottlingBurstLimit", std::to_string(a.burst_limit)},
          {"ManagedLogin", managed_login ? "true" : "false"}};
}

std::string userPoolDomainKey(const Assembly& a) {
  std::string suffix = ".auth." + a.userPoolRegion() + ".amazoncognito.com";
  const std::string& domain = a.user_pool_domain;
  if (domain.size() > suffix.size() && domain.ends_with(suffix)) {
    return domain.substr(0, domain.size() - suffix.size());
  }
  return domain;
}

std::string checkerConfigJson(const Assembly& a, const ManagerOutputs& outputs,
                              const std::vector<std::string>& signing_keys) {
  Json provider = {{"type", "cognito"},
                   {"region", a.userPoolRegion()},
                   {"user_pool_id", a.user_pool_id},
                   {"domain", a.user_pool_domain},
                   {"client_id", outputs.client_id}};
  if (!a.required_groups.empty()) provider["required_groups"] = a.required_groups;
  std::string site_url = "https://";
  site_url += a.cloudfront_domain;
  Json doc = {
      {"site_url", site_url},
      {"session",
       {{"cookie_name", a.cookie_name},
        {"lifetime", a.session_lifetime},
        {"signing_keys", signing_keys}}},
      {"cache", {{"ttl", a.cache_ttl}}},
      {"provider", provider},
      {"store", {{"type", "dynamodb"}, {"table", outputs.table}, {"region", outputs.table_region}}},
      {"public_paths", a.public_paths},
      {"rules", rulesJson(a)},
      // The assembly's LogLevel must reach the edge too: handler.mjs
      // reads server.log_level from this file and the wasm module from
      // the checker.settings derived from it. Without it the checker
      // logs at "info" whatever LogLevel says. Only log_level is set:
      // the other server keys mean nothing at the edge.
      {"server", {{"log_level", a.log_level}}}};
  addSharedFields(a, doc);
  // Bearer tokens are the checker's alone: the manager's endpoints take
  // none, and its settings have 4 KB to fit in.
  if (a.access.contains("api")) doc["api"] = a.access["api"];
  return doc.dump(2) + "\n";
}

std::vector<StackParameter> checkerParameters(const std::string& code_bucket,
                                              const std::string& code_key,
                                              const std::string& code_hash,
                                              const ManagerOutputs& outputs) {
  return {{"CodeBucket", code_bucket},
          {"CodeKey", code_key},
          {"CodeHash", code_hash},
          {"SessionTableArn", outputs.table_arn}};
}

std::string describeParameters(const std::vector<StackParameter>& parameters) {
  std::string out;
  for (const auto& p : parameters) {
    out += "    ";
    out += p.key;
    out += " = ";
    out += isSecretParameter(p.key) ? std::string("****") : p.value;
    out += '\n';
  }
  return out;
}

}  // namespace barrier
