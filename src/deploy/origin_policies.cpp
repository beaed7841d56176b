#include "deploy/origin_policies.h"

#include <algorithm>
#include <map>
#include <memory>

#include "adapters/system.h"
#include "core/encoding.h"

namespace barrier {

namespace {

// "whitelist: A, B" / "all" / "none": a policy's setting, for the plan.
std::string settingOf(const XmlElement& policy, const char* config, const char* field,
                      const char* list) {
  const XmlElement* c = policy.child(config);
  if (c == nullptr) return "none";
  std::string out = c->childText(field);
  std::vector<std::string> names;
  if (const XmlElement* items = c->find({list, "Items"})) {
    for (const XmlElement& i : items->children) names.push_back(i.text);
  }
  return names.empty() ? out : out + " " + joinNames(names);
}

std::string describePolicy(const XmlElement& policy) {
  return "headers " + settingOf(policy, "HeadersConfig", "HeaderBehavior", "Headers") +
         "; cookies " + settingOf(policy, "CookiesConfig", "CookieBehavior", "Cookies") +
         "; query strings " +
         settingOf(policy, "QueryStringsConfig", "QueryStringBehavior", "QueryStrings");
}

std::string contentName(const std::string& prefix, const XmlElement& policy) {
  static std::unique_ptr<Crypto> crypto = makeOpenSslCrypto();
  return prefix + hexEncode(digestBytes(crypto->sha256(writeXml(policy)))).substr(0, 16);
}

// The policies deploy reads, each asked for once; managed ones barrier knows
// are not asked for at all.
class PolicyCache {
 public:
  explicit PolicyCache(CloudFrontPolicies& api) : api_(api) {}

  Result<const XmlElement*> cachePolicy(const std::string& id) {
    return lookup(cache_, id, knownCachePolicy(id), [&] { return api_.cachePolicy(id); });
  }
  Result<const XmlElement*> originRequestPolicy(const std::string& id) {
    return lookup(origin_, id, knownOriginRequestPolicy(id),
                  [&] { return api_.originRequestPolicy(id); });
  }

 private:
  template <typename Fetch>
  Result<const XmlElement*> lookup(std::map<std::string, XmlElement>& seen, const std::string& id,
                                   std::optional<XmlElement> known, Fetch fetch) {
    if (id.empty()) return static_cast<const XmlElement*>(nullptr);
    auto it = seen.find(id);
    if (it == seen.end()) {
      if (!known) {
        auto policy = fetch();
        if (!policy) return policy.status();
        known = std::move(policy->config);
      }
      it = seen.emplace(id, std::move(*known)).first;
    }
    return static_cast<const XmlElement*>(&it->second);
  }

  CloudFrontPolicies& api_;
  std::map<std::string, XmlElement> cache_;
  std::map<std::string, XmlElement> origin_;
};

// barrier's policies this deploy created or found, by name: behaviours
// with the same settings share one.
struct MadePolicies {
  std::map<std::string, std::string> ids;  // name -> id
  std::vector<std::string>& created;       // ids, for the record
};

// The id of barrier's policy `policy` (named): created, or found when a
// policy of that name exists already (its content is in its name).
// `fresh`: created now.
Result<std::string> ensurePolicy(CloudFrontPolicies& api, const XmlElement& policy,
                                 MadePolicies& made, bool& fresh) {
  std::string name = policy.childText("Name");
  fresh = false;
  if (auto it = made.ids.find(name); it != made.ids.end()) return it->second;
  auto id = api.createOriginRequestPolicy(policy);
  if (id) {
    fresh = true;
  } else if (id.status().hasReason("OriginRequestPolicyAlreadyExists")) {
    auto custom = api.customOriginRequestPolicies();
    if (!custom) return custom.status();
    for (const CloudFrontPolicy& p : *custom) {
      if (p.config.childText("Name") == name) id = p.id;
    }
  }
  if (!id) return id.status();
  made.ids[name] = *id;
  made.created.push_back(*id);  // one found is recorded too: destroy must find it
  return id;
}

// A behaviour with a cache policy: barrier's origin request policy when the
// identity headers would not reach the origin.
Status forwardThroughPolicy(CloudFrontPolicies& api, PolicyCache& policies,
                            const ProtectedBehavior& p, const XmlElement* cache,
                            const IdentityForwardingSpec& spec, Wiring& wiring,
                            MadePolicies& made) {
  XmlElement& b = *p.behavior;
  std::string origin_id = b.childText("OriginRequestPolicyId");
  auto origin = policies.originRequestPolicy(origin_id);
  if (!origin) return origin.status();
  std::vector<std::string> missing = identityHeadersNotForwarded(cache, *origin);
  if (missing.empty()) return Status::ok();
  XmlElement policy = identityOriginRequestPolicy(*origin, origin_id, missing);
  const XmlElement* headers = policy.find({"HeadersConfig", "Headers", "Items"});
  if (policy.child("HeadersConfig")->childText("HeaderBehavior") == "whitelist" &&
      headers != nullptr && headers->children.size() > kMaxPolicyHeaders) {
    return Status::invalid("behaviour " + p.label + ": its origin request policy " + origin_id +
                           " forwards " +
                           std::to_string(headers->children.size() - missing.size()) +
                           " headers, and with the checker's " + joinNames(missing) +
                           " it would pass CloudFront's " + std::to_string(kMaxPolicyHeaders) +
                           "; forward fewer headers there, or use the managed origin request "
                           "policy AllViewerExceptHostHeader (" +
                           kAllViewerExceptHostPolicyId + ")");
  }
  std::string name = contentName(spec.name_prefix, policy);
  nameOriginRequestPolicy(policy, name);
  std::string id = name;  // what a dry run shows
  bool fresh = spec.dry_run && made.ids.count(name) == 0;
  if (spec.dry_run) {
    made.ids.emplace(name, name);
  } else {
    auto ensured = ensurePolicy(api, policy, made, fresh);
    if (!ensured) return ensured.status();
    id = *ensured;
  }
  if (fresh) {
    wiring.changes.push_back("create origin request policy " + name + " (" +
                             describePolicy(policy) + ")");
  }
  setOriginRequestPolicy(b, id);
  wiring.changes.push_back("behaviour " + p.label + ": origin request policy " +
                           (origin_id.empty() ? "none" : origin_id) + " -> " + name +
                           " (the same settings, plus " + joinNames(missing) +
                           ", which CloudFront would not send the origin otherwise)");
  return Status::ok();
}

}  // namespace

std::string originRequestPolicyPrefix(const std::string& stacks_prefix) {
  return "barrier-" + stacks_prefix + "-";
}

Status forwardIdentityHeaders(CloudFrontPolicies& api, XmlElement& config,
                              const IdentityForwardingSpec& spec, Wiring& wiring,
                              std::vector<std::string>& created) {
  PolicyCache policies(api);
  MadePolicies made{{}, created};
  for (const ProtectedBehavior& p : protectedBehaviors(config, spec.protected_behaviors)) {
    XmlElement& b = *p.behavior;
    std::string cache_id = b.childText("CachePolicyId");
    const XmlElement* cache = nullptr;
    if (cache_id.empty()) {
      // Legacy cache settings take no origin request policy (one needs a
      // cache policy): the headers join ForwardedValues instead.
      std::vector<std::string> missing = legacyIdentityHeadersNotForwarded(b);
      if (!missing.empty()) {
        if (Status s = forwardLegacyHeaders(b, p.label, missing); !s) return s;
        wiring.changes.push_back("behaviour " + p.label + ": forward " + joinNames(missing) +
                                 " to the origin (added to the headers of its legacy cache "
                                 "settings, which also keys its cache by them)");
      }
    } else {
      auto found = policies.cachePolicy(cache_id);
      if (!found) return found.status();
      cache = *found;
      if (Status s = forwardThroughPolicy(api, policies, p, cache, spec, wiring, made); !s) {
        return s;
      }
    }
    if (auto w = sharedCacheWarning(p.label, b, cache, spec.cookie_name)) {
      wiring.warnings.push_back(*w);
    }
  }
  return Status::ok();
}

Result<std::vector<std::string>> restoreReplacedPolicies(CloudFrontPolicies& api,
                                                         XmlElement& config,
                                                         const std::vector<std::string>& recorded) {
  std::map<std::string, std::string> replaced;
  auto used = [&](const std::string& id) {
    auto in = [&](const XmlElement* b) {
      return b != nullptr && b->childText("OriginRequestPolicyId") == id;
    };
    if (in(config.child("DefaultCacheBehavior"))) return true;
    const XmlElement* items = config.find({"CacheBehaviors", "Items"});
    return items != nullptr && std::any_of(items->children.begin(), items->children.end(),
                                           [&](const XmlElement& b) { return in(&b); });
  };
  for (const std::string& id : recorded) {
    if (!used(id)) continue;
    auto policy = api.originRequestPolicy(id);
    if (!policy) return policy.status();
    std::optional<std::string> before = replacedOriginRequestPolicy(policy->config);
    if (!before) {
      return Status::invalid("origin request policy " + id +
                             " is recorded as barrier's, but its "
                             "comment does not name the policy it replaced; set the behaviours "
                             "using it back by hand");
    }
    replaced[id] = *before;
  }
  return restoreOriginRequestPolicies(config, replaced);
}

Result<std::vector<std::string>> deleteBarrierPolicies(CloudFrontPolicies& api,
                                                       const std::vector<std::string>& recorded,
                                                       std::vector<std::string>& kept) {
  std::vector<std::string> said;
  for (const std::string& id : recorded) {
    auto policy = api.originRequestPolicy(id);
    if (!policy && policy.status().hasReason("NoSuchOriginRequestPolicy")) continue;
    if (!policy) return policy.status();
    Status s = api.deleteOriginRequestPolicy(id, policy->etag);
    std::string name = policy->config.childText("Name");
    if (s.hasReason("OriginRequestPolicyInUse")) {
      kept.push_back(id);
      said.push_back("kept: origin request policy " + name + " (" + id +
                     "): CloudFront says a cache behaviour still uses it; point that behaviour "
                     "at another policy, then run destroy again");
      continue;
    }
    if (!s && !s.hasReason("NoSuchOriginRequestPolicy")) return s;
    said.push_back("deleted: origin request policy " + name + " (" + id + ")");
  }
  return said;
}

}  // namespace barrier
