// assembly.yaml: what `barrier deploy` deploys. It accepts every key of the
// reference system's format unchanged, plus optional keys for what barrier
// adds. parseAssembly() validates everything before any AWS call, and each
// error names the key and the fix:
//   "assembly.yaml: Environment.Region is missing; set it to the region ..."
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace barrier {

struct AssemblyRule {
  std::string path;                 // Rules[i].Path
  std::vector<std::string> groups;  // Rules[i].Groups
  // Rules[i].Methods and .Allow as barrier.yaml's rules name them
  // (`methods`, `allow`), checked by its reader; {} when neither is given.
  nlohmann::json access = nlohmann::json::object();
};

struct Assembly {
  // Reference keys.
  std::string stacks_prefix;  // StacksPrefix
  std::string cookie_name;    // CookieName
  std::string aws_profile;    // Environment.AWSProfile ("" = default credential chain)
  std::string region;         // Environment.Region
  std::map<std::string, std::string> s3_buckets;  // Packaging.S3Buckets: region -> bucket
  std::string s3_prefix;                          // Packaging.S3Prefix, normalised to "" or "x/y/"
  std::string cloudfront_domain;                  // Cloudfront.DomainName
  std::string user_pool_id;                       // CognitoUserPool.UserPoolId
  std::string user_pool_domain;                   // CognitoUserPool.DomainName
  std::vector<std::string> read_attributes;       // ...UserPoolClientProperties.ReadAttributes
  std::vector<std::string> write_attributes;      // ...WriteAttributes
  std::vector<std::string> supported_identity_providers;  // ...SupportedIdentityProviders

  // barrier's optional keys.
  std::string distribution_id;                   // Cloudfront.DistributionId
  std::vector<std::string> protected_behaviors;  // Cloudfront.ProtectedBehaviors; empty = all
  // Cloudfront.AllowedHosts: the site's other hosts (barrier.yaml's
  // allowed_hosts), added to the distribution's aliases.
  std::vector<std::string> allowed_hosts;
  std::string cookie_domain;                 // Session.CookieDomain (session.cookie_domain)
  int64_t session_lifetime = 8 * 3600;       // Session.Lifetime
  int64_t cache_ttl = 300;                   // Session.CacheTtl (checker cache)
  std::vector<std::string> public_paths;     // PublicPaths
  std::vector<std::string> required_groups;  // RequiredGroups
  std::vector<AssemblyRule> rules;           // Rules
  // The access fields as barrier.yaml names them, checked by its own
  // readers (core/config/access_config.h): `allow` (Allow), `headers`
  // (Headers) and `cors_preflight` (CorsPreflight); each rule's are in
  // AssemblyRule::access. Both functions' configurations take these keys
  // as they are.
  nlohmann::json access = nlohmann::json::object();
  std::string log_level = "info";  // LogLevel
  // Throttling.RateLimit / BurstLimit: requests per second (steady, and the
  // bucket for bursts) API Gateway lets through to the session manager;
  // beyond them it answers 429. Every /_identity/login writes a login record,
  // so an unthrottled API is an open door to store writes and Lambda cost.
  int64_t rate_limit = 100;
  int64_t burst_limit = 200;

  std::string managerStackName() const { return stacks_prefix + "SessionManager"; }
  std::string checkerStackName() const { return stacks_prefix + "SessionChecker"; }
  // Region of the user pool: the prefix of its id ("eu-west-1_AbC" -> "eu-west-1").
  std::string userPoolRegion() const;
  const std::string& bucketFor(const std::string& for_region) const {
    return s3_buckets.at(for_region);
  }
};

// The region every Lambda@Edge function (and so the checker stack) lives in.
inline constexpr std::string_view kEdgeRegion = "us-east-1";

// Parses and validates assembly YAML text. `source` names the file in
// messages. Unknown keys are refused with the closest known key suggested.
Result<Assembly> parseAssembly(std::string_view yaml_text, std::string_view source);

// Reads the file, then parseAssembly.
Result<Assembly> loadAssembly(const std::string& path);

}  // namespace barrier
