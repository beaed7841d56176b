// CloudFront wiring: the edits `barrier deploy` makes to an existing
// distribution's configuration (the DistributionConfig XML document), and
// the ones `barrier destroy` undoes. Pure functions on the document, so the
// same code serves --dry-run (show the change), the real update and tests.
//
// What is wired (docs/ARCHITECTURE.md, "Deploying to AWS"):
//  - an origin "barrier-session-manager" for the API: HTTPS only, TLS 1.2,
//    origin path /live (the API stage);
//  - a cache behaviour /_identity/* to it, placed first so nothing shadows
//    it: caching disabled (managed policy CachingDisabled), all cookies,
//    query strings and headers but Host forwarded (managed origin-request
//    policy AllViewerExceptHostHeader), every method allowed;
//  - the checker version as viewer-request association on the protected
//    behaviours, replacing an older version of the same function.
// Applying it to an already wired document changes nothing.
#pragma once

#include <string>
#include <vector>

#include "adapters/xml.h"
#include "core/status.h"

namespace barrier {

inline constexpr const char* kBarrierOriginId = "barrier-session-manager";
inline constexpr const char* kIdentityPathPattern = "/_identity/*";
inline constexpr const char* kCachingDisabledPolicyId = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
inline constexpr const char* kAllViewerExceptHostPolicyId = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

struct WiringSpec {
  std::string origin_domain;        // Session Manager Origin Host
  std::string origin_path;          // Session Manager Origin Path (/live)
  std::string checker_version_arn;  // arn:aws:lambda:us-east-1:<acct>:function:<name>:<n>
  // Path patterns of the behaviours to protect; "*" is the default
  // behaviour. Empty: every behaviour except /_identity/*.
  std::vector<std::string> protected_behaviors;
};

// What wireDistribution did, and what it leaves the operator to act on.
struct Wiring {
  // One human-readable line per change; empty when it was already wired.
  std::vector<std::string> changes;
  // One line per exposure the wiring leaves in place: an unprotected
  // behaviour that routes to an origin a protected behaviour uses. Only the
  // checker strips client-sent X-Barrier-* headers, so there the origin
  // receives them as the client wrote them. Not changes: they hold on every
  // deploy until the assembly or the origin is fixed.
  std::vector<std::string> warnings;
};

// Edits `config` (the <DistributionConfig> element) in place. Fails without
// a partial edit worth sending when a protected behaviour already runs
// another viewer-request function or a CloudFront Function on a viewer event
// (CloudFront allows no Lambda@Edge beside it there), or a named behaviour
// does not exist.
Result<Wiring> wireDistribution(XmlElement& config, const WiringSpec& spec);

// Removes what wireDistribution added: the /_identity/* behaviour, the
// barrier origin and viewer-request associations of `checker_function_arn`
// (any version). Returns the changes; empty when there was nothing to remove.
std::vector<std::string> unwireDistribution(XmlElement& config,
                                            const std::string& checker_function_arn);

// "arn:...:function:name:7" -> "arn:...:function:name".
std::string unqualifiedFunctionArn(const std::string& arn);

}  // namespace barrier
