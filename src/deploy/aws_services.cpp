#include "deploy/aws_services.h"

#include <nlohmann/json.hpp>

#include "core/aws/sigv4.h"

namespace barrier {

namespace {

using Json = nlohmann::json;

// A JSON-protocol call signed for `region` (the client's default may differ).
Result<Json> jsonCall(AwsClient& client, const std::string& service, const std::string& region,
                      const std::string& target, const Json& body, const std::string& context) {
  AwsRequest r;
  r.service = service;
  r.region = region;
  r.headers.add("Content-Type", "application/x-amz-json-1.1");
  r.headers.add("X-Amz-Target", target);
  r.body = body.dump();
  auto resp = client.sendOk(r, context);
  if (!resp) return resp.status();
  Json doc = Json::parse(resp->body, nullptr, false);
  if (doc.is_discarded()) return Status::unavailable(context + ": answer is not JSON");
  return doc;
}

}  // namespace

Result<StoredObject> S3Objects::head(const std::string& bucket, const std::string& key) {
  AwsRequest r;
  r.service = "s3";
  r.region = region_;
  r.method = "HEAD";
  r.path = "/" + bucket + "/" + awsUriEncode(key, true);
  r.headers.add("x-amz-checksum-mode", "ENABLED");
  auto resp = client_.send(r);
  if (!resp) return resp.status();
  if (resp->status == 404) return StoredObject{StoredObject::State::kAbsent, ""};
  if (resp->status == 403) return StoredObject{StoredObject::State::kHidden, ""};
  if (resp->ok()) {
    return StoredObject{StoredObject::State::kPresent, resp->headers.get("x-amz-checksum-sha256")};
  }
  return awsErrorStatus(resp->error, "s3 HeadObject s3://" + bucket + "/" + key);
}

Status S3Objects::put(const std::string& bucket, const std::string& key, const std::string& bytes,
                      const std::string& checksum_sha256) {
  AwsRequest r;
  r.service = "s3";
  r.region = region_;
  r.method = "PUT";
  r.path = "/" + bucket + "/" + awsUriEncode(key, true);
  r.headers.add("Content-Type", "application/zip");
  r.headers.add("x-amz-sdk-checksum-algorithm", "SHA256");
  r.headers.add("x-amz-checksum-sha256", checksum_sha256);
  r.body = bytes;
  r.unsigned_payload = true;
  r.attempt_timeout_ms = 120000;
  auto resp = client_.sendOk(r, "s3 PutObject s3://" + bucket + "/" + key);
  return resp ? Status::ok() : resp.status();
}

Result<DistributionConfig> CloudFrontDistributions::getConfig(const std::string& id) {
  AwsRequest r;
  r.service = "cloudfront";
  r.method = "GET";
  r.path = "/2020-05-31/distribution/" + awsUriEncode(id, false) + "/config";
  auto resp = client_.sendOk(r, "cloudfront GetDistributionConfig " + id);
  if (!resp) return resp.status();
  auto doc = parseXml(resp->body);
  if (!doc)
    return Status::unavailable("cloudfront GetDistributionConfig: unreadable answer: " +
                               doc.status().message());
  if (doc->localName() != "DistributionConfig") {
    return Status::unavailable(
        "cloudfront GetDistributionConfig: answer is not a DistributionConfig");
  }
  return DistributionConfig{std::move(doc).value(), resp->headers.get("ETag")};
}

Result<std::string> CloudFrontDistributions::status(const std::string& id) {
  AwsRequest r;
  r.service = "cloudfront";
  r.method = "GET";
  r.path = "/2020-05-31/distribution/" + awsUriEncode(id, false);
  auto resp = client_.sendOk(r, "cloudfront GetDistribution " + id);
  if (!resp) return resp.status();
  auto doc = parseXml(resp->body);
  if (!doc || doc->localName() != "Distribution" || doc->childText("Status").empty()) {
    return Status::unavailable("cloudfront GetDistribution " + id + ": answer without a Status");
  }
  return doc->childText("Status");
}

Status CloudFrontDistributions::updateConfig(const std::string& id, const XmlElement& config,
                                             const std::string& etag) {
  AwsRequest r;
  r.service = "cloudfront";
  r.method = "PUT";
  r.path = "/2020-05-31/distribution/" + awsUriEncode(id, false) + "/config";
  r.headers.add("Content-Type", "application/xml");
  r.headers.add("If-Match", etag);
  r.body = writeXml(config);
  auto resp = client_.sendOk(r, "cloudfront UpdateDistribution " + id);
  return resp ? Status::ok() : resp.status();
}

namespace {

// <CachePolicy>/<OriginRequestPolicy> (Id, LastModifiedTime, <kind>Config).
Result<CloudFrontPolicy> policyFrom(const XmlElement& doc, const std::string& kind,
                                    const std::string& etag, const std::string& context) {
  const XmlElement* config = doc.child(kind + "Config");
  if (doc.localName() != kind || doc.childText("Id").empty() || config == nullptr) {
    return Status::unavailable(context + ": answer is not a " + kind);
  }
  return CloudFrontPolicy{doc.childText("Id"), etag, *config};
}

}  // namespace

Result<CloudFrontPolicy> CloudFrontPolicies::get(const std::string& kind, const std::string& id) {
  AwsRequest r;
  r.service = "cloudfront";
  r.method = "GET";
  bool cache = kind == "CachePolicy";
  r.path = std::string(cache ? "/2020-05-31/cache-policy/" : "/2020-05-31/origin-request-policy/") +
           awsUriEncode(id, false);
  std::string context =
      std::string(cache ? "cloudfront GetCachePolicy " : "cloudfront GetOriginRequestPolicy ") + id;
  auto resp = client_.sendOk(r, context);
  if (!resp) return resp.status();
  auto doc = parseXml(resp->body);
  if (!doc) return Status::unavailable(context + ": unreadable answer: " + doc.status().message());
  return policyFrom(*doc, kind, resp->headers.get("ETag"), context);
}

Result<CloudFrontPolicy> CloudFrontPolicies::cachePolicy(const std::string& id) {
  return get("CachePolicy", id);
}

Result<CloudFrontPolicy> CloudFrontPolicies::originRequestPolicy(const std::string& id) {
  return get("OriginRequestPolicy", id);
}

Result<std::vector<CloudFrontPolicy>> CloudFrontPolicies::customOriginRequestPolicies() {
  std::vector<CloudFrontPolicy> out;
  std::string marker;
  do {
    AwsRequest r;
    r.service = "cloudfront";
    r.method = "GET";
    r.path = "/2020-05-31/origin-request-policy";
    r.query = "Type=custom";
    if (!marker.empty()) r.query = "Marker=" + awsUriEncode(marker, true) + "&" + r.query;
    const std::string context = "cloudfront ListOriginRequestPolicies";
    auto resp = client_.sendOk(r, context);
    if (!resp) return resp.status();
    auto doc = parseXml(resp->body);
    if (!doc || doc->localName() != "OriginRequestPolicyList") {
      return Status::unavailable(context + ": answer is not an OriginRequestPolicyList");
    }
    if (const XmlElement* items = doc->child("Items")) {
      for (const XmlElement& summary : items->children) {
        const XmlElement* policy = summary.child("OriginRequestPolicy");
        if (policy == nullptr) continue;
        auto p = policyFrom(*policy, "OriginRequestPolicy", "", context);
        if (!p) return p.status();
        out.push_back(std::move(*p));
      }
    }
    marker = doc->childText("NextMarker");
  } while (!marker.empty());
  return out;
}

Result<std::string> CloudFrontPolicies::createOriginRequestPolicy(const XmlElement& config) {
  AwsRequest r;
  r.service = "cloudfront";
  r.method = "POST";
  r.path = "/2020-05-31/origin-request-policy";
  r.headers.add("Content-Type", "application/xml");
  r.body = writeXml(config);
  std::string context = "cloudfront CreateOriginRequestPolicy " + config.childText("Name");
  auto resp = client_.sendOk(r, context);
  if (!resp) return resp.status();
  auto doc = parseXml(resp->body);
  if (!doc) return Status::unavailable(context + ": unreadable answer: " + doc.status().message());
  auto policy = policyFrom(*doc, "OriginRequestPolicy", "", context);
  if (!policy) return policy.status();
  return policy->id;
}

Status CloudFrontPolicies::deleteOriginRequestPolicy(const std::string& id,
                                                     const std::string& etag) {
  AwsRequest r;
  r.service = "cloudfront";
  r.method = "DELETE";
  r.path = "/2020-05-31/origin-request-policy/" + awsUriEncode(id, false);
  r.headers.add("If-Match", etag);
  auto resp = client_.sendOk(r, "cloudfront DeleteOriginRequestPolicy " + id);
  return resp ? Status::ok() : resp.status();
}

Result<std::optional<std::string>> SsmParameter::get() {
  auto doc = jsonCall(client_, "ssm", region_, "AmazonSSM.GetParameter",
                      {{"Name", name_}, {"WithDecryption", true}}, "ssm GetParameter " + name_);
  if (!doc) {
    if (doc.status().hasReason("ParameterNotFound")) {
      return std::optional<std::string>();
    }
    return doc.status();
  }
  const Json* value = doc->contains("Parameter") ? &(*doc)["Parameter"] : nullptr;
  if (value == nullptr || !value->contains("Value") || !(*value)["Value"].is_string()) {
    return Status::unavailable("ssm GetParameter " + name_ + ": answer without a value");
  }
  return std::optional<std::string>((*value)["Value"].get<std::string>());
}

Status SsmParameter::put(const std::string& value, bool secure, const std::string& description) {
  auto doc = jsonCall(client_, "ssm", region_, "AmazonSSM.PutParameter",
                      {{"Name", name_},
                       {"Value", value},
                       {"Type", secure ? "SecureString" : "String"},
                       {"Overwrite", true},
                       {"Description", description}},
                      "ssm PutParameter " + name_);
  return doc ? Status::ok() : doc.status();
}

Status SsmParameter::remove() {
  auto doc = jsonCall(client_, "ssm", region_, "AmazonSSM.DeleteParameter", {{"Name", name_}},
                      "ssm DeleteParameter " + name_);
  if (!doc && doc.status().hasReason("ParameterNotFound")) {
    return Status::notFound("ssm parameter " + name_ + " does not exist");
  }
  return doc ? Status::ok() : doc.status();
}

Result<std::optional<SigningKeySet>> SigningKeyStore::load() {
  auto text = parameter_.get();
  if (!text) return text.status();
  if (!text->has_value()) return std::optional<SigningKeySet>();
  auto keys = decodeSigningKeys(**text);
  if (!keys) return Status::invalid("ssm parameter " + name() + ": " + keys.status().message());
  return std::optional<SigningKeySet>(std::move(keys).value());
}

Status SigningKeyStore::save(const SigningKeySet& keys) {
  return parameter_.put(
      encodeSigningKeys(keys), /*secure=*/true,
      "barrier session-signing keys (the first signs); written by barrier deploy");
}

Result<int> managedLoginVersion(AwsClient& client, const std::string& region,
                                const std::string& domain) {
  auto doc = jsonCall(client, "cognito-idp", region,
                      "AWSCognitoIdentityProviderService.DescribeUserPoolDomain",
                      {{"Domain", domain}}, "cognito-idp DescribeUserPoolDomain " + domain);
  if (!doc) return doc.status();
  const Json& description = (*doc)["DomainDescription"];
  if (!description.is_object() || !description.contains("ManagedLoginVersion")) return 0;
  const Json& version = description["ManagedLoginVersion"];
  if (!version.is_number_integer()) {
    return Status::unavailable("cognito-idp DescribeUserPoolDomain " + domain +
                               ": ManagedLoginVersion is not a number");
  }
  return version.get<int>();
}

Status deleteDynamoDbTable(AwsClient& client, const std::string& region, const std::string& table) {
  AwsRequest r;
  r.service = "dynamodb";
  r.region = region;
  r.headers.add("Content-Type", "application/x-amz-json-1.0");
  r.headers.add("X-Amz-Target", "DynamoDB_20120810.DeleteTable");
  r.body = Json{{"TableName", table}}.dump();
  auto resp = client.sendOk(r, "dynamodb DeleteTable " + table);
  return resp ? Status::ok() : resp.status();
}

}  // namespace barrier
