// The origin request policies of protected behaviours: deploy makes the
// checker's identity headers reach each behaviour's origin (distribution.h,
// "What reaches the origin" says why they otherwise may not), and destroy
// puts back what it replaced. The calls go through CloudFrontPolicies; the
// distribution config is edited in place for the caller's UpdateDistribution,
// so the policy changes travel in the same update as the checker.
#pragma once

#include <string>
#include <vector>

#include "deploy/aws_services.h"
#include "deploy/distribution.h"

namespace barrier {

// "barrier-<StacksPrefix>-": barrier's policy names start with it and end
// with a hash of the policy's content, so the same settings get the same
// policy and a redeploy creates nothing.
std::string originRequestPolicyPrefix(const std::string& stacks_prefix);

struct IdentityForwardingSpec {
  std::vector<std::string> protected_behaviors;  // as WiringSpec's
  std::string name_prefix;                       // originRequestPolicyPrefix()
  std::string cookie_name;                       // barrier's session cookie
  bool dry_run = false;                          // create nothing, say what would be
};

// For each protected behaviour of `config`, leaves it alone when its cache
// and origin request policies already send X-Barrier-User, -Email, -Groups
// and -Session-Id to the origin; otherwise points it at barrier's origin
// request policy holding its current settings plus those headers (created
// here unless it exists or this is a dry run), or, with legacy cache
// settings, adds them to its ForwardedValues. Adds the changes and the
// shared-cache warnings (sharedCacheWarning) to `wiring`; the ids of the
// policies it created to `created`, for the record destroy reads.
Status forwardIdentityHeaders(CloudFrontPolicies& api, XmlElement& config,
                              const IdentityForwardingSpec& spec, Wiring& wiring,
                              std::vector<std::string>& created);

// destroy, in the UpdateDistribution that removes the checker: behaviours
// using one of `recorded` (barrier's policies) get back the policy it
// replaced. Returns the changes.
Result<std::vector<std::string>> restoreReplacedPolicies(CloudFrontPolicies& api,
                                                         XmlElement& config,
                                                         const std::vector<std::string>& recorded);

// destroy, once the distribution uses them no more: deletes `recorded`.
// Returns one line per policy, and in `kept` those CloudFront refused to
// delete because another behaviour still uses them.
Result<std::vector<std::string>> deleteBarrierPolicies(CloudFrontPolicies& api,
                                                       const std::vector<std::string>& recorded,
                                                       std::vector<std::string>& kept);

}  // namespace barrier
