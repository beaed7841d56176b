// The S3, CloudFront, SSM and DynamoDB calls `barrier deploy` needs, over
// AwsClient (which signs, retries and maps errors). Each wrapper is a few
// lines of protocol: REST paths for S3 and CloudFront, JSON for SSM and
// DynamoDB. Not thread-safe on their own; one deploy drives them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adapters/aws_client.h"
#include "adapters/xml.h"
#include "core/status.h"
#include "deploy/plan.h"

namespace barrier {

// What S3's HeadObject tells about one key.
struct StoredObject {
  enum class State {
    kAbsent,   // 404: no such object
    kPresent,  // 200: checksum_sha256 holds what S3 keeps
    // 403: cannot tell. Without s3:ListBucket, S3 answers a missing key
    // with 403, not 404 (and a HEAD answer has no body naming why).
    kHidden,
  };
  State state = State::kAbsent;
  std::string checksum_sha256;  // base64; "" when uploaded without one
};

class S3Objects {
 public:
  S3Objects(AwsClient& client, std::string region) : client_(client), region_(std::move(region)) {}
  // HeadObject with the checksum mode on. Any other answer than 200, 403
  // or 404 is a failed Status.
  Result<StoredObject> head(const std::string& bucket, const std::string& key);
  // Uploads with `checksum_sha256` (base64 of the bytes' SHA-256): S3
  // refuses the upload if the bytes it got differ, and keeps the checksum.
  Status put(const std::string& bucket, const std::string& key, const std::string& bytes,
             const std::string& checksum_sha256);

 private:
  AwsClient& client_;
  std::string region_;
};

struct DistributionConfig {
  XmlElement config;  // <DistributionConfig>
  std::string etag;   // for If-Match on the update
};

class CloudFrontDistributions {
 public:
  explicit CloudFrontDistributions(AwsClient& client) : client_(client) {}
  Result<DistributionConfig> getConfig(const std::string& id);
  // The distribution's Status: "Deployed", or "InProgress" while a change
  // is still reaching the edge.
  Result<std::string> status(const std::string& id);
  // PUT .../config with If-Match: the update fails (PreconditionFailed)
  // rather than overwrite someone else's concurrent change.
  Status updateConfig(const std::string& id, const XmlElement& config, const std::string& etag);

 private:
  AwsClient& client_;
};

// A cache or origin request policy: its id, ETag (for If-Match) and the
// <CachePolicyConfig> / <OriginRequestPolicyConfig> element.
struct CloudFrontPolicy {
  std::string id;
  std::string etag;  // "" in a list's entries
  XmlElement config;
};

// The cache and origin request policies deploy reads, and the origin
// request policies it creates for the identity headers (distribution.h).
class CloudFrontPolicies {
 public:
  explicit CloudFrontPolicies(AwsClient& client) : client_(client) {}
  Result<CloudFrontPolicy> cachePolicy(const std::string& id);
  Result<CloudFrontPolicy> originRequestPolicy(const std::string& id);
  // The account's own origin request policies (not the managed ones), every page.
  Result<std::vector<CloudFrontPolicy>> customOriginRequestPolicies();
  // The new policy's id.
  Result<std::string> createOriginRequestPolicy(const XmlElement& config);
  Status deleteOriginRequestPolicy(const std::string& id, const std::string& etag);

 private:
  Result<CloudFrontPolicy> get(const std::string& kind, const std::string& id);
  AwsClient& client_;
};

// One SSM Parameter Store parameter.
class SsmParameter {
 public:
  SsmParameter(AwsClient& client, std::string region, std::string name)
      : client_(client), region_(std::move(region)), name_(std::move(name)) {}
  // Its value (decrypted), or std::nullopt when it does not exist.
  Result<std::optional<std::string>> get();
  // Creates or overwrites it; `secure`: a KMS-encrypted SecureString.
  Status put(const std::string& value, bool secure, const std::string& description);
  // kNotFound when it does not exist.
  Status remove();
  const std::string& name() const { return name_; }

 private:
  AwsClient& client_;
  std::string region_;
  std::string name_;
};

// The session-signing keys, kept in an SSM Parameter Store SecureString
// (KMS-encrypted, versioned, free) named /barrier/<StacksPrefix>/signing-keys
// as encodeSigningKeys writes them (plan.h). It outlives stack updates, so a
// redeploy never invalidates sessions; destroy --delete-data removes it.
class SigningKeyStore {
 public:
  SigningKeyStore(AwsClient& client, std::string region, std::string name)
      : parameter_(client, std::move(region), std::move(name)) {}
  // std::nullopt when the parameter does not exist yet.
  Result<std::optional<SigningKeySet>> load();
  Status save(const SigningKeySet& keys);
  Status remove() { return parameter_.remove(); }
  const std::string& name() const { return parameter_.name(); }

 private:
  SsmParameter parameter_;
};

// The ManagedLoginVersion of a Cognito user-pool domain (DescribeUserPoolDomain,
// `domain` as userPoolDomainKey gives it): 1 for the classic hosted UI, 2 for
// managed login, 0 when the answer names none (Cognito answers a domain it
// does not know with an empty description).
Result<int> managedLoginVersion(AwsClient& client, const std::string& region,
                                const std::string& domain);

// Deletes a DynamoDB table (destroy --delete-data); kNotFound when absent.
Status deleteDynamoDbTable(AwsClient& client, const std::string& region, const std::string& table);

}  // namespace barrier
