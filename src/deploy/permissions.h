// The IAM permissions the identity running `barrier deploy` / `destroy`
// needs, as one table: the calls barrier makes itself (CloudFormation, S3,
// SSM, CloudFront, DynamoDB) and those CloudFormation makes with the same
// identity to create the stacks' resources (IAM roles and policies, Lambda,
// API Gateway, DynamoDB, Cognito, CloudWatch Logs, each tagged with the
// stack's tags). `barrier deploy --print-policy` prints it as a policy
// document; a test checks that every action the deploy code calls is in it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "deploy/assembly.h"

namespace barrier {

// What a permission applies to; the policy scopes what it can.
enum class PermissionScope {
  kAny,               // "*": names AWS generates (stacks' resources, distributions)
  kArtifactObjects,   // the zips in Packaging.S3Buckets
  kArtifactBuckets,   // the buckets themselves
  kBarrierParameters  // /barrier/<StacksPrefix>/* in Environment.Region
};

struct Permission {
  std::string_view action;  // "cloudformation:CreateStack"
  PermissionScope scope;
  std::string_view why;
};

// Every permission, grouped by service.
const std::vector<Permission>& deployPermissions();

// The IAM policy document (JSON, indented) granting them, scoped to the
// assembly's buckets and parameters.
std::string deployPolicyJson(const Assembly& a);

}  // namespace barrier
