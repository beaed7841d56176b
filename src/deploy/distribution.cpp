// CloudFront's XML schema is order-sensitive, so new elements are built in
// schema order and lists are edited in place (Quantity kept in step with Items).
#include "deploy/distribution.h"

#include <algorithm>
#include <set>

namespace barrier {

namespace {

XmlElement element(std::string name, std::string text = "") {
  XmlElement e;
  e.name = std::move(name);
  e.text = std::move(text);
  return e;
}

// <Name><Quantity>n</Quantity><Items><Item>..</Item></Items></Name>
XmlElement list(std::string name, const char* item_name, const std::vector<std::string>& items) {
  XmlElement e = element(std::move(name));
  e.add("Quantity", std::to_string(items.size()));
  if (!items.empty()) {
    XmlElement& its = e.add("Items");
    for (const auto& i : items) its.add(item_name, i);
  }
  return e;
}

XmlElement emptyList(std::string name) { return list(std::move(name), "", {}); }

// Items of a Quantity/Items list, creating the Items element when needed.
XmlElement& itemsOf(XmlElement& list_element) {
  if (XmlElement* items = list_element.child("Items")) return *items;
  if (list_element.child("Quantity") == nullptr) list_element.add("Quantity", "0");
  return list_element.add("Items");
}

// Sets Quantity from the number of Items and drops an empty Items.
void syncQuantity(XmlElement& list_element) {
  XmlElement* items = list_element.child("Items");
  size_t n = items == nullptr ? 0 : items->children.size();
  if (items != nullptr && n == 0) {
    auto& c = list_element.children;
    c.erase(std::remove_if(c.begin(), c.end(),
                           [](const XmlElement& e) { return e.localName() == "Items"; }),
            c.end());
  }
  XmlElement* quantity = list_element.child("Quantity");
  if (quantity == nullptr) {
    list_element.children.insert(list_element.children.begin(), element("Quantity"));
    quantity = &list_element.children.front();
  }
  quantity->text = std::to_string(n);
}

XmlElement barrierOrigin(const WiringSpec& spec) {
  XmlElement o = element("Origin");
  o.add("Id", kBarrierOriginId);
  o.add("DomainName", spec.origin_domain);
  o.add("OriginPath", spec.origin_path);
  o.children.push_back(emptyList("CustomHeaders"));
  XmlElement& custom = o.add("CustomOriginConfig");
  custom.add("HTTPPort", "80");
  custom.add("HTTPSPort", "443");
  custom.add("OriginProtocolPolicy", "https-only");
  custom.children.push_back(list("OriginSslProtocols", "SslProtocol", {"TLSv1.2"}));
  custom.add("OriginReadTimeout", "30");
  custom.add("OriginKeepaliveTimeout", "5");
  o.add("ConnectionAttempts", "3");
  o.add("ConnectionTimeout", "10");
  return o;
}

XmlElement identityBehavior() {
  XmlElement b = element("CacheBehavior");
  b.add("PathPattern", kIdentityPathPattern);
  b.add("TargetOriginId", kBarrierOriginId);
  XmlElement& signers = b.add("TrustedSigners");
  signers.add("Enabled", "false");
  signers.add("Quantity", "0");
  XmlElement& groups = b.add("TrustedKeyGroups");
  groups.add("Enabled", "false");
  groups.add("Quantity", "0");
  b.add("ViewerProtocolPolicy", "redirect-to-https");
  XmlElement methods = list("AllowedMethods", "Method",
                            {"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"});
  methods.children.push_back(list("CachedMethods", "Method", {"GET", "HEAD"}));
  b.children.push_back(std::move(methods));
  b.add("SmoothStreaming", "false");
  b.add("Compress", "true");
  b.children.push_back(emptyList("LambdaFunctionAssociations"));
  b.children.push_back(emptyList("FunctionAssociations"));
  b.add("FieldLevelEncryptionId", "");
  b.add("CachePolicyId", kCachingDisabledPolicyId);
  b.add("OriginRequestPolicyId", kAllViewerExceptHostPolicyId);
  return b;
}

// True when `existing` holds every field of `wanted` with its value. Fields
// CloudFront adds (OriginShield, RealtimeLogConfigArn, TTLs, ...) or an
// operator set beside barrier's are not barrier's to compare, and the items
// of a list may come back in another order. Comparing whole documents made
// every deploy rewrite the distribution (minutes of "InProgress" each time).
bool covers(const XmlElement& existing, const XmlElement& wanted) {
  if (wanted.children.empty()) return existing.children.empty() && existing.text == wanted.text;
  if (wanted.localName() == "Items") {
    if (existing.children.size() != wanted.children.size()) return false;
    std::vector<bool> used(existing.children.size(), false);
    for (const XmlElement& w : wanted.children) {
      bool found = false;
      for (size_t i = 0; i < existing.children.size() && !found; ++i) {
        if (!used[i] && existing.children[i].localName() == w.localName() &&
            covers(existing.children[i], w)) {
          used[i] = found = true;
        }
      }
      if (!found) return false;
    }
    return true;
  }
  for (const XmlElement& w : wanted.children) {
    const XmlElement* e = existing.child(w.localName());
    if (e == nullptr || !covers(*e, w)) return false;
  }
  return true;
}

// Adds or refreshes the barrier origin.
void wireOrigin(XmlElement& config, const WiringSpec& spec, std::vector<std::string>& changes) {
  XmlElement* origins = config.child("Origins");
  if (origins == nullptr) {
    config.children.push_back(emptyList("Origins"));
    origins = &config.children.back();
  }
  XmlElement& items = itemsOf(*origins);
  XmlElement wanted = barrierOrigin(spec);
  for (auto& o : items.children) {
    if (o.childText("Id") != kBarrierOriginId) continue;
    if (!covers(o, wanted)) {
      o = std::move(wanted);
      changes.push_back(std::string("update origin ") + kBarrierOriginId + " -> https://" +
                        spec.origin_domain + spec.origin_path);
    }
    return;
  }
  items.children.push_back(std::move(wanted));
  syncQuantity(*origins);
  changes.push_back(std::string("add origin ") + kBarrierOriginId + " -> https://" +
                    spec.origin_domain + spec.origin_path + " (HTTPS only)");
}

// Adds or refreshes the /_identity/* behaviour, first in precedence.
void wireIdentityBehavior(XmlElement& config, std::vector<std::string>& changes) {
  XmlElement* behaviors = config.child("CacheBehaviors");
  if (behaviors == nullptr) {
    // Keep schema order: CacheBehaviors follows DefaultCacheBehavior.
    auto& c = config.children;
    auto at = std::find_if(c.begin(), c.end(), [](const XmlElement& e) {
      return e.localName() == "DefaultCacheBehavior";
    });
    behaviors = &*c.insert(at == c.end() ? c.end() : at + 1, emptyList("CacheBehaviors"));
  }
  XmlElement& items = itemsOf(*behaviors);
  XmlElement wanted = identityBehavior();
  for (size_t i = 0; i < items.children.size(); ++i) {
    XmlElement& b = items.children[i];
    if (b.childText("PathPattern") != kIdentityPathPattern) continue;
    if (i != 0 || !covers(b, wanted)) {
      items.children.erase(items.children.begin() + static_cast<long>(i));
      items.children.insert(items.children.begin(), std::move(wanted));
      changes.push_back(std::string("update behaviour ") + kIdentityPathPattern +
                        " (first, no caching, all cookies and query strings, Host not forwarded)");
    }
    return;
  }
  items.children.insert(items.children.begin(), std::move(wanted));
  syncQuantity(*behaviors);
  changes.push_back(std::string("add behaviour ") + kIdentityPathPattern + " -> " +
                    kBarrierOriginId +
                    " (first, no caching, all cookies and query strings, Host not forwarded)");
}

// CloudFront refuses a CloudFront Function and a Lambda@Edge function on the
// viewer events of one behaviour (the developer guide's "Restrictions on all
// edge functions"), so such a behaviour cannot take the checker.
Status refuseViewerFunction(const XmlElement& behavior, const std::string& label) {
  const XmlElement* items = behavior.find({"FunctionAssociations", "Items"});
  if (items == nullptr) return Status::ok();
  for (const XmlElement& f : items->children) {
    std::string event = f.childText("EventType");
    if (event != "viewer-request" && event != "viewer-response") continue;
    return Status::invalid("behaviour " + label + " runs the CloudFront Function " +
                           f.childText("FunctionARN") + " on " + event +
                           ", and CloudFront allows no Lambda@Edge function on the viewer events "
                           "then; remove it from the behaviour, or leave the behaviour out of "
                           "Cloudfront.ProtectedBehaviors");
  }
  return Status::ok();
}

// The viewer-request association of one behaviour.
Status associate(XmlElement& behavior, const std::string& label, const std::string& arn,
                 std::vector<std::string>& changes) {
  if (Status s = refuseViewerFunction(behavior, label); !s) return s;
  XmlElement* assocs = behavior.child("LambdaFunctionAssociations");
  if (assocs == nullptr) {
    // Schema order: after Compress (or SmoothStreaming / AllowedMethods).
    auto& c = behavior.children;
    auto at = c.end();
    for (const char* before :
         {"Compress", "SmoothStreaming", "AllowedMethods", "ViewerProtocolPolicy"}) {
      at = std::find_if(c.begin(), c.end(),
                        [&](const XmlElement& e) { return e.localName() == before; });
      if (at != c.end()) break;
    }
    assocs = &*c.insert(at == c.end() ? c.end() : at + 1, emptyList("LambdaFunctionAssociations"));
  }
  XmlElement& items = itemsOf(*assocs);
  std::string base = unqualifiedFunctionArn(arn);
  for (auto& a : items.children) {
    if (a.childText("EventType") != "viewer-request") continue;
    XmlElement* current = a.child("LambdaFunctionARN");
    std::string current_arn = current == nullptr ? "" : current->text;
    if (current_arn == arn) return Status::ok();
    if (unqualifiedFunctionArn(current_arn) != base) {
      return Status::invalid("behaviour " + label + " already runs " + current_arn +
                             " on viewer-request; remove it, or leave the behaviour out of "
                             "Cloudfront.ProtectedBehaviors");
    }
    current->text = arn;
    changes.push_back("behaviour " + label + ": viewer-request " + current_arn + " -> " + arn);
    return Status::ok();
  }
  XmlElement& a = items.add("LambdaFunctionAssociation");
  a.add("LambdaFunctionARN", arn);
  a.add("EventType", "viewer-request");
  a.add("IncludeBody", "false");
  syncQuantity(*assocs);
  changes.push_back("behaviour " + label + ": add viewer-request " + arn);
  return Status::ok();
}

bool isProtected(const std::vector<std::string>& wanted, const std::string& pattern) {
  if (pattern == kIdentityPathPattern) return false;
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), pattern) != wanted.end();
}

// The hosts a TargetOriginId sends requests to: its origin's DomainName, or
// those of an origin group's members (failover reaches either). Compared by
// host rather than id, since two origin entries for one host (another
// OriginPath, other custom headers) reach the same application. An id that
// names no origin stands for itself.
std::set<std::string> reachedHosts(const XmlElement& config, const std::string& target) {
  std::vector<std::string> ids{target};
  if (const XmlElement* groups = config.find({"OriginGroups", "Items"})) {
    for (const XmlElement& g : groups->children) {
      if (g.childText("Id") != target) continue;
      ids.clear();
      if (const XmlElement* members = g.find({"Members", "Items"})) {
        for (const XmlElement& m : members->children) ids.push_back(m.childText("OriginId"));
      }
    }
  }
  const XmlElement* origins = config.find({"Origins", "Items"});
  std::set<std::string> hosts;
  for (const std::string& id : ids) {
    std::string host = id;
    for (size_t i = 0; origins != nullptr && i < origins->children.size(); ++i) {
      if (origins->children[i].childText("Id") == id)
        host = origins->children[i].childText("DomainName");
    }
    hosts.insert(host);
  }
  return hosts;
}

// The warning for one exposed behaviour: what, where, why it matters, the fix.
std::string exposureWarning(const std::string& pattern, const std::string& target,
                            const std::string& hosts) {
  bool is_default = pattern == "*";
  std::string label = is_default ? "* (default)" : pattern;
  std::string paths = is_default ? "the paths the default behaviour serves" : pattern;
  return "behaviour " + label + " is not in Cloudfront.ProtectedBehaviors but routes to origin " +
         target + " (" + hosts + "), which protected behaviours also reach: requests to " + paths +
         " run no checker, so the origin receives client-sent X-Barrier-* headers there "
         "unstripped, and a forged "
         "X-Barrier-User names any user. Add " +
         pattern +
         " to Cloudfront.ProtectedBehaviors, or make the origin ignore X-Barrier-* headers on " +
         paths + ".";
}

// Security: the checker is what strips client-sent X-Barrier-* headers. A
// behaviour left out of ProtectedBehaviors runs no checker, so when it routes
// to an application that protected behaviours also reach, that application
// gets X-Barrier-User exactly as the client wrote it on those paths, and one
// that trusts the header there lets any client name itself. barrier cannot
// tell whether the application trusts it on those paths, so it warns on
// every deploy rather than refusing.
std::vector<std::string> exposureWarnings(const XmlElement& config, const WiringSpec& spec) {
  struct Behavior {
    std::string pattern;  // "*" for the default
    std::string target;   // TargetOriginId
  };
  std::vector<Behavior> unprotected;
  std::set<std::string> protected_hosts;
  auto classify = [&](const XmlElement& b, const std::string& pattern) {
    std::string target = b.childText("TargetOriginId");
    // /_identity/* is barrier's own, to the session manager, which sets identity itself.
    if (pattern == kIdentityPathPattern || target.empty()) return;
    if (isProtected(spec.protected_behaviors, pattern)) {
      protected_hosts.merge(reachedHosts(config, target));
    } else {
      unprotected.push_back({pattern, target});
    }
  };
  if (const XmlElement* def = config.child("DefaultCacheBehavior")) classify(*def, "*");
  if (const XmlElement* items = config.find({"CacheBehaviors", "Items"})) {
    for (const XmlElement& b : items->children) classify(b, b.childText("PathPattern"));
  }
  std::vector<std::string> warnings;
  for (const Behavior& b : unprotected) {
    std::string shared;
    for (const std::string& host : reachedHosts(config, b.target)) {
      if (protected_hosts.count(host) == 0) continue;
      shared += shared.empty() ? "" : ", ";
      shared += host;
    }
    if (!shared.empty()) warnings.push_back(exposureWarning(b.pattern, b.target, shared));
  }
  return warnings;
}

}  // namespace

std::string unqualifiedFunctionArn(const std::string& arn) {
  // arn:aws:lambda:region:account:function:name[:qualifier] has 7 or 8 parts.
  size_t colons = static_cast<size_t>(std::count(arn.begin(), arn.end(), ':'));
  if (colons < 7) return arn;
  return arn.substr(0, arn.rfind(':'));
}

Result<Wiring> wireDistribution(XmlElement& config, const WiringSpec& spec) {
  std::vector<std::string> changes;
  // Named behaviours must exist: a typo would otherwise leave a path unprotected.
  for (const auto& name : spec.protected_behaviors) {
    if (name == "*") continue;
    bool found = false;
    if (const XmlElement* items = config.find({"CacheBehaviors", "Items"})) {
      for (const auto& b : items->children) found = found || b.childText("PathPattern") == name;
    }
    if (!found) {
      return Status::invalid(
          "Cloudfront.ProtectedBehaviors names " + name +
          ", but the distribution has no cache behaviour with that path pattern");
    }
  }
  wireOrigin(config, spec, changes);
  wireIdentityBehavior(config, changes);
  if (isProtected(spec.protected_behaviors, "*")) {
    XmlElement* def = config.child("DefaultCacheBehavior");
    if (def == nullptr) return Status::invalid("distribution config has no DefaultCacheBehavior");
    if (Status s = associate(*def, "* (default)", spec.checker_version_arn, changes); !s) return s;
  }
  if (XmlElement* items = config.child("CacheBehaviors")
                              ? config.child("CacheBehaviors")->child("Items")
                              : nullptr) {
    for (auto& b : items->children) {
      std::string pattern = b.childText("PathPattern");
      if (!isProtected(spec.protected_behaviors, pattern)) continue;
      if (Status s = associate(b, pattern, spec.checker_version_arn, changes); !s) return s;
    }
  }
  return Wiring{std::move(changes), exposureWarnings(config, spec)};
}

std::vector<std::string> unwireDistribution(XmlElement& config,
                                            const std::string& checker_function_arn) {
  std::vector<std::string> changes;
  std::string base = unqualifiedFunctionArn(checker_function_arn);
  auto unassociate = [&](XmlElement& behavior, const std::string& label) {
    XmlElement* assocs = behavior.child("LambdaFunctionAssociations");
    XmlElement* items = assocs == nullptr ? nullptr : assocs->child("Items");
    if (items == nullptr) return;
    auto& c = items->children;
    size_t before = c.size();
    c.erase(std::remove_if(c.begin(), c.end(),
                           [&](const XmlElement& a) {
                             return unqualifiedFunctionArn(a.childText("LambdaFunctionARN")) ==
                                    base;
                           }),
            c.end());
    if (c.size() != before) {
      syncQuantity(*assocs);
      changes.push_back("behaviour " + label + ": remove the barrier viewer-request function");
    }
  };
  if (XmlElement* def = config.child("DefaultCacheBehavior")) unassociate(*def, "* (default)");
  if (XmlElement* behaviors = config.child("CacheBehaviors")) {
    if (XmlElement* items = behaviors->child("Items")) {
      for (auto& b : items->children) unassociate(b, b.childText("PathPattern"));
      auto& c = items->children;
      size_t before = c.size();
      c.erase(std::remove_if(c.begin(), c.end(),
                             [](const XmlElement& b) {
                               return b.childText("PathPattern") == kIdentityPathPattern;
                             }),
              c.end());
      if (c.size() != before)
        changes.push_back(std::string("remove behaviour ") + kIdentityPathPattern);
      syncQuantity(*behaviors);
    }
  }
  if (XmlElement* origins = config.child("Origins")) {
    if (XmlElement* items = origins->child("Items")) {
      auto& c = items->children;
      size_t before = c.size();
      c.erase(
          std::remove_if(c.begin(), c.end(),
                         [](const XmlElement& o) { return o.childText("Id") == kBarrierOriginId; }),
          c.end());
      if (c.size() != before) {
        changes.push_back(std::string("remove origin ") + kBarrierOriginId);
        syncQuantity(*origins);
      }
    }
  }
  return changes;
}

}  // namespace barrier
