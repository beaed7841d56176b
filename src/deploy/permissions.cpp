#include "deploy/permissions.h"

#include <nlohmann/json.hpp>

namespace barrier {

namespace {

using Scope = PermissionScope;

// Through CloudFormation: the stack's resources are created, updated,
// tagged (the stack tag barrier:stack reaches every resource that takes
// tags) and deleted with the deploying identity's rights.
constexpr std::string_view kStack = "a stack resource (CloudFormation acts as the caller)";
constexpr std::string_view kTags = "the stack's tags, copied onto its resources";

const std::vector<Permission> kPermissions = {
    // barrier's own calls
    {"cloudformation:DescribeStacks", Scope::kAny, "deploy, info, destroy: the stacks' state"},
    {"cloudformation:CreateStack", Scope::kAny, "deploy: first deploy of a stack"},
    {"cloudformation:CreateChangeSet", Scope::kAny, "deploy: an update, previewed"},
    {"cloudformation:DescribeChangeSet", Scope::kAny, "deploy: what the update changes"},
    {"cloudformation:ExecuteChangeSet", Scope::kAny, "deploy: apply the update"},
    {"cloudformation:DeleteChangeSet", Scope::kAny, "deploy: drop an empty or dry-run change set"},
    {"cloudformation:DescribeStackEvents", Scope::kAny, "deploy, destroy: progress and failures"},
    {"cloudformation:DescribeStackResource", Scope::kAny, "deploy: a resource of a stack"},
    {"cloudformation:DeleteStack", Scope::kAny, "destroy"},
    {"s3:PutObject", Scope::kArtifactObjects, "deploy: upload the zips"},
    {"s3:GetObject", Scope::kArtifactObjects,
     "deploy: HeadObject (is the zip there already?); Lambda reads the code as the caller"},
    {"s3:ListBucket", Scope::kArtifactBuckets,
     "deploy: lets HeadObject answer 404 for a missing zip (without it: 403, and deploy uploads "
     "again)"},
    {"ssm:GetParameter", Scope::kBarrierParameters, "signing keys and the session-table record"},
    {"ssm:PutParameter", Scope::kBarrierParameters, "deploy: save them"},
    {"ssm:DeleteParameter", Scope::kBarrierParameters, "destroy --delete-data"},
    {"cognito-idp:DescribeUserPoolDomain", Scope::kAny,
     "deploy: does the pool's domain serve managed login?"},
    {"dynamodb:DeleteTable", Scope::kAny, "destroy --delete-data: the retained session tables"},
    {"cloudfront:GetDistributionConfig", Scope::kAny, "deploy, destroy: the wiring"},
    {"cloudfront:GetDistribution", Scope::kAny, "deploy, destroy: wait until Deployed"},
    {"cloudfront:UpdateDistribution", Scope::kAny, "deploy, destroy: the wiring"},
    {"cloudfront:GetCachePolicy", Scope::kAny,
     "deploy: does a protected behaviour cache pages without the session in the key?"},
    {"cloudfront:GetOriginRequestPolicy", Scope::kAny,
     "deploy: does a protected behaviour send the identity headers to its origin?"},
    {"cloudfront:CreateOriginRequestPolicy", Scope::kAny,
     "deploy: barrier's policy, the behaviour's settings plus the identity headers"},
    {"cloudfront:ListOriginRequestPolicies", Scope::kAny,
     "deploy: find barrier's policy when it exists already"},
    {"cloudfront:DeleteOriginRequestPolicy", Scope::kAny, "destroy: barrier's policies"},
    // CloudFront's own checks when a Lambda@Edge function is associated
    {"lambda:GetFunction", Scope::kAny, "UpdateDistribution with a Lambda@Edge association"},
    {"lambda:EnableReplication*", Scope::kAny, "UpdateDistribution: Lambda@Edge replication"},
    {"lambda:DisableReplication", Scope::kAny, "UpdateDistribution: an association removed"},
    {"iam:CreateServiceLinkedRole", Scope::kAny, "UpdateDistribution: the Lambda@Edge role"},
    // the stacks' resources, through CloudFormation
    {"iam:CreateRole", Scope::kAny, kStack},
    {"iam:GetRole", Scope::kAny, kStack},
    {"iam:DeleteRole", Scope::kAny, kStack},
    {"iam:UpdateAssumeRolePolicy", Scope::kAny, kStack},
    {"iam:PassRole", Scope::kAny, "the functions' roles, handed to Lambda"},
    {"iam:PutRolePolicy", Scope::kAny, kStack},
    {"iam:GetRolePolicy", Scope::kAny, kStack},
    {"iam:DeleteRolePolicy", Scope::kAny, kStack},
    {"iam:AttachRolePolicy", Scope::kAny, kStack},
    {"iam:DetachRolePolicy", Scope::kAny, kStack},
    {"iam:CreatePolicy", Scope::kAny, kStack},
    {"iam:GetPolicy", Scope::kAny, kStack},
    {"iam:DeletePolicy", Scope::kAny, kStack},
    {"iam:CreatePolicyVersion", Scope::kAny, kStack},
    {"iam:DeletePolicyVersion", Scope::kAny, kStack},
    {"iam:ListPolicyVersions", Scope::kAny, kStack},
    {"iam:TagRole", Scope::kAny, kTags},
    {"iam:UntagRole", Scope::kAny, kTags},
    {"iam:TagPolicy", Scope::kAny, kTags},
    {"iam:UntagPolicy", Scope::kAny, kTags},
    {"lambda:CreateFunction", Scope::kAny, kStack},
    {"lambda:GetFunctionConfiguration", Scope::kAny, kStack},
    {"lambda:UpdateFunctionCode", Scope::kAny, kStack},
    {"lambda:UpdateFunctionConfiguration", Scope::kAny, kStack},
    {"lambda:DeleteFunction", Scope::kAny, kStack},
    {"lambda:PublishVersion", Scope::kAny, kStack},
    {"lambda:ListVersionsByFunction", Scope::kAny, kStack},
    {"lambda:AddPermission", Scope::kAny, kStack},
    {"lambda:RemovePermission", Scope::kAny, kStack},
    {"lambda:TagResource", Scope::kAny, kTags},
    {"lambda:UntagResource", Scope::kAny, kTags},
    {"lambda:ListTags", Scope::kAny, kTags},
    {"apigateway:GET", Scope::kAny, kStack},
    {"apigateway:POST", Scope::kAny, kStack},
    {"apigateway:PUT", Scope::kAny, "a stack resource, and the stack's tags (PUT /tags)"},
    {"apigateway:PATCH", Scope::kAny, kStack},
    {"apigateway:DELETE", Scope::kAny, "a stack resource, and the stack's tags (DELETE /tags)"},
    {"dynamodb:CreateTable", Scope::kAny, kStack},
    {"dynamodb:DescribeTable", Scope::kAny, kStack},
    {"dynamodb:UpdateTable", Scope::kAny, kStack},
    {"dynamodb:DescribeTimeToLive", Scope::kAny, kStack},
    {"dynamodb:UpdateTimeToLive", Scope::kAny, kStack},
    {"dynamodb:DescribeContinuousBackups", Scope::kAny, kStack},
    {"dynamodb:UpdateContinuousBackups", Scope::kAny, kStack},
    {"dynamodb:TagResource", Scope::kAny, kTags},
    {"dynamodb:UntagResource", Scope::kAny, kTags},
    {"dynamodb:ListTagsOfResource", Scope::kAny, kTags},
    {"cognito-idp:CreateUserPoolClient", Scope::kAny, kStack},
    {"cognito-idp:DescribeUserPoolClient", Scope::kAny, kStack},
    {"cognito-idp:UpdateUserPoolClient", Scope::kAny, kStack},
    {"cognito-idp:DeleteUserPoolClient", Scope::kAny, kStack},
    {"cognito-idp:CreateManagedLoginBranding", Scope::kAny, kStack},
    {"cognito-idp:DescribeManagedLoginBranding", Scope::kAny, kStack},
    {"cognito-idp:UpdateManagedLoginBranding", Scope::kAny, kStack},
    {"cognito-idp:DeleteManagedLoginBranding", Scope::kAny, kStack},
    {"logs:CreateLogGroup", Scope::kAny, kStack},
    {"logs:DescribeLogGroups", Scope::kAny, kStack},
    {"logs:PutRetentionPolicy", Scope::kAny, kStack},
    {"logs:DeleteRetentionPolicy", Scope::kAny, kStack},
    {"logs:DeleteLogGroup", Scope::kAny, kStack},
    {"logs:TagResource", Scope::kAny, kTags},
    {"logs:UntagResource", Scope::kAny, kTags},
    {"logs:ListTagsForResource", Scope::kAny, kTags},
};

nlohmann::json resourcesFor(Scope scope, const Assembly& a) {
  nlohmann::json out = nlohmann::json::array();
  switch (scope) {
    case Scope::kAny:
      out.push_back("*");
      break;
    case Scope::kArtifactObjects:
    case Scope::kArtifactBuckets:
      for (const auto& [region, bucket] : a.s3_buckets) {
        out.push_back("arn:aws:s3:::" + bucket + (scope == Scope::kArtifactObjects ? "/*" : ""));
      }
      break;
    case Scope::kBarrierParameters:
      out.push_back("arn:aws:ssm:" + a.region + ":*:parameter/barrier/" + a.stacks_prefix + "/*");
      break;
  }
  return out;
}

}  // namespace

const std::vector<Permission>& deployPermissions() { return kPermissions; }

std::string deployPolicyJson(const Assembly& a) {
  nlohmann::ordered_json statements = nlohmann::ordered_json::array();
  for (Scope scope :
       {Scope::kAny, Scope::kArtifactObjects, Scope::kArtifactBuckets, Scope::kBarrierParameters}) {
    nlohmann::json actions = nlohmann::json::array();
    for (const auto& p : kPermissions) {
      if (p.scope == scope) actions.push_back(std::string(p.action));
    }
    nlohmann::ordered_json statement = {
        {"Effect", "Allow"}, {"Action", actions}, {"Resource", resourcesFor(scope, a)}};
    statements.push_back(statement);
  }
  nlohmann::ordered_json policy = {{"Version", "2012-10-17"}, {"Statement", statements}};
  return policy.dump(2) + "\n";
}

}  // namespace barrier
