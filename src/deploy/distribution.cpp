// CloudFront's XML schema is order-sensitive, so new elements are built in
// schema order and lists are edited in place (Quantity kept in step with Items).
#include "deploy/distribution.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/handlers/check.h"

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

bool sameHeaderName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool containsHeader(const std::vector<std::string>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return sameHeaderName(n, name); });
}

// The item texts of a Quantity/Items list (<Headers><Items><Name>..).
std::vector<std::string> itemTexts(const XmlElement* list_element) {
  std::vector<std::string> out;
  const XmlElement* items = list_element == nullptr ? nullptr : list_element->child("Items");
  if (items == nullptr) return out;
  for (const XmlElement& i : items->children) out.push_back(i.text);
  return out;
}

// Whether a HeadersConfig (cache or origin request policy) sends `name`.
bool headersConfigSends(const XmlElement* headers_config, std::string_view name) {
  if (headers_config == nullptr) return false;
  std::string behavior = headers_config->childText("HeaderBehavior");
  std::vector<std::string> names = itemTexts(headers_config->child("Headers"));
  if (behavior == "allViewer" || behavior == "allViewerAndWhitelistCloudFront") return true;
  if (behavior == "allExcept") return !containsHeader(names, name);
  return behavior == "whitelist" && containsHeader(names, name);
}

// Whether a policy's CookiesConfig includes cookie `name` (names are case-sensitive).
bool cookiesConfigIncludes(const XmlElement* cookies_config, const std::string& name) {
  if (cookies_config == nullptr) return false;
  std::string behavior = cookies_config->childText("CookieBehavior");
  std::vector<std::string> names = itemTexts(cookies_config->child("Cookies"));
  bool listed = std::find(names.begin(), names.end(), name) != names.end();
  if (behavior == "all") return true;
  if (behavior == "allExcept") return !listed;
  return behavior == "whitelist" && listed;
}

long long ttlOf(const XmlElement& e, std::string_view field) {
  std::string text = e.childText(field);
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    return 0;
  }
  return text.size() > 12 ? 999999999999LL : std::stoll(text);
}

constexpr std::string_view kReplacedComment = "barrier: destroy puts back origin request policy ";

// destroy: the identity headers leave a legacy behaviour's forwarded headers.
void unforwardLegacyHeaders(XmlElement& behavior, const std::string& label,
                            std::vector<std::string>& changes) {
  if (!behavior.childText("CachePolicyId").empty()) return;
  XmlElement* forwarded = behavior.child("ForwardedValues");
  XmlElement* headers = forwarded == nullptr ? nullptr : forwarded->child("Headers");
  XmlElement* items = headers == nullptr ? nullptr : headers->child("Items");
  if (items == nullptr) return;
  auto& c = items->children;
  size_t before = c.size();
  c.erase(std::remove_if(c.begin(), c.end(),
                         [](const XmlElement& h) { return isIdentityHeaderName(h.text); }),
          c.end());
  if (c.size() == before) return;
  syncQuantity(*headers);
  changes.push_back("behaviour " + label + ": stop forwarding the X-Barrier-* headers");
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

// Adds each of `aliases` missing from the distribution's Aliases (CNAMEs
// compare ignoring case). CloudFront refuses an alias its viewer
// certificate does not cover: the change line says so.
void wireAliases(XmlElement& config, const std::vector<std::string>& aliases,
                 std::vector<std::string>& changes) {
  if (aliases.empty()) return;
  XmlElement* names = config.child("Aliases");
  if (names == nullptr) {
    // Schema order: Aliases follows CallerReference.
    auto& c = config.children;
    auto at = std::find_if(c.begin(), c.end(),
                           [](const XmlElement& e) { return e.localName() == "CallerReference"; });
    names = &*c.insert(at == c.end() ? c.begin() : at + 1, emptyList("Aliases"));
  }
  for (const std::string& alias : aliases) {
    std::vector<std::string> present = itemTexts(names);
    bool known = std::any_of(present.begin(), present.end(),
                             [&](const std::string& p) { return equalsIgnoreCase(p, alias); });
    if (known) continue;
    itemsOf(*names).add("CNAME", alias);
    syncQuantity(*names);
    changes.push_back("add alias " + alias +
                      " (allowed_hosts; the distribution's certificate must cover it)");
  }
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
  wireAliases(config, spec.aliases, changes);
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
  if (XmlElement* def = config.child("DefaultCacheBehavior")) {
    unassociate(*def, "* (default)");
    unforwardLegacyHeaders(*def, "* (default)", changes);
  }
  if (XmlElement* behaviors = config.child("CacheBehaviors")) {
    if (XmlElement* items = behaviors->child("Items")) {
      for (auto& b : items->children) {
        unassociate(b, b.childText("PathPattern"));
        unforwardLegacyHeaders(b, b.childText("PathPattern"), changes);
      }
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

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::vector<ProtectedBehavior> protectedBehaviors(XmlElement& config,
                                                  const std::vector<std::string>& wanted) {
  std::vector<ProtectedBehavior> out;
  if (isProtected(wanted, "*")) {
    if (XmlElement* def = config.child("DefaultCacheBehavior")) out.push_back({"* (default)", def});
  }
  if (XmlElement* behaviors = config.child("CacheBehaviors")) {
    if (XmlElement* items = behaviors->child("Items")) {
      for (XmlElement& b : items->children) {
        std::string pattern = b.childText("PathPattern");
        if (isProtected(wanted, pattern)) out.push_back({pattern, &b});
      }
    }
  }
  return out;
}

std::optional<XmlElement> knownCachePolicy(const std::string& id) {
  bool disabled = id == kCachingDisabledPolicyId;
  if (!disabled && id != kCachingOptimizedPolicyId) return std::nullopt;
  XmlElement p = element("CachePolicyConfig");
  p.add("Name", disabled ? "Managed-CachingDisabled" : "Managed-CachingOptimized");
  p.add("DefaultTTL", disabled ? "0" : "86400");
  p.add("MaxTTL", disabled ? "0" : "31536000");
  p.add("MinTTL", disabled ? "0" : "1");
  XmlElement& key = p.add("ParametersInCacheKeyAndForwardedToOrigin");
  key.add("HeadersConfig").add("HeaderBehavior", "none");
  key.add("CookiesConfig").add("CookieBehavior", "none");
  key.add("QueryStringsConfig").add("QueryStringBehavior", "none");
  return p;
}

std::optional<XmlElement> knownOriginRequestPolicy(const std::string& id) {
  bool except_host = id == kAllViewerExceptHostPolicyId;
  if (!except_host && id != kAllViewerPolicyId) return std::nullopt;
  XmlElement p = element("OriginRequestPolicyConfig");
  p.add("Name", except_host ? "Managed-AllViewerExceptHostHeader" : "Managed-AllViewer");
  XmlElement& headers = p.add("HeadersConfig");
  headers.add("HeaderBehavior", except_host ? "allExcept" : "allViewer");
  if (except_host) headers.children.push_back(list("Headers", "Name", {"Host"}));
  p.add("CookiesConfig").add("CookieBehavior", "all");
  p.add("QueryStringsConfig").add("QueryStringBehavior", "all");
  return p;
}

std::vector<std::string> identityHeadersNotForwarded(const XmlElement* cache_policy,
                                                     const XmlElement* origin_request_policy) {
  const XmlElement* cache_headers =
      cache_policy == nullptr
          ? nullptr
          : cache_policy->find({"ParametersInCacheKeyAndForwardedToOrigin", "HeadersConfig"});
  const XmlElement* origin_headers =
      origin_request_policy == nullptr ? nullptr : origin_request_policy->child("HeadersConfig");
  std::vector<std::string> missing;
  for (const char* name : kIdentityHeaders) {
    if (!headersConfigSends(cache_headers, name) && !headersConfigSends(origin_headers, name)) {
      missing.emplace_back(name);
    }
  }
  return missing;
}

std::vector<std::string> legacyIdentityHeadersNotForwarded(const XmlElement& behavior) {
  std::vector<std::string> names = itemTexts(behavior.find({"ForwardedValues", "Headers"}));
  std::vector<std::string> missing;
  if (std::find(names.begin(), names.end(), "*") != names.end()) return missing;
  for (const char* name : kIdentityHeaders) {
    if (!containsHeader(names, name)) missing.emplace_back(name);
  }
  return missing;
}

XmlElement identityOriginRequestPolicy(const XmlElement* previous, const std::string& previous_id,
                                       const std::vector<std::string>& missing) {
  XmlElement p = element("OriginRequestPolicyConfig");
  p.attributes.emplace_back("xmlns", "http://cloudfront.amazonaws.com/doc/2020-05-31/");
  p.add("Comment", std::string(kReplacedComment) + (previous_id.empty() ? "none" : previous_id));
  const XmlElement* before = previous == nullptr ? nullptr : previous->child("HeadersConfig");
  std::string behavior = before == nullptr ? "none" : before->childText("HeaderBehavior");
  std::vector<std::string> names =
      itemTexts(before == nullptr ? nullptr : before->child("Headers"));
  if (behavior == "allExcept") {
    // Everything but a list: the identity headers leave the list.
    names.erase(std::remove_if(names.begin(), names.end(),
                               [&](const std::string& n) { return containsHeader(missing, n); }),
                names.end());
    if (names.empty()) behavior = "allViewer";
  } else if (behavior == "none" || behavior == "whitelist") {
    behavior = "whitelist";
    for (const auto& m : missing) {
      if (!containsHeader(names, m)) names.push_back(m);
    }
  }
  XmlElement& headers = p.add("HeadersConfig");
  headers.add("HeaderBehavior", behavior);
  if (!names.empty()) headers.children.push_back(list("Headers", "Name", names));
  for (auto [config, field] : {std::pair{"CookiesConfig", "CookieBehavior"},
                               std::pair{"QueryStringsConfig", "QueryStringBehavior"}}) {
    const XmlElement* kept = previous == nullptr ? nullptr : previous->child(config);
    if (kept != nullptr) {
      p.children.push_back(*kept);
    } else {
      p.add(config).add(field, "none");
    }
  }
  return p;
}

void nameOriginRequestPolicy(XmlElement& policy, const std::string& name) {
  if (XmlElement* existing = policy.child("Name")) {
    existing->text = name;
    return;
  }
  auto& c = policy.children;
  auto at = std::find_if(c.begin(), c.end(),
                         [](const XmlElement& e) { return e.localName() == "Comment"; });
  c.insert(at == c.end() ? c.begin() : at + 1, element("Name", name));
}

std::optional<std::string> replacedOriginRequestPolicy(const XmlElement& policy) {
  std::string comment = policy.childText("Comment");
  if (comment.rfind(kReplacedComment, 0) != 0) return std::nullopt;
  std::string id = comment.substr(kReplacedComment.size());
  return id == "none" ? "" : id;
}

void setOriginRequestPolicy(XmlElement& behavior, const std::string& id) {
  auto& c = behavior.children;
  auto is = [](std::string_view name) {
    return [name](const XmlElement& e) { return e.localName() == name; };
  };
  auto existing = std::find_if(c.begin(), c.end(), is("OriginRequestPolicyId"));
  if (id.empty()) {
    if (existing != c.end()) c.erase(existing);
    return;
  }
  if (existing != c.end()) {
    existing->text = id;
    return;
  }
  // Schema order: right after CachePolicyId.
  auto at = std::find_if(c.begin(), c.end(), is("CachePolicyId"));
  c.insert(at == c.end() ? c.end() : at + 1, element("OriginRequestPolicyId", id));
}

Status forwardLegacyHeaders(XmlElement& behavior, const std::string& label,
                            const std::vector<std::string>& missing) {
  XmlElement* forwarded = behavior.child("ForwardedValues");
  if (forwarded == nullptr) {
    return Status::invalid("behaviour " + label +
                           " has neither a cache policy nor ForwardedValues; attach a cache "
                           "policy to it");
  }
  XmlElement* headers = forwarded->child("Headers");
  if (headers == nullptr) {
    // Schema order: QueryString, Cookies, Headers, QueryStringCacheKeys.
    auto& c = forwarded->children;
    auto at = std::find_if(c.begin(), c.end(),
                           [](const XmlElement& e) { return e.localName() == "Cookies"; });
    headers = &*c.insert(at == c.end() ? c.end() : at + 1, emptyList("Headers"));
  }
  size_t now = itemTexts(headers).size();
  if (now + missing.size() > kMaxPolicyHeaders) {
    return Status::invalid(
        "behaviour " + label + " uses legacy cache settings that forward " + std::to_string(now) +
        " headers; the checker's " + joinNames(missing) + " would pass CloudFront's " +
        std::to_string(kMaxPolicyHeaders) +
        " there. Give the behaviour a cache policy (CachingDisabled suits pages for signed-in "
        "users) so deploy can add an origin request policy, or forward fewer headers");
  }
  XmlElement& items = itemsOf(*headers);
  for (const auto& m : missing) items.add("Name", m);
  syncQuantity(*headers);
  return Status::ok();
}

std::optional<std::string> sharedCacheWarning(const std::string& label, const XmlElement& behavior,
                                              const XmlElement* cache_policy,
                                              const std::string& cookie_name) {
  const XmlElement& ttls = cache_policy == nullptr ? behavior : *cache_policy;
  long long ttl =
      std::max({ttlOf(ttls, "MinTTL"), ttlOf(ttls, "DefaultTTL"), ttlOf(ttls, "MaxTTL")});
  if (ttl == 0) return std::nullopt;
  bool keyed = false;
  if (cache_policy != nullptr) {
    const XmlElement* key = cache_policy->child("ParametersInCacheKeyAndForwardedToOrigin");
    keyed = key != nullptr && (cookiesConfigIncludes(key->child("CookiesConfig"), cookie_name) ||
                               headersConfigSends(key->child("HeadersConfig"), kHeaderSessionId));
  } else {
    const XmlElement* cookies = behavior.find({"ForwardedValues", "Cookies"});
    std::string forward = cookies == nullptr ? "" : cookies->childText("Forward");
    std::vector<std::string> listed =
        itemTexts(cookies == nullptr ? nullptr : cookies->child("WhitelistedNames"));
    std::vector<std::string> headers = itemTexts(behavior.find({"ForwardedValues", "Headers"}));
    keyed = forward == "all" ||
            (forward == "whitelist" &&
             std::find(listed.begin(), listed.end(), cookie_name) != listed.end()) ||
            containsHeader(headers, kHeaderSessionId) ||
            std::find(headers.begin(), headers.end(), "*") != headers.end();
  }
  if (keyed) return std::nullopt;
  std::string policy = cache_policy == nullptr ? "its legacy cache settings"
                                               : "cache policy " + cache_policy->childText("Name");
  return "behaviour " + label + " caches responses (" + policy + ": TTL up to " +
         std::to_string(ttl) +
         " s) under a cache key without the session, so a page made for one signed-in user can "
         "be served to another. Use the managed cache policy CachingDisabled (" +
         kCachingDisabledPolicyId + ") on it, or include the cookie " + cookie_name +
         " in its cache key.";
}

std::vector<std::string> restoreOriginRequestPolicies(
    XmlElement& config, const std::map<std::string, std::string>& replaced) {
  std::vector<std::string> changes;
  auto restore = [&](XmlElement& behavior, const std::string& label) {
    std::string current = behavior.childText("OriginRequestPolicyId");
    auto it = replaced.find(current);
    if (current.empty() || it == replaced.end()) return;
    setOriginRequestPolicy(behavior, it->second);
    changes.push_back("behaviour " + label + ": origin request policy " + current + " -> " +
                      (it->second.empty() ? "none" : it->second) + " (as before barrier)");
  };
  if (XmlElement* def = config.child("DefaultCacheBehavior")) restore(*def, "* (default)");
  if (XmlElement* behaviors = config.child("CacheBehaviors")) {
    if (XmlElement* items = behaviors->child("Items")) {
      for (XmlElement& b : items->children) restore(b, b.childText("PathPattern"));
    }
  }
  return changes;
}

}  // namespace barrier
