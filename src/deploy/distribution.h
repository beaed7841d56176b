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
//    behaviours, replacing an older version of the same function;
//  - the site's other hosts (allowed_hosts) among the distribution's
//    Aliases, so a sign-in may start and end on each.
// Applying it to an already wired document changes nothing.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/xml.h"
#include "core/status.h"

namespace barrier {

inline constexpr const char* kBarrierOriginId = "barrier-session-manager";
inline constexpr const char* kIdentityPathPattern = "/_identity/*";
inline constexpr const char* kCachingDisabledPolicyId = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
inline constexpr const char* kAllViewerExceptHostPolicyId = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
// Managed policies whose settings barrier knows without asking (the
// developer guide's "Use managed cache policies" and "Use managed origin
// request policies" pages give these ids and settings).
inline constexpr const char* kAllViewerPolicyId = "216adef6-5c7f-47e4-b989-5492eafa07d3";
inline constexpr const char* kCachingOptimizedPolicyId = "658327ea-f89d-4fab-a63d-7e88639e58f6";

struct WiringSpec {
  std::string origin_domain;        // Session Manager Origin Host
  std::string origin_path;          // Session Manager Origin Path (/live)
  std::string checker_version_arn;  // arn:aws:lambda:us-east-1:<acct>:function:<name>:<n>
  // Path patterns of the behaviours to protect; "*" is the default
  // behaviour. Empty: every behaviour except /_identity/*.
  std::vector<std::string> protected_behaviors;
  // Host names the distribution must answer besides its domain
  // (Cloudfront.AllowedHosts): added to its Aliases, never removed (they
  // are the site's names; destroy leaves them).
  std::vector<std::string> aliases{};
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
// barrier origin, viewer-request associations of `checker_function_arn`
// (any version) and the X-Barrier-* headers in legacy behaviours'
// ForwardedValues (forwardLegacyHeaders put them there: the checker removes
// client-sent ones, so no site forwarded them before). Returns the changes;
// empty when there was nothing to remove.
std::vector<std::string> unwireDistribution(XmlElement& config,
                                            const std::string& checker_function_arn);

// "arn:...:function:name:7" -> "arn:...:function:name".
std::string unqualifiedFunctionArn(const std::string& arn);

// ---- What reaches the origin of a protected behaviour ----
//
// CloudFront sends an origin only the headers the behaviour's cache policy
// and origin request policy include (or, with legacy cache settings, its
// ForwardedValues), and it applies them to the request as the viewer-request
// function returns it: a header the checker adds is filtered like one the
// viewer sent (developer guide, "Choose the event to trigger the function":
// "If the function changes cookies or headers, configure CloudFront to
// forward the applicable part of the request to the origin"; "Control
// origin requests with a policy": headers are "not included in the origin
// request by default"). So the identity headers reach the application only
// when the behaviour forwards them; the functions below find out whether
// it does, and build what makes it.

// CloudFront's quota of headers in one origin request policy, and in one
// behaviour's legacy forwarded headers.
inline constexpr size_t kMaxPolicyHeaders = 10;

// "A, B, C", for messages.
std::string joinNames(const std::vector<std::string>& names);

// A behaviour the checker runs on, with the label messages use.
struct ProtectedBehavior {
  std::string label;  // "* (default)" or the path pattern
  XmlElement* behavior = nullptr;
};
// The protected behaviours of `config` (see WiringSpec::protected_behaviors).
std::vector<ProtectedBehavior> protectedBehaviors(XmlElement& config,
                                                  const std::vector<std::string>& wanted);

// The settings of a managed policy barrier knows (<CachePolicyConfig> or
// <OriginRequestPolicyConfig>); nullopt for any other id.
std::optional<XmlElement> knownCachePolicy(const std::string& id);
std::optional<XmlElement> knownOriginRequestPolicy(const std::string& id);

// Of the identity headers, those that neither policy sends to the origin.
// `cache_policy` / `origin_request_policy`: the <CachePolicyConfig> and
// <OriginRequestPolicyConfig> elements, nullptr for none.
std::vector<std::string> identityHeadersNotForwarded(const XmlElement* cache_policy,
                                                     const XmlElement* origin_request_policy);
// The same for a behaviour with legacy cache settings (ForwardedValues).
std::vector<std::string> legacyIdentityHeadersNotForwarded(const XmlElement& behavior);

// barrier's origin request policy for a behaviour: `previous` (the
// <OriginRequestPolicyConfig> it had, nullptr for none) with `missing`
// added to the headers, cookies and query strings kept. Its Comment names
// `previous_id` so destroy can put it back; the Name is left for the
// caller, who derives it from this content.
XmlElement identityOriginRequestPolicy(const XmlElement* previous, const std::string& previous_id,
                                       const std::vector<std::string>& missing);
// Sets the Name of such a policy (schema order: after Comment).
void nameOriginRequestPolicy(XmlElement& policy, const std::string& name);
// The id the Comment of barrier's policy names ("" when the behaviour had
// none); nullopt when the comment is not one barrier wrote.
std::optional<std::string> replacedOriginRequestPolicy(const XmlElement& policy);

// Points the behaviour at origin request policy `id` ("" removes it).
void setOriginRequestPolicy(XmlElement& behavior, const std::string& id);

// Legacy cache settings: adds `missing` to ForwardedValues' headers (which
// also puts them in the cache key: cached per user and session). Fails,
// naming the fix, when the behaviour would pass CloudFront's 10 headers.
Status forwardLegacyHeaders(XmlElement& behavior, const std::string& label,
                            const std::vector<std::string>& missing);

// The warning for a protected behaviour that caches responses under a key
// without the session: one user's page could be served to another. The
// session is in the key when the session cookie `cookie_name` or the
// X-Barrier-Session-Id header is. `cache_policy`: the <CachePolicyConfig>,
// nullptr for legacy cache settings (read from the behaviour).
std::optional<std::string> sharedCacheWarning(const std::string& label, const XmlElement& behavior,
                                              const XmlElement* cache_policy,
                                              const std::string& cookie_name);

// destroy: every behaviour whose OriginRequestPolicyId is a key of
// `replaced` (barrier's policy id -> the id it replaced, "" for none) gets
// the replaced one back. Returns the changes.
std::vector<std::string> restoreOriginRequestPolicies(
    XmlElement& config, const std::map<std::string, std::string>& replaced);

}  // namespace barrier
