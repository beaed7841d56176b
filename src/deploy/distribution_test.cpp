#include "deploy/distribution.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace barrier {
namespace {

// A distribution as GetDistributionConfig returns it: one S3 origin, a
// default behaviour and one extra behaviour, no Lambda@Edge yet.
constexpr const char* kConfig = R"(<?xml version="1.0" encoding="UTF-8"?>
<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
  <CallerReference>site</CallerReference>
  <Origins><Quantity>1</Quantity><Items><Origin><Id>site</Id><DomainName>site.s3.amazonaws.com</DomainName>
    <OriginPath></OriginPath><S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig></Origin></Items></Origins>
  <DefaultCacheBehavior><TargetOriginId>site</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>
    <Compress>true</Compress><LambdaFunctionAssociations><Quantity>0</Quantity></LambdaFunctionAssociations></DefaultCacheBehavior>
  <CacheBehaviors><Quantity>1</Quantity><Items><CacheBehavior><PathPattern>/docs/*</PathPattern>
    <TargetOriginId>site</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy><Compress>true</Compress>
  </CacheBehavior></Items></CacheBehaviors>
  <Comment>site</Comment><Enabled>true</Enabled>
</DistributionConfig>)";

constexpr const char* kV1 =
    "arn:aws:lambda:us-east-1:123456789012:function:Test-CheckerFunction-1:1";
constexpr const char* kV2 =
    "arn:aws:lambda:us-east-1:123456789012:function:Test-CheckerFunction-1:2";

XmlElement config() {
  auto doc = parseXml(kConfig);
  EXPECT_TRUE(doc.isOk()) << doc.status().toString();
  return std::move(doc).value();
}

WiringSpec spec(const char* arn) {
  return {"abc123.execute-api.eu-west-1.amazonaws.com", "/prod", arn, {}};
}

// allowed_hosts become the distribution's aliases (after CallerReference,
// as the schema orders them); one already there, in any case, is kept, and
// wiring again changes nothing.
TEST(DistributionTest, AddsAllowedHostsAsAliases) {
  XmlElement c = config();
  WiringSpec wanted = spec(kV1);
  wanted.aliases = {"docs.example.com", "api.example.com"};
  auto wiring = wireDistribution(c, wanted);
  ASSERT_TRUE(wiring.isOk()) << wiring.status().toString();
  EXPECT_EQ(c.children[1].localName(), "Aliases");
  EXPECT_EQ(c.find({"Aliases", "Quantity"})->text, "2");
  EXPECT_EQ(c.find({"Aliases", "Items"})->children[0].text, "docs.example.com");
  EXPECT_EQ(c.find({"Aliases", "Items"})->children[1].text, "api.example.com");
  EXPECT_NE(std::find(wiring->changes.begin(), wiring->changes.end(),
                      "add alias docs.example.com (allowed_hosts; the distribution's certificate "
                      "must cover it)"),
            wiring->changes.end());
  auto again = wireDistribution(c, wanted);
  ASSERT_TRUE(again.isOk());
  EXPECT_TRUE(again->changes.empty());

  XmlElement existing = config();
  existing.children.insert(existing.children.begin() + 1, XmlElement{"Aliases", {}, "", {}});
  XmlElement& aliases = existing.children[1];
  aliases.add("Quantity", "1");
  aliases.add("Items").add("CNAME", "Docs.Example.com");
  auto kept = wireDistribution(existing, wanted);
  ASSERT_TRUE(kept.isOk());
  EXPECT_EQ(existing.find({"Aliases", "Quantity"})->text, "2");
  EXPECT_EQ(existing.find({"Aliases", "Items"})->children[0].text, "Docs.Example.com");
}

// The first wiring adds the origin, the /_identity/* behaviour (first) and
// the viewer-request association on every other behaviour.
TEST(DistributionTest, WiresOriginBehaviourAndAssociations) {
  XmlElement c = config();
  auto wiring = wireDistribution(c, spec(kV1));
  ASSERT_TRUE(wiring.isOk()) << wiring.status().toString();
  EXPECT_EQ(wiring->changes.size(), 4u);
  EXPECT_TRUE(wiring->warnings.empty());  // every behaviour is protected
  EXPECT_EQ(c.find({"Origins", "Quantity"})->text, "2");
  const XmlElement* origin = &c.find({"Origins", "Items"})->children[1];
  EXPECT_EQ(origin->childText("Id"), kBarrierOriginId);
  EXPECT_EQ(origin->childText("OriginPath"), "/prod");
  EXPECT_EQ(origin->find({"CustomOriginConfig", "OriginProtocolPolicy"})->text, "https-only");
  EXPECT_EQ(c.find({"CacheBehaviors", "Quantity"})->text, "2");
  const XmlElement& identity = c.find({"CacheBehaviors", "Items"})->children[0];
  EXPECT_EQ(identity.childText("PathPattern"), "/_identity/*");
  EXPECT_EQ(identity.childText("CachePolicyId"), kCachingDisabledPolicyId);
  EXPECT_EQ(identity.childText("OriginRequestPolicyId"), kAllViewerExceptHostPolicyId);
  EXPECT_EQ(identity.find({"AllowedMethods", "Quantity"})->text, "7");
  EXPECT_EQ(identity.find({"LambdaFunctionAssociations", "Quantity"})->text, "0");
  const XmlElement* def = c.find({"DefaultCacheBehavior", "LambdaFunctionAssociations"});
  EXPECT_EQ(def->childText("Quantity"), "1");
  EXPECT_EQ(def->find({"Items", "LambdaFunctionAssociation"})->childText("LambdaFunctionARN"), kV1);
  EXPECT_EQ(def->find({"Items", "LambdaFunctionAssociation"})->childText("EventType"),
            "viewer-request");
  // The /docs/* behaviour had no association list: one is inserted after Compress.
  const XmlElement& docs = c.find({"CacheBehaviors", "Items"})->children[1];
  EXPECT_EQ(docs.children.back().localName(), "LambdaFunctionAssociations");
  EXPECT_EQ(docs.find({"LambdaFunctionAssociations", "Quantity"})->text, "1");
}

// Wiring an already wired document changes nothing: the run is idempotent.
TEST(DistributionTest, SecondWiringIsANoOp) {
  XmlElement c = config();
  ASSERT_TRUE(wireDistribution(c, spec(kV1)).isOk());
  std::string once = writeXml(c);
  auto again = wireDistribution(c, spec(kV1));
  ASSERT_TRUE(again.isOk());
  EXPECT_TRUE(again->changes.empty());
  EXPECT_EQ(writeXml(c), once);
}

// CloudFront answers with more than barrier sent (OriginShield, TTLs,
// RealtimeLogConfigArn, ForwardedValues) and may list methods in another
// order: the wiring still counts as done, and what it did not set stays.
// A field barrier owns that differs is still put right.
TEST(DistributionTest, FieldsCloudFrontAddsAreNotChanges) {
  XmlElement c = config();
  ASSERT_TRUE(wireDistribution(c, spec(kV1)).isOk());
  XmlElement& origin = c.child("Origins")->child("Items")->children[1];
  origin.add("OriginShield").add("Enabled", "false");
  XmlElement& identity = c.child("CacheBehaviors")->child("Items")->children[0];
  identity.add("RealtimeLogConfigArn", "");
  identity.add("MinTTL", "0");
  XmlElement& methods = *identity.child("AllowedMethods")->child("Items");
  std::reverse(methods.children.begin(), methods.children.end());
  std::string returned = writeXml(c);
  auto again = wireDistribution(c, spec(kV1));
  ASSERT_TRUE(again.isOk());
  EXPECT_TRUE(again->changes.empty()) << again->changes[0];
  EXPECT_EQ(writeXml(c), returned);

  c.child("Origins")->child("Items")->children[1].child("OriginPath")->text = "/stale";
  auto fixed = wireDistribution(c, spec(kV1));
  ASSERT_TRUE(fixed.isOk());
  ASSERT_EQ(fixed->changes.size(), 1u);
  EXPECT_NE(fixed->changes[0].find("update origin"), std::string::npos) << fixed->changes[0];
  EXPECT_EQ(c.find({"Origins", "Items"})->children[1].childText("OriginPath"), "/prod");
}

// A new checker version replaces the older barrier version in place.
TEST(DistributionTest, NewVersionReplacesTheOld) {
  XmlElement c = config();
  ASSERT_TRUE(wireDistribution(c, spec(kV1)).isOk());
  auto changes = wireDistribution(c, spec(kV2));
  ASSERT_TRUE(changes.isOk());
  EXPECT_EQ(changes->changes.size(), 2u);
  const XmlElement* def = c.find({"DefaultCacheBehavior", "LambdaFunctionAssociations"});
  EXPECT_EQ(def->childText("Quantity"), "1");
  EXPECT_EQ(def->find({"Items", "LambdaFunctionAssociation"})->childText("LambdaFunctionARN"), kV2);
}

// Another team's viewer-request function is never silently replaced.
TEST(DistributionTest, RefusesToReplaceAForeignFunction) {
  XmlElement c = config();
  ASSERT_TRUE(
      wireDistribution(c, spec("arn:aws:lambda:us-east-1:1:function:someone-else:3")).isOk());
  auto changes = wireDistribution(c, spec(kV1));
  ASSERT_FALSE(changes.isOk());
  EXPECT_NE(changes.status().message().find("already runs"), std::string::npos);
}

// A CloudFront Function on a viewer event of a protected behaviour: CloudFront
// would refuse the Lambda@Edge association there, so the wiring refuses it
// first, naming the behaviour and the function. One on an unprotected
// behaviour is no obstacle.
TEST(DistributionTest, RefusesACloudFrontFunctionOnAViewerEvent) {
  for (const char* event : {"viewer-request", "viewer-response"}) {
    std::string xml = kConfig;
    std::string function =
        std::string(
            "<FunctionAssociations><Quantity>1</Quantity><Items><FunctionAssociation>"
            "<FunctionARN>arn:aws:cloudfront::123456789012:function/rewrite</FunctionARN>"
            "<EventType>") +
        event + "</EventType></FunctionAssociation></Items></FunctionAssociations>";
    xml.insert(xml.find("</CacheBehavior>"), function);
    auto doc = parseXml(xml);
    ASSERT_TRUE(doc.isOk()) << doc.status().toString();
    XmlElement c = *doc;
    auto refused = wireDistribution(c, spec(kV1));
    ASSERT_FALSE(refused.isOk()) << event;
    EXPECT_EQ(refused.status().code(), Code::kInvalidArgument);
    EXPECT_NE(
        refused.status().message().find("behaviour /docs/* runs the CloudFront Function "
                                        "arn:aws:cloudfront::123456789012:function/rewrite on " +
                                        std::string(event)),
        std::string::npos)
        << refused.status().toString();
    WiringSpec only_default = spec(kV1);
    only_default.protected_behaviors = {"*"};
    XmlElement d = *doc;
    EXPECT_TRUE(wireDistribution(d, only_default).isOk()) << event;
  }
}

// Only the named behaviours are protected; an unknown name is an error.
TEST(DistributionTest, ProtectsOnlyNamedBehaviours) {
  XmlElement c = config();
  WiringSpec s = spec(kV1);
  s.protected_behaviors = {"/docs/*"};
  ASSERT_TRUE(wireDistribution(c, s).isOk());
  EXPECT_EQ(c.find({"DefaultCacheBehavior", "LambdaFunctionAssociations", "Quantity"})->text, "0");
  XmlElement d = config();
  s.protected_behaviors = {"/nope/*"};
  EXPECT_FALSE(wireDistribution(d, s).isOk());
}

// Leaving the default behaviour out while /docs/* (same origin "site") is
// protected means the origin gets client-sent X-Barrier-* headers on every
// other path: the wiring warns, naming the behaviour, the origin and the fix,
// and keeps warning on later deploys that change nothing.
TEST(DistributionTest, WarnsWhenAnUnprotectedBehaviourSharesAProtectedOrigin) {
  XmlElement c = config();
  WiringSpec s = spec(kV1);
  s.protected_behaviors = {"/docs/*"};
  auto wiring = wireDistribution(c, s);
  ASSERT_TRUE(wiring.isOk()) << wiring.status().toString();
  ASSERT_EQ(wiring->warnings.size(), 1u);
  const std::string& w = wiring->warnings[0];
  for (const char* needle :
       {"behaviour * (default) is not in Cloudfront.ProtectedBehaviors",
        "origin site (site.s3.amazonaws.com)", "receives client-sent X-Barrier-* headers",
        "Add * to Cloudfront.ProtectedBehaviors", "make the origin ignore X-Barrier-* headers"}) {
    EXPECT_NE(w.find(needle), std::string::npos) << needle << "\n" << w;
  }
  // Not a change: nothing is sent to CloudFront for it, but it is repeated.
  auto again = wireDistribution(c, s);
  ASSERT_TRUE(again.isOk());
  EXPECT_TRUE(again->changes.empty());
  EXPECT_EQ(again->warnings, wiring->warnings);
}

// The other way round (default protected, /docs/* not) is named the same
// way; a behaviour to an origin no protected behaviour reaches, and
// barrier's own /_identity/* behaviour, are not warned about.
TEST(DistributionTest, WarnsOnlyAboutSharedOrigins) {
  XmlElement c = config();
  WiringSpec s = spec(kV1);
  s.protected_behaviors = {"*"};
  auto wiring = wireDistribution(c, s);
  ASSERT_TRUE(wiring.isOk()) << wiring.status().toString();
  ASSERT_EQ(wiring->warnings.size(), 1u);
  EXPECT_NE(wiring->warnings[0].find("behaviour /docs/* is not in"), std::string::npos)
      << wiring->warnings[0];
  EXPECT_NE(wiring->warnings[0].find("Add /docs/* to"), std::string::npos) << wiring->warnings[0];

  XmlElement other = config();
  XmlElement& docs = other.child("CacheBehaviors")->child("Items")->children[0];
  docs.child("TargetOriginId")->text = "assets";
  XmlElement& assets = other.child("Origins")->child("Items")->add("Origin");
  assets.add("Id", "assets");
  assets.add("DomainName", "assets.s3.amazonaws.com");
  auto separate = wireDistribution(other, s);
  ASSERT_TRUE(separate.isOk()) << separate.status().toString();
  EXPECT_TRUE(separate->warnings.empty()) << separate->warnings[0];
}

// "The same origin" is the same host: an origin group whose members include
// the protected origin, or a second origin entry for the same domain, reach
// the same application as a shared TargetOriginId does.
TEST(DistributionTest, WarnsAboutOriginGroupsAndSameHostOrigins) {
  XmlElement c = config();
  XmlElement& origins = *c.child("Origins")->child("Items");
  XmlElement& copy = origins.add("Origin");
  copy.add("Id", "site-again");
  copy.add("DomainName", "site.s3.amazonaws.com");
  XmlElement& groups = c.add("OriginGroups");
  groups.add("Quantity", "1");
  XmlElement& group = groups.add("Items").add("OriginGroup");
  group.add("Id", "failover");
  XmlElement& members = group.add("Members");
  members.add("Quantity", "2");
  XmlElement& items = members.add("Items");
  items.add("OriginGroupMember").add("OriginId", "backup");
  items.add("OriginGroupMember").add("OriginId", "site");
  WiringSpec s = spec(kV1);
  s.protected_behaviors = {"/docs/*"};  // to "site"
  c.child("DefaultCacheBehavior")->child("TargetOriginId")->text = "failover";
  auto grouped = wireDistribution(c, s);
  ASSERT_TRUE(grouped.isOk()) << grouped.status().toString();
  ASSERT_EQ(grouped->warnings.size(), 1u);
  EXPECT_NE(grouped->warnings[0].find("origin failover (site.s3.amazonaws.com)"), std::string::npos)
      << grouped->warnings[0];

  c.child("DefaultCacheBehavior")->child("TargetOriginId")->text = "site-again";
  auto same_host = wireDistribution(c, s);
  ASSERT_TRUE(same_host.isOk()) << same_host.status().toString();
  ASSERT_EQ(same_host->warnings.size(), 1u);
  EXPECT_NE(same_host->warnings[0].find("origin site-again (site.s3.amazonaws.com)"),
            std::string::npos)
      << same_host->warnings[0];
}

// Unwiring removes exactly what wiring added, restoring the lists.
TEST(DistributionTest, UnwireRemovesWhatWasAdded) {
  XmlElement c = config();
  ASSERT_TRUE(wireDistribution(c, spec(kV1)).isOk());
  auto changes = unwireDistribution(c, kV2);  // any version of the function
  EXPECT_EQ(changes.size(), 4u);
  EXPECT_EQ(c.find({"Origins", "Quantity"})->text, "1");
  EXPECT_EQ(c.find({"CacheBehaviors", "Quantity"})->text, "1");
  EXPECT_EQ(c.find({"DefaultCacheBehavior", "LambdaFunctionAssociations", "Quantity"})->text, "0");
  EXPECT_TRUE(unwireDistribution(c, kV1).empty());
}

// Version qualifiers are stripped; unqualified ARNs stay as they are.
TEST(DistributionTest, UnqualifiedArn) {
  EXPECT_EQ(unqualifiedFunctionArn(kV1),
            "arn:aws:lambda:us-east-1:123456789012:function:Test-CheckerFunction-1");
  EXPECT_EQ(unqualifiedFunctionArn("arn:aws:lambda:us-east-1:1:function:f"),
            "arn:aws:lambda:us-east-1:1:function:f");
}

// Legacy cache settings take no origin request policy: the identity
// headers join ForwardedValues (keying the cache by them too, so no shared-
// cache warning), and unwiring takes them out again, the site's kept.
TEST(DistributionTest, LegacyBehavioursForwardTheIdentityHeaders) {
  auto doc = parseXml(
      "<CacheBehavior><PathPattern>/app/*</PathPattern><ForwardedValues><QueryString>false"
      "</QueryString><Cookies><Forward>none</Forward></Cookies><Headers><Quantity>1</Quantity>"
      "<Items><Name>Origin</Name></Items></Headers></ForwardedValues><MinTTL>0</MinTTL>"
      "<DefaultTTL>86400</DefaultTTL><MaxTTL>31536000</MaxTTL></CacheBehavior>");
  ASSERT_TRUE(doc.isOk());
  XmlElement b = std::move(doc).value();
  ASSERT_TRUE(sharedCacheWarning("/app/*", b, nullptr, "sid").has_value());
  std::vector<std::string> missing = legacyIdentityHeadersNotForwarded(b);
  ASSERT_EQ(missing.size(), 4u);
  ASSERT_TRUE(forwardLegacyHeaders(b, "/app/*", missing).isOk());
  EXPECT_TRUE(legacyIdentityHeadersNotForwarded(b).empty());
  EXPECT_EQ(b.find({"ForwardedValues", "Headers", "Quantity"})->text, "5");
  EXPECT_FALSE(sharedCacheWarning("/app/*", b, nullptr, "sid").has_value());

  XmlElement c = config();
  XmlElement& items = *c.child("CacheBehaviors")->child("Items");
  items.children[0] = b;
  unwireDistribution(c, kV1);
  const XmlElement* headers =
      c.find({"CacheBehaviors", "Items"})->children[0].find({"ForwardedValues", "Headers"});
  EXPECT_EQ(headers->childText("Quantity"), "1");
  EXPECT_EQ(headers->find({"Items"})->children.at(0).text, "Origin");
}

// CloudFront takes at most 10 headers there: past that, deploy refuses and
// says what to change.
TEST(DistributionTest, LegacyBehaviourWithManyHeadersIsRefused) {
  std::string names;
  for (int i = 0; i < 7; ++i) names += "<Name>H" + std::to_string(i) + "</Name>";
  auto doc = parseXml("<CacheBehavior><ForwardedValues><Headers><Quantity>7</Quantity><Items>" +
                      names + "</Items></Headers></ForwardedValues></CacheBehavior>");
  ASSERT_TRUE(doc.isOk());
  Status s = forwardLegacyHeaders(*doc, "/app/*", legacyIdentityHeadersNotForwarded(*doc));
  EXPECT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("cache policy"), std::string::npos) << s.message();
}

// Caching disabled, or the session cookie in the key: no warning.
TEST(DistributionTest, NoCacheWarningWhenThePageIsNotShared) {
  XmlElement b;
  b.name = "CacheBehavior";
  XmlElement disabled = *knownCachePolicy(kCachingDisabledPolicyId);
  XmlElement cached = *knownCachePolicy(kCachingOptimizedPolicyId);
  EXPECT_FALSE(sharedCacheWarning("*", b, &disabled, "sid"));
  auto optimized = sharedCacheWarning("*", b, &cached, "sid");
  ASSERT_TRUE(optimized.has_value());
  EXPECT_NE(optimized->find("Managed-CachingOptimized"), std::string::npos) << *optimized;
}

}  // namespace
}  // namespace barrier
