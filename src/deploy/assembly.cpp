// Reading assembly.yaml: yaml-cpp builds the tree (its exceptions are caught
// here and become a Status), then small typed readers check each key. The
// first problem wins; every message names the key and says how to fix it.
#include "deploy/assembly.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "adapters/yaml_config.h"
#include "core/config/config.h"
#include "core/ports/log.h"

namespace barrier {

namespace {

int editDistance(std::string_view a, std::string_view b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int up = row[j];
      int cost = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                         std::tolower(static_cast<unsigned char>(b[j - 1]))
                     ? 0
                     : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = up;
    }
  }
  return row[b.size()];
}

bool matches(std::string_view s, bool (*ok)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), ok);
}
bool isLowerAlnumDash(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}
bool isHostChar(char c) { return isLowerAlnumDash(c) || c == '.'; }
bool isBucketChar(char c) { return isHostChar(c); }
bool isCookieChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}
bool isUpperAlnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// "eu-west-1", "us-gov-west-1", "ap-southeast-3".
bool isHostName(std::string_view h) {
  return matches(h, isHostChar) && h.find('.') != std::string_view::npos && h.front() != '.' &&
         h.back() != '.' && h.find("..") == std::string_view::npos && h.size() <= 253;
}

// "300", "300s", "45m", "8h", "2d".
bool parseSeconds(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  int64_t unit = 1;
  char last = text.back();
  if (last == 's' || last == 'm' || last == 'h' || last == 'd') {
    unit = last == 's' ? 1 : last == 'm' ? 60 : last == 'h' ? 3600 : 86400;
    text.remove_suffix(1);
  }
  if (text.empty() || text.size() > 9) return false;
  int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  out = n * unit;
  return true;
}

// A whole number from 1 to 10000.
bool parseLimit(std::string_view text, int64_t& out) {
  int64_t n = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, n);
  if (error != std::errc() || stop != end || n < 1 || n > 10000) return false;
  out = n;
  return true;
}

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}
  bool ok() const { return status_.isOk(); }
  Status status() const { return status_; }

  void fail(std::string_view key, std::string_view message) {
    if (ok())
      status_ = Status::invalid(source_ + ": " + std::string(key) + " " + std::string(message));
  }

  // Refuses unknown keys of a mapping, suggesting the closest known one.
  void checkKeys(const YAML::Node& map, std::string_view path,
                 std::initializer_list<const char*> known) {
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      if (std::any_of(known.begin(), known.end(), [&](const char* k) { return key == k; }))
        continue;
      std::string best;
      int best_distance = 3;
      for (const char* k : known) {
        int d = editDistance(key, k);
        if (d < best_distance) best_distance = d, best = k;
      }
      std::string full = path.empty() ? key : std::string(path) + "." + key;
      fail(full, best.empty()
                     ? "is not a known key; remove it (see the README's assembly.yaml reference)"
                     : "is not a known key; did you mean " + join(path, best) + "?");
    }
  }

  static std::string join(std::string_view path, std::string_view key) {
    return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
  }

  // A mapping under `key`; an undefined node when absent (an error when `required`).
  YAML::Node map(const YAML::Node& parent, std::string_view path, const char* key, bool required,
                 std::string_view hint) {
    YAML::Node n = parent[key];
    std::string full = join(path, key);
    if (!n || n.IsNull()) {
      if (required) fail(full, "is missing; " + std::string(hint));
      return YAML::Node(YAML::NodeType::Undefined);
    }
    if (!n.IsMap()) {
      fail(full, "must be a mapping of keys; " + std::string(hint));
      return YAML::Node(YAML::NodeType::Undefined);
    }
    return n;
  }

  // A scalar under `key` (numbers and booleans are read as their text, as the
  // reference tool's BaseLoader did).
  std::string scalar(const YAML::Node& parent, std::string_view path, const char* key,
                     bool required, std::string_view hint) {
    if (!parent.IsDefined() || !parent.IsMap()) {
      if (required) fail(join(path, key), "is missing; " + std::string(hint));
      return "";
    }
    YAML::Node n = parent[key];
    std::string full = join(path, key);
    if (!n || n.IsNull() || (n.IsScalar() && n.Scalar().empty())) {
      if (required) fail(full, "is missing; " + std::string(hint));
      return "";
    }
    if (!n.IsScalar()) {
      fail(full, "must be a single value; " + std::string(hint));
      return "";
    }
    return n.Scalar();
  }

  // A list of scalars; a single scalar is accepted as a one-item list.
  std::vector<std::string> list(const YAML::Node& parent, std::string_view path, const char* key,
                                std::string_view hint) {
    std::vector<std::string> out;
    if (!parent.IsDefined() || !parent.IsMap()) return out;
    YAML::Node n = parent[key];
    std::string full = join(path, key);
    if (!n || n.IsNull()) return out;
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
      return out;
    }
    if (!n.IsSequence()) {
      fail(full, "must be a list; " + std::string(hint));
      return out;
    }
    for (size_t i = 0; i < n.size(); ++i) {
      if (!n[i].IsScalar() || n[i].Scalar().empty()) {
        fail(full + "[" + std::to_string(i) + "]",
             "must be a non-empty value; " + std::string(hint));
        return out;
      }
      out.push_back(n[i].Scalar());
    }
    return out;
  }

 private:
  std::string source_;
  Status status_;
};

void readEnvironment(Reader& r, const YAML::Node& root, Assembly& a) {
  YAML::Node env = r.map(root, "", "Environment", true,
                         "add Environment: {Region: <aws region>, AWSProfile: <profile>}");
  if (!env.IsDefined()) return;
  r.checkKeys(env, "Environment", {"AWSProfile", "Region"});
  a.aws_profile = r.scalar(env, "Environment", "AWSProfile", false, "");
  a.region = r.scalar(env, "Environment", "Region", true,
                      "set it to the AWS region of the session table and manager, e.g. eu-west-1");
  if (r.ok() && !isAwsRegion(a.region)) {
    r.fail("Environment.Region", "must be an AWS region such as eu-west-1, got '" + a.region + "'");
  }
}

void readPackaging(Reader& r, const YAML::Node& root, Assembly& a) {
  std::string bucket_hint = "map each region to an S3 bucket of that region; it needs " + a.region +
                            " and us-east-1, e.g. S3Buckets: {" + a.region + ": my-bucket-" +
                            a.region + ", us-east-1: my-bucket-us-east-1}";
  YAML::Node pkg =
      r.map(root, "", "Packaging", true, "add Packaging: {S3Buckets: ..., S3Prefix: ...}");
  if (!pkg.IsDefined()) return;
  r.checkKeys(pkg, "Packaging", {"S3Buckets", "S3Prefix"});
  YAML::Node buckets = r.map(pkg, "Packaging", "S3Buckets", true, bucket_hint);
  if (buckets.IsDefined()) {
    for (const auto& kv : buckets) {
      std::string region = kv.first.Scalar();
      std::string key = "Packaging.S3Buckets." + region;
      if (!isAwsRegion(region)) return r.fail(key, "is not an AWS region; " + bucket_hint);
      if (!kv.second.IsScalar() || !matches(kv.second.Scalar(), isBucketChar) ||
          kv.second.Scalar().size() < 3 || kv.second.Scalar().size() > 63) {
        return r.fail(key, "must be an S3 bucket name (3-63 characters: a-z 0-9 . -)");
      }
      a.s3_buckets[region] = kv.second.Scalar();
    }
    for (const std::string& needed : {a.region, std::string(kEdgeRegion)}) {
      if (r.ok() && !needed.empty() && !a.s3_buckets.count(needed)) {
        r.fail("Packaging.S3Buckets." + needed, "is missing; " + bucket_hint);
      }
    }
  }
  std::string prefix = r.scalar(pkg, "Packaging", "S3Prefix", false, "");
  while (!prefix.empty() && prefix.front() == '/') prefix.erase(0, 1);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  a.s3_prefix = prefix.empty() ? "" : prefix + "/";
}

void readCloudfront(Reader& r, const YAML::Node& root, Assembly& a) {
  YAML::Node cf =
      r.map(root, "", "Cloudfront", true, "add Cloudfront: {DomainName: www.example.com}");
  if (!cf.IsDefined()) return;
  r.checkKeys(cf, "Cloudfront",
              {"DomainName", "DistributionId", "ProtectedBehaviors", "AllowedHosts"});
  std::string domain = r.scalar(cf, "Cloudfront", "DomainName", true,
                                "set it to the public host name of the site, e.g. www.example.com");
  if (r.ok() && domain.find("://") != std::string::npos) {
    return r.fail("Cloudfront.DomainName",
                  "must be a host name without scheme, e.g. www.example.com, got '" + domain + "'");
  }
  if (r.ok() && !isHostName(domain)) {
    return r.fail("Cloudfront.DomainName",
                  "must be a lowercase host name such as www.example.com, got '" + domain + "'");
  }
  a.cloudfront_domain = domain;
  a.distribution_id = r.scalar(cf, "Cloudfront", "DistributionId", false, "");
  if (r.ok() && !a.distribution_id.empty() && !matches(a.distribution_id, isUpperAlnum)) {
    return r.fail(
        "Cloudfront.DistributionId",
        "must be a distribution id such as E1A2B3C4D5E6F7 (CloudFront console, ID column), got '" +
            a.distribution_id + "'");
  }
  a.protected_behaviors =
      r.list(cf, "Cloudfront", "ProtectedBehaviors",
             "list path patterns of cache behaviours to protect; * is the default behaviour");
  for (const auto& p : a.protected_behaviors) {
    if (r.ok() && p.rfind("/_identity", 0) == 0) {
      r.fail("Cloudfront.ProtectedBehaviors",
             "must not contain /_identity/*: that behaviour is the session manager's");
    }
  }
  if (r.ok() && !a.protected_behaviors.empty() && a.distribution_id.empty()) {
    r.fail("Cloudfront.ProtectedBehaviors",
           "needs Cloudfront.DistributionId; add it or remove ProtectedBehaviors");
  }
  a.allowed_hosts = r.list(cf, "Cloudfront", "AllowedHosts",
                           "list the site's other host names, e.g. [docs.example.com]");
  for (size_t i = 0; i < a.allowed_hosts.size() && r.ok(); ++i) {
    if (!isHostName(a.allowed_hosts[i])) {
      r.fail("Cloudfront.AllowedHosts[" + std::to_string(i) + "]",
             "must be a lowercase host name such as docs.example.com, got '" + a.allowed_hosts[i] +
                 "'");
    }
  }
  if (r.ok() && !a.allowed_hosts.empty() && a.distribution_id.empty()) {
    r.fail("Cloudfront.AllowedHosts",
           "needs Cloudfront.DistributionId (the hosts become the distribution's aliases); add "
           "it or remove AllowedHosts");
  }
}

void readUserPool(Reader& r, const YAML::Node& root, Assembly& a) {
  YAML::Node up = r.map(root, "", "CognitoUserPool", true,
                        "add CognitoUserPool: {UserPoolId: ..., DomainName: ...}");
  if (!up.IsDefined()) return;
  r.checkKeys(up, "CognitoUserPool", {"UserPoolId", "DomainName", "UserPoolClientProperties"});
  a.user_pool_id = r.scalar(up, "CognitoUserPool", "UserPoolId", true,
                            "set it to the user pool's id, e.g. eu-west-1_AbCdEf123 (Cognito "
                            "console, User pool overview)");
  size_t underscore = a.user_pool_id.find('_');
  if (r.ok() &&
      (underscore == std::string::npos || !isAwsRegion(a.user_pool_id.substr(0, underscore)) ||
       underscore + 1 == a.user_pool_id.size())) {
    return r.fail("CognitoUserPool.UserPoolId",
                  "must look like eu-west-1_AbCdEf123, got '" + a.user_pool_id + "'");
  }
  // The template creates the app client in the stack's region, and Cognito
  // knows a pool only in its own: the client must be where the pool is.
  if (r.ok() && a.userPoolRegion() != a.region) {
    return r.fail("CognitoUserPool.UserPoolId",
                  "is a pool in " + a.userPoolRegion() + " but Environment.Region is " + a.region +
                      ": the session manager's stack creates the pool's app client in its own "
                      "region, so they must be the same; set Environment.Region to " +
                      a.userPoolRegion() + " (the session table and the manager then live there)");
  }
  std::string domain =
      r.scalar(up, "CognitoUserPool", "DomainName", true,
               "set it to the user pool's hosted-UI domain, e.g. login.example.com or "
               "myprefix.auth.eu-west-1.amazoncognito.com");
  if (r.ok() && domain.find("://") != std::string::npos) {
    return r.fail("CognitoUserPool.DomainName",
                  "must be a host name without scheme, got '" + domain + "'");
  }
  // A bare prefix is the Cognito-hosted domain of the pool's region.
  if (r.ok() && domain.find('.') == std::string::npos && matches(domain, isLowerAlnumDash)) {
    domain += ".auth." + a.userPoolRegion() + ".amazoncognito.com";
  }
  if (r.ok() && !isHostName(domain)) {
    return r.fail("CognitoUserPool.DomainName",
                  "must be a lowercase host name, got '" + domain + "'");
  }
  a.user_pool_domain = domain;
  YAML::Node props = r.map(up, "CognitoUserPool", "UserPoolClientProperties", false, "");
  const char* path = "CognitoUserPool.UserPoolClientProperties";
  if (props.IsDefined()) {
    r.checkKeys(props, path, {"ReadAttributes", "WriteAttributes", "SupportedIdentityProviders"});
  }
  a.read_attributes = r.list(props, path, "ReadAttributes", "e.g. [email, name]");
  a.write_attributes = r.list(props, path, "WriteAttributes", "e.g. [email]");
  a.supported_identity_providers =
      r.list(props, path, "SupportedIdentityProviders", "e.g. [COGNITO]");
  if (a.supported_identity_providers.empty()) a.supported_identity_providers = {"COGNITO"};
}

// Throttling.<key>: requests per second, 1 to 10000 (API Gateway's
// default account limit).
void readLimit(Reader& r, const YAML::Node& throttling, const char* key, int64_t& out) {
  std::string text = r.scalar(throttling, "Throttling", key, false, "");
  if (!r.ok() || text.empty()) return;
  int64_t value = 0;
  if (!parseLimit(text, value)) {
    r.fail(std::string("Throttling.") + key,
           "must be a whole number of requests per second from 1 to 10000, got '" + text + "'");
    return;
  }
  out = value;
}

void readBarrierKeys(Reader& r, const YAML::Node& root, Assembly& a) {
  YAML::Node session =
      r.map(root, "", "Session", false, "e.g. Session: {Lifetime: 8h, CacheTtl: 5m}");
  if (session.IsDefined()) {
    r.checkKeys(session, "Session", {"Lifetime", "CacheTtl", "CookieDomain"});
    a.cookie_domain = r.scalar(session, "Session", "CookieDomain", false, "");
    std::string lifetime = r.scalar(session, "Session", "Lifetime", false, "");
    if (r.ok() && !lifetime.empty() &&
        (!parseSeconds(lifetime, a.session_lifetime) || a.session_lifetime < 60 ||
         a.session_lifetime > 400 * 86400)) {
      r.fail("Session.Lifetime",
             "must be a duration between 60s and 400d such as 8h, got '" + lifetime + "'");
    }
    std::string ttl = r.scalar(session, "Session", "CacheTtl", false, "");
    if (r.ok() && !ttl.empty() && (!parseSeconds(ttl, a.cache_ttl) || a.cache_ttl > 86400)) {
      r.fail("Session.CacheTtl", "must be a duration up to 1d such as 5m, got '" + ttl + "'");
    }
  }
  a.public_paths = r.list(root, "", "PublicPaths", "e.g. [/favicon.ico, /public/*]");
  for (size_t i = 0; i < a.public_paths.size() && r.ok(); ++i) {
    if (a.public_paths[i].front() != '/') {
      r.fail("PublicPaths[" + std::to_string(i) + "]",
             "must start with '/', got '" + a.public_paths[i] + "'");
    }
  }
  a.required_groups = r.list(root, "", "RequiredGroups", "e.g. [staff]");
  YAML::Node rules = root["Rules"];
  if (rules && !rules.IsNull()) {
    if (!rules.IsSequence())
      return r.fail("Rules", "must be a list of {Path, Groups} or {Path, Allow}");
    for (size_t i = 0; i < rules.size() && r.ok(); ++i) {
      std::string key = "Rules[" + std::to_string(i) + "]";
      if (!rules[i].IsMap())
        return r.fail(key, "must be a mapping {Path: /admin/*, Groups: [admins]}");
      r.checkKeys(rules[i], key, {"Path", "Groups", "Methods", "Allow"});
      AssemblyRule rule;
      rule.path = r.scalar(rules[i], key, "Path", true, "e.g. Path: /admin/*");
      rule.groups = r.list(rules[i], key, "Groups", "e.g. Groups: [admins]");
      if (r.ok() && rule.path.front() != '/') r.fail(key + ".Path", "must start with '/'");
      if (r.ok() && rule.groups.empty() && !rules[i]["Allow"])
        r.fail(key + ".Groups",
               "is missing; list the groups allowed on " + rule.path + " (or give Allow)");
      a.rules.push_back(std::move(rule));
    }
  }
  YAML::Node throttling =
      r.map(root, "", "Throttling", false, "e.g. Throttling: {RateLimit: 100, BurstLimit: 200}");
  if (throttling.IsDefined()) {
    r.checkKeys(throttling, "Throttling", {"RateLimit", "BurstLimit"});
    readLimit(r, throttling, "RateLimit", a.rate_limit);
    readLimit(r, throttling, "BurstLimit", a.burst_limit);
  }
  std::string level = r.scalar(root, "", "LogLevel", false, "");
  if (!level.empty()) a.log_level = level;
  if (LogLevel parsed; r.ok() && !parseLogLevel(a.log_level, parsed)) {
    r.fail("LogLevel", "must be one of " + logLevelList() + ", got '" + a.log_level + "'");
  }
}

Result<Assembly> readAssembly(const YAML::Node& root, std::string_view source) {
  Reader r(source);
  Assembly a;
  if (!root.IsMap())
    return Status::invalid(std::string(source) + ": must be a YAML mapping of keys");
  r.checkKeys(root, "",
              {"StacksPrefix", "CookieName", "Environment", "Packaging", "Cloudfront",
               "CognitoUserPool", "Session", "PublicPaths", "RequiredGroups", "Rules", "Throttling",
               "LogLevel", "Allow", "Headers", "CorsPreflight", "Api"});
  a.stacks_prefix = r.scalar(root, "", "StacksPrefix", true,
                             "set a short name that starts the stack names, e.g. MySiteBarrier");
  if (r.ok() && (!std::isalpha(static_cast<unsigned char>(a.stacks_prefix[0])) ||
                 a.stacks_prefix.size() > 100 || !matches(a.stacks_prefix, [](char c) {
                   return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
                 }))) {
    r.fail("StacksPrefix",
           "must start with a letter and hold only letters, digits and '-' (at most 100), got '" +
               a.stacks_prefix + "'");
  }
  a.cookie_name =
      r.scalar(root, "", "CookieName", true, "set the session cookie's name, e.g. barrier");
  if (r.ok() && !matches(a.cookie_name, isCookieChar)) {
    r.fail("CookieName", "may hold only letters, digits, '_' and '-', got '" + a.cookie_name + "'");
  }
  readEnvironment(r, root, a);
  if (r.ok()) readPackaging(r, root, a);
  if (r.ok()) readCloudfront(r, root, a);
  if (r.ok()) readUserPool(r, root, a);
  if (r.ok()) readBarrierKeys(r, root, a);
  if (!r.ok()) return r.status();
  return a;
}

// Replaces each `from` of `names` in `text` with its `to`.
std::string renamed(std::string text,
                    std::initializer_list<std::pair<std::string_view, std::string_view>> names) {
  for (const auto& [from, to] : names) {
    for (size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  }
  return text;
}

// Session.CookieDomain and Cloudfront.AllowedHosts under barrier.yaml's
// rules (validateHosts), site_url being https://<Cloudfront.DomainName>.
Status checkHosts(const Assembly& a, std::string_view source) {
  Config c;
  c.site_url = "https://" + a.cloudfront_domain;
  c.session.cookie_name = a.cookie_name;
  c.session.cookie_domain = a.cookie_domain;
  c.allowed_hosts = a.allowed_hosts;
  Status s = validateHosts(c);
  if (s) return s;
  return Status::invalid(std::string(source) + ": " +
                         renamed(s.message(), {{"session.cookie_domain", "Session.CookieDomain"},
                                               {"allowed_hosts", "Cloudfront.AllowedHosts"},
                                               {"site_url's host", "Cloudfront.DomainName"},
                                               {"site_url", "Cloudfront.DomainName"}}));
}

// Api's keys and barrier.yaml's names for them.
constexpr std::pair<const char*, const char*> kApiKeys[] = {
    {"Bearer", "bearer"}, {"Audiences", "audiences"}, {"ClientIds", "client_ids"}};

// The access fields as barrier.yaml names them: Allow -> allow, Rules[i]
// -> rules[i] with Path, Groups, Methods and Allow in lowercase, Headers ->
// headers, CorsPreflight -> cors_preflight, Api -> api with Bearer,
// Audiences and ClientIds in barrier.yaml's spelling. Condition keys (groups,
// emails, email_domains, claims, users) are barrier.yaml's in both files.
nlohmann::json accessFields(const nlohmann::json& doc) {
  nlohmann::json out = nlohmann::json::object();
  const std::pair<const char*, const char*> top[] = {
      {"Allow", "allow"}, {"Headers", "headers"}, {"CorsPreflight", "cors_preflight"}};
  for (const auto& [from, to] : top) {
    if (doc.contains(from) && !doc[from].is_null()) out[to] = doc[from];
  }
  if (doc.contains("Api") && doc["Api"].is_object()) {
    out["api"] = nlohmann::json::object();
    for (const auto& [from, to] : kApiKeys) {
      if (doc["Api"].contains(from) && !doc["Api"][from].is_null()) {
        out["api"][to] = doc["Api"][from];
      }
    }
    for (const auto& [key, value] : doc["Api"].items()) {
      if (std::none_of(std::begin(kApiKeys), std::end(kApiKeys),
                       [&](const auto& names) { return key == names.first; })) {
        out["api"][key] = value;  // barrier.yaml's reader names the unknown key
      }
    }
  } else if (doc.contains("Api") && !doc["Api"].is_null()) {
    out["api"] = doc["Api"];  // not a mapping: barrier.yaml's reader says so
  }
  if (!doc.contains("Rules") || !doc["Rules"].is_array()) return out;
  out["rules"] = nlohmann::json::array();
  for (const nlohmann::json& rule : doc["Rules"]) {
    nlohmann::json item = nlohmann::json::object();
    const std::pair<const char*, const char*> keys[] = {
        {"Path", "path"}, {"Groups", "groups"}, {"Methods", "methods"}, {"Allow", "allow"}};
    for (const auto& [from, to] : keys) {
      if (rule.contains(from) && !rule[from].is_null()) item[to] = rule[from];
    }
    out["rules"].push_back(std::move(item));
  }
  return out;
}

// A reader's message with its leading field in assembly.yaml's names:
// "rules[2].allow[0].emails[1] must ..." -> "Rules[2].Allow[0].emails[1] must ...".
std::string assemblyField(std::string message) {
  auto rename = [&](size_t at, std::string_view from, std::string_view to) {
    if (message.compare(at, from.size(), from) != 0) return false;
    size_t end = at + from.size();
    if (end < message.size() && std::string_view("[. ").find(message[end]) == std::string::npos) {
      return false;  // a longer name (a claim called "allowed")
    }
    message.replace(at, from.size(), to);
    return true;
  };
  if (rename(0, "api", "Api")) {
    // Api's messages name its other keys too ("needs api.audiences ...").
    return renamed(message, {{"api.bearer", "Api.Bearer"},
                             {"api.audiences", "Api.Audiences"},
                             {"api.client_ids", "Api.ClientIds"},
                             {"Api.bearer", "Api.Bearer"},
                             {"Api.audiences", "Api.Audiences"},
                             {"Api.client_ids", "Api.ClientIds"}});
  }
  if (rename(0, "allow", "Allow") || rename(0, "headers", "Headers") ||
      rename(0, "cors_preflight", "CorsPreflight") || !rename(0, "rules", "Rules")) {
    return message;
  }
  size_t dot = message.find_first_of(". ");
  if (dot == std::string::npos || message[dot] != '.') return message;
  for (auto [from, to] : {std::pair{"path", "Path"}, std::pair{"groups", "Groups"},
                          std::pair{"methods", "Methods"}, std::pair{"allow", "Allow"}}) {
    if (rename(dot + 1, from, to)) break;
  }
  return message;
}

// Reads the access fields with barrier.yaml's own reader (one parser for
// both files); its messages get assembly.yaml's names.
Status readAccess(std::string_view yaml_text, std::string_view source, Assembly& a) {
  Result<std::string> doc = yamlConfigToJson(yaml_text, source);
  if (!doc.isOk()) return doc.status();
  nlohmann::json fields = accessFields(nlohmann::json::parse(*doc, nullptr, false));
  Result<Config> read = readConfigJson(fields.dump(), "");
  if (read.isOk()) {
    for (size_t i = 0; i < a.rules.size() && fields.contains("rules"); ++i) {
      for (const char* key : {"methods", "allow"}) {
        if (fields["rules"][i].contains(key)) a.rules[i].access[key] = fields["rules"][i][key];
      }
    }
    fields.erase("rules");
    a.access = std::move(fields);
    return Status::ok();
  }
  return Status::invalid(std::string(source) + ": " + assemblyField(read.status().message()));
}

}  // namespace

std::string Assembly::userPoolRegion() const {
  size_t underscore = user_pool_id.find('_');
  return underscore == std::string::npos ? std::string() : user_pool_id.substr(0, underscore);
}

Result<Assembly> parseAssembly(std::string_view yaml_text, std::string_view source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return Status::invalid(std::string(source) + ": not valid YAML (line " +
                           std::to_string(e.mark.line + 1) + "): " + e.msg);
  }
  try {
    Result<Assembly> a = readAssembly(root, source);
    if (!a.isOk()) return a;
    if (Status s = checkHosts(*a, source); !s) return s;
    if (Status s = readAccess(yaml_text, source, *a); !s) return s;
    return a;
  } catch (const YAML::Exception& e) {
    return Status::invalid(std::string(source) + ": " + e.what());
  }
}

Result<Assembly> loadAssembly(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::notFound("cannot read " + path + "; pass the assembly file with -f");
  std::ostringstream text;
  text << in.rdbuf();
  std::string name =
      path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  return parseAssembly(text.str(), name);
}

}  // namespace barrier
