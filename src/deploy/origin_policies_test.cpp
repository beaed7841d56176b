#include "deploy/origin_policies.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/support/fake_aws_client.h"
#include "tests/support/fake_http_client.h"

namespace barrier {
namespace {

constexpr const char* kApi = "https://cloudfront.amazonaws.com/2020-05-31/";

// A stand-in for CloudFront's policy API (moto models none of it): cache
// and origin request policies by id, created ones numbered, deleted with
// If-Match their ETag ("E-<id>"), refused while the test marks them in use.
struct PolicyApi {
  std::map<std::string, std::string> cache;   // id -> <CachePolicyConfig> text
  std::map<std::string, std::string> origin;  // id -> <OriginRequestPolicyConfig> text
  std::set<std::string> in_use;
  int created = 0;

  static HttpClientResponse error(int status, const std::string& code) {
    return httpResponse(status, "<ErrorResponse><Error><Type>Sender</Type><Code>" + code +
                                    "</Code><Message>" + code +
                                    "</Message></Error></ErrorResponse>");
  }
  static HttpClientResponse policy(const char* kind, const std::string& id,
                                   const std::string& config) {
    HttpClientResponse r = httpResponse(200, std::string("<") + kind + "><Id>" + id +
                                                 "</Id><LastModifiedTime>2026-01-01T00:00:00Z"
                                                 "</LastModifiedTime>" +
                                                 config + "</" + kind + ">");
    r.headers.add("ETag", "E-" + id);
    return r;
  }

  Result<HttpClientResponse> answer(const HttpClientRequest& r) {
    std::string path = r.url.substr(std::string(kApi).size());
    path = path.substr(0, path.find('?'));
    auto tail = [&](const std::string& prefix) {
      return path.rfind(prefix, 0) == 0 ? path.substr(prefix.size()) : std::string();
    };
    if (r.method == "GET" && !tail("cache-policy/").empty()) {
      auto it = cache.find(tail("cache-policy/"));
      if (it == cache.end()) return error(404, "NoSuchCachePolicy");
      return policy("CachePolicy", it->first, it->second);
    }
    std::string id = tail("origin-request-policy/");
    if (r.method == "GET" && !id.empty()) {
      auto it = origin.find(id);
      if (it == origin.end()) return error(404, "NoSuchOriginRequestPolicy");
      return policy("OriginRequestPolicy", id, it->second);
    }
    if (r.method == "POST" && path == "origin-request-policy") {
      auto doc = parseXml(r.body);
      if (!doc) return error(400, "MalformedInput");
      std::string made = "orp-barrier-" + std::to_string(++created);
      origin[made] = writeXml(*doc);
      HttpClientResponse answer = policy("OriginRequestPolicy", made, origin[made]);
      answer.status = 201;
      return answer;
    }
    if (r.method == "DELETE" && !id.empty()) {
      if (origin.count(id) == 0) return error(404, "NoSuchOriginRequestPolicy");
      if (r.headers.get("If-Match") != "E-" + id) return error(412, "PreconditionFailed");
      if (in_use.count(id) != 0) return error(409, "OriginRequestPolicyInUse");
      origin.erase(id);
      return httpResponse(204);
    }
    return error(400, "InvalidArgument");
  }

  XmlElement originConfig(const std::string& id) {
    auto doc = parseXml(origin.at(id));
    EXPECT_TRUE(doc.isOk());
    return std::move(doc).value();
  }
};

IdentityForwardingSpec forwarding(bool dry_run = false) {
  return {{}, "barrier-Test-", "__Host-barrier", dry_run};
}

struct Harness {
  PolicyApi api;
  std::shared_ptr<FakeHttpClient> http = std::make_shared<FakeHttpClient>(
      [this](const HttpClientRequest& r) { return api.answer(r); });
  AwsClient client = fakeAwsClient(http);
  CloudFrontPolicies policies{client};

  // One deploy's forwarding step over `config`.
  struct Run {
    Wiring wiring;
    std::vector<std::string> created;
  };
  Run forward(XmlElement& config, bool dry_run = false) {
    Run run;
    Status s =
        forwardIdentityHeaders(policies, config, forwarding(dry_run), run.wiring, run.created);
    EXPECT_TRUE(s.isOk()) << s.toString();
    return run;
  }
};

// One default behaviour with the given policy ids ("" leaves one out).
XmlElement distribution(const std::string& cache_id, const std::string& origin_id) {
  std::string behaviour =
      "<TargetOriginId>site</TargetOriginId><ViewerProtocolPolicy>redirect-to-https"
      "</ViewerProtocolPolicy><Compress>true</Compress>";
  if (!cache_id.empty()) behaviour += "<CachePolicyId>" + cache_id + "</CachePolicyId>";
  if (!origin_id.empty()) {
    behaviour += "<OriginRequestPolicyId>" + origin_id + "</OriginRequestPolicyId>";
  }
  auto doc = parseXml(
      "<DistributionConfig xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\">"
      "<Origins><Quantity>1</Quantity><Items><Origin><Id>site</Id><DomainName>app.example"
      "</DomainName></Origin></Items></Origins><DefaultCacheBehavior>" +
      behaviour + "</DefaultCacheBehavior><Comment>site</Comment></DistributionConfig>");
  EXPECT_TRUE(doc.isOk());
  return std::move(doc).value();
}

std::vector<std::string> headerNames(const XmlElement& policy) {
  std::vector<std::string> out;
  if (const XmlElement* items = policy.find({"HeadersConfig", "Headers", "Items"})) {
    for (const XmlElement& i : items->children) out.push_back(i.text);
  }
  return out;
}

constexpr const char* kSitePolicy =
    "<OriginRequestPolicyConfig><Comment>site</Comment><Name>site</Name>"
    "<HeadersConfig><HeaderBehavior>whitelist</HeaderBehavior><Headers><Quantity>1</Quantity>"
    "<Items><Name>Accept-Language</Name></Items></Headers></HeadersConfig>"
    "<CookiesConfig><CookieBehavior>whitelist</CookieBehavior><Cookies><Quantity>1</Quantity>"
    "<Items><Name>lang</Name></Items></Cookies></CookiesConfig>"
    "<QueryStringsConfig><QueryStringBehavior>all</QueryStringBehavior></QueryStringsConfig>"
    "</OriginRequestPolicyConfig>";

// A behaviour whose origin request policy forwards one header: deploy
// creates barrier's policy with that header, cookie and query strings plus
// the four identity headers, points the behaviour at it and records it; the
// next deploy finds the headers forwarded and changes nothing. destroy puts
// the site's policy back and deletes barrier's.
TEST(OriginPolicies, AddsTheIdentityHeadersToThePreviousSettingsAndDestroyRestores) {
  Harness h;
  h.api.origin["orp-site"] = kSitePolicy;
  XmlElement config = distribution(kCachingDisabledPolicyId, "orp-site");
  auto [wiring, created] = h.forward(config);

  ASSERT_EQ(created, std::vector<std::string>{"orp-barrier-1"});
  const XmlElement* behaviour = config.child("DefaultCacheBehavior");
  EXPECT_EQ(behaviour->childText("OriginRequestPolicyId"), "orp-barrier-1");
  XmlElement made = h.api.originConfig("orp-barrier-1");
  EXPECT_EQ(made.find({"HeadersConfig"})->childText("HeaderBehavior"), "whitelist");
  EXPECT_EQ(headerNames(made),
            (std::vector<std::string>{"Accept-Language", "X-Barrier-Session-Id", "X-Barrier-User",
                                      "X-Barrier-Email", "X-Barrier-Groups"}));
  EXPECT_EQ(made.find({"CookiesConfig", "Cookies", "Items"})->children.at(0).text, "lang");
  EXPECT_EQ(made.find({"QueryStringsConfig"})->childText("QueryStringBehavior"), "all");
  EXPECT_EQ(made.childText("Name").rfind("barrier-Test-", 0), 0u) << made.childText("Name");
  EXPECT_EQ(replacedOriginRequestPolicy(made), std::optional<std::string>("orp-site"));
  ASSERT_EQ(wiring.changes.size(), 2u);
  EXPECT_NE(wiring.changes[1].find("orp-site -> barrier-Test-"), std::string::npos);
  EXPECT_TRUE(wiring.warnings.empty());  // CachingDisabled

  size_t before = h.http->requests.size();
  auto [again, none] = h.forward(config);
  EXPECT_TRUE(again.changes.empty());
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(h.http->requests.size(), before + 1);  // GetOriginRequestPolicy of barrier's

  auto restored = restoreReplacedPolicies(h.policies, config, created);
  ASSERT_TRUE(restored.isOk()) << restored.status().toString();
  ASSERT_EQ(restored->size(), 1u);
  EXPECT_EQ(config.child("DefaultCacheBehavior")->childText("OriginRequestPolicyId"), "orp-site");
  std::vector<std::string> kept;
  auto deleted = deleteBarrierPolicies(h.policies, created, kept);
  ASSERT_TRUE(deleted.isOk()) << deleted.status().toString();
  EXPECT_TRUE(kept.empty());
  EXPECT_EQ(h.api.origin.count("orp-barrier-1"), 0u);
  EXPECT_EQ(h.api.origin.count("orp-site"), 1u);
}

// Without an origin request policy, barrier's forwards just the identity
// headers, and destroy removes the behaviour's policy again.
TEST(OriginPolicies, ABehaviourWithoutPolicyGetsOneAndLosesItOnDestroy) {
  Harness h;
  XmlElement config = distribution(kCachingDisabledPolicyId, "");
  auto [wiring, created] = h.forward(config);
  ASSERT_EQ(created.size(), 1u);
  XmlElement made = h.api.originConfig(created[0]);
  EXPECT_EQ(headerNames(made).size(), 4u);
  EXPECT_EQ(made.find({"CookiesConfig"})->childText("CookieBehavior"), "none");
  // Schema order: OriginRequestPolicyId right after CachePolicyId.
  const auto& fields = config.child("DefaultCacheBehavior")->children;
  ASSERT_GE(fields.size(), 2u);
  EXPECT_EQ(fields.back().localName(), "OriginRequestPolicyId");
  EXPECT_EQ(fields[fields.size() - 2].localName(), "CachePolicyId");

  auto restored = restoreReplacedPolicies(h.policies, config, created);
  ASSERT_TRUE(restored.isOk());
  EXPECT_EQ(config.child("DefaultCacheBehavior")->child("OriginRequestPolicyId"), nullptr);
}

// Two behaviours with the same settings share one policy of barrier's.
TEST(OriginPolicies, BehavioursWithTheSameSettingsShareAPolicy) {
  Harness h;
  XmlElement config = distribution(kCachingDisabledPolicyId, "");
  XmlElement docs = *config.child("DefaultCacheBehavior");
  docs.name = "CacheBehavior";
  docs.children.insert(docs.children.begin(), XmlElement{"PathPattern", {}, "/docs/*", {}});
  XmlElement& behaviors = config.add("CacheBehaviors");
  behaviors.add("Quantity", "1");
  behaviors.add("Items").children.push_back(docs);
  auto [wiring, created] = h.forward(config);
  EXPECT_EQ(created, std::vector<std::string>{"orp-barrier-1"});
  EXPECT_EQ(h.api.created, 1);
  EXPECT_EQ(
      config.find({"CacheBehaviors", "Items"})->children[0].childText("OriginRequestPolicyId"),
      "orp-barrier-1");
  EXPECT_EQ(wiring.changes.size(), 3u);  // one create, two behaviours
}

// The managed AllViewer and AllViewerExceptHostHeader policies send every
// viewer header (the checker's included): nothing changes, nothing is asked.
TEST(OriginPolicies, AllViewerPoliciesAreLeftAlone) {
  for (const char* managed : {kAllViewerPolicyId, kAllViewerExceptHostPolicyId}) {
    Harness h;
    XmlElement config = distribution(kCachingDisabledPolicyId, managed);
    auto [wiring, created] = h.forward(config);
    EXPECT_TRUE(wiring.changes.empty()) << managed;
    EXPECT_TRUE(created.empty());
    EXPECT_TRUE(h.http->requests.empty());
    EXPECT_EQ(config.child("DefaultCacheBehavior")->childText("OriginRequestPolicyId"), managed);
  }
}

// A custom policy that already forwards the four (here: everything but a
// list without them) is left alone too.
TEST(OriginPolicies, APolicyForwardingTheHeadersIsLeftAlone) {
  Harness h;
  h.api.origin["orp-all-but"] =
      "<OriginRequestPolicyConfig><Name>all-but</Name><HeadersConfig><HeaderBehavior>allExcept"
      "</HeaderBehavior><Headers><Quantity>1</Quantity><Items><Name>Host</Name></Items>"
      "</Headers></HeadersConfig></OriginRequestPolicyConfig>";
  XmlElement config = distribution(kCachingDisabledPolicyId, "orp-all-but");
  auto [wiring, created] = h.forward(config);
  EXPECT_TRUE(wiring.changes.empty());
  EXPECT_TRUE(created.empty());
}

// A dry run creates nothing and says what it would create.
TEST(OriginPolicies, DryRunCreatesNothing) {
  Harness h;
  h.api.origin["orp-site"] = kSitePolicy;
  XmlElement config = distribution(kCachingDisabledPolicyId, "orp-site");
  auto [wiring, created] = h.forward(config, true);
  EXPECT_TRUE(created.empty());
  EXPECT_EQ(h.api.created, 0);
  ASSERT_EQ(wiring.changes.size(), 2u);
  EXPECT_NE(wiring.changes[0].find("create origin request policy barrier-Test-"),
            std::string::npos);
  EXPECT_NE(wiring.changes[0].find("X-Barrier-Session-Id"), std::string::npos);
}

// A cache policy that keeps pages for an hour under a key without the
// session is warned about, naming the behaviour and the fix; one with the
// session cookie in its key is not.
TEST(OriginPolicies, WarnsOfACacheKeyWithoutTheSession) {
  Harness h;
  auto cachePolicy = [](const char* cookies) {
    return std::string(
               "<CachePolicyConfig><Name>site-cache</Name><DefaultTTL>3600</DefaultTTL><MaxTTL>"
               "86400</MaxTTL><MinTTL>0</MinTTL><ParametersInCacheKeyAndForwardedToOrigin>"
               "<HeadersConfig><HeaderBehavior>none</HeaderBehavior></HeadersConfig>") +
           cookies + "</ParametersInCacheKeyAndForwardedToOrigin></CachePolicyConfig>";
  };
  h.api.cache["cp-none"] =
      cachePolicy("<CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig>");
  h.api.cache["cp-session"] = cachePolicy(
      "<CookiesConfig><CookieBehavior>whitelist</CookieBehavior><Cookies><Quantity>1</Quantity>"
      "<Items><Name>__Host-barrier</Name></Items></Cookies></CookiesConfig>");
  {
    XmlElement config = distribution("cp-none", kAllViewerPolicyId);
    auto [wiring, created] = h.forward(config);
    ASSERT_EQ(wiring.warnings.size(), 1u);
    const std::string& w = wiring.warnings[0];
    EXPECT_NE(w.find("behaviour * (default)"), std::string::npos) << w;
    EXPECT_NE(w.find("CachingDisabled"), std::string::npos) << w;
    EXPECT_NE(w.find("__Host-barrier"), std::string::npos) << w;
  }
  {
    XmlElement config = distribution("cp-session", kAllViewerPolicyId);
    auto [wiring, created] = h.forward(config);
    EXPECT_TRUE(wiring.warnings.empty());
  }
}

// A policy still used elsewhere is kept (and said so); one already gone is
// no failure.
TEST(OriginPolicies, DeleteKeepsAPolicyInUse) {
  Harness h;
  h.api.origin["orp-barrier-9"] = kSitePolicy;
  h.api.in_use.insert("orp-barrier-9");
  std::vector<std::string> kept;
  auto said = deleteBarrierPolicies(h.policies, {"orp-barrier-9", "orp-gone"}, kept);
  ASSERT_TRUE(said.isOk()) << said.status().toString();
  EXPECT_EQ(kept, std::vector<std::string>{"orp-barrier-9"});
  ASSERT_EQ(said->size(), 1u);
  EXPECT_NE(said->at(0).find("kept"), std::string::npos);
}

}  // namespace
}  // namespace barrier
