// `barrier deploy`, `info` and `destroy`: the flow over the pieces in
// src/deploy (assembly, packager, S3/CloudFormation/CloudFront clients,
// distribution wiring). Progress goes to `progress` (stderr) as it happens;
// the caller prints the result (the info table) on stdout.
//
// Order of a deploy: signing keys (SSM) -> manager zip -> upload -> regional
// stack -> its outputs -> checker zip with them baked in -> upload ->
// us-east-1 stack -> the table -> CloudFront wiring. Every step is
// idempotent, so a failed deploy is fixed and simply run again.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "adapters/aws_client.h"
#include "core/ports/random.h"
#include "deploy/assembly.h"
#include "deploy/packager.h"
#include "deploy/plan.h"
#include "deploy/templates.h"

namespace barrier {

class CloudFormation;
struct StackWait;
class CloudFrontDistributions;

struct DeployOptions {
  bool dry_run = false;             // validate and print the plan; change nothing
  bool rotate_signing_key = false;  // new key signs, the previous still verifies
  int poll_ms = 5000;               // between stack status polls
};

struct DestroyOptions {
  bool delete_data = false;  // also delete the session table and the signing keys
  int poll_ms = 5000;
};

// What a deploy did, for the caller and the tests.
struct DeployReport {
  BarrierInfo info;
  bool complete = false;  // false for a dry run that could not resolve everything
  int uploads = 0;        // objects actually uploaded
  bool manager_stack_changed = false;
  bool checker_stack_changed = false;
  std::vector<std::string> distribution_changes;
};

class Deployer {
 public:
  // `client` signs for the barrier region by default; us-east-1 and global
  // calls name their region per request.
  Deployer(Assembly assembly, AwsClient& client, Packager& packager, TemplateSource templates,
           Random& random, std::FILE* progress);

  Result<DeployReport> deploy(const DeployOptions& options);
  // Reads both stacks' outputs; kNotFound naming the stack when one is missing.
  Result<BarrierInfo> info();
  Status destroy(const DestroyOptions& options);

  // Overridable wait, so tests need not sleep.
  std::function<void(int ms)> sleep;

 private:
  void say(const std::string& line);
  // The signing keys this deploy uses, and whether and when to save them.
  struct KeyPlan {
    SigningKeySet keys;
    std::string what;           // for the progress line
    bool save = false;          // the parameter changes
    bool after_deploy = false;  // ... once the stacks and wiring carry it
  };
  Result<KeyPlan> planSigningKeys(const DeployOptions& options);

  // deploy() runs these steps in order, each reading and adding to the run;
  // the first failure ends it, and so does a dry run that cannot go on.
  struct DeployRun;
  Status loadTemplates(DeployRun& run);
  // Plans the keys; a new key is saved at once (a rotation's step is saved
  // by saveKeysAfterDeploy).
  Status prepareSigningKeys(DeployRun& run);
  // Says what renaming the cookie does while CloudFront deploys, if it changes.
  Status warnOfCookieRename(DeployRun& run);
  // Packages and uploads the manager, then creates or updates its stack.
  Status deployManager(DeployRun& run);
  // The regional stack's outputs, and the table's name recorded for destroy.
  Status readManagerOutputs(DeployRun& run);
  // Packages the checker with those outputs, uploads it, applies its stack.
  Status deployChecker(DeployRun& run);
  Status readCheckerOutputs(DeployRun& run);
  Status wireCloudFront(DeployRun& run);
  Status saveKeysAfterDeploy(DeployRun& run);

  // destroy()'s steps, in order, the same way.
  struct DestroyRun;
  Status findStacks(DestroyRun& run);
  Status unwireCloudFront(DestroyRun& run);
  Status findSessionTable(DestroyRun& run);
  Status deleteStacks(DestroyRun& run);
  // With --delete-data; else says what is kept.
  Status deleteSessionTable(DestroyRun& run);
  Status deleteParameters(DestroyRun& run);

  // Polls the distribution until it is Deployed (at most kDistributionWait).
  Status waitForDistribution(CloudFrontDistributions& cloudfront, int poll_ms);
  static constexpr std::chrono::minutes kDistributionWait{45};
  Status saveSigningKeys(const KeyPlan& plan);
  Status recordSessionTable(const std::string& table);
  Status recordOriginRequestPolicies(const std::vector<std::string>& ids);
  // Uploads `bytes` under its content-addressed key unless already there.
  Result<std::string> upload(const std::string& region, const std::string& what,
                             const std::string& bytes, const DeployOptions& options,
                             DeployReport& report);
  // Creates or updates (change set) one stack and waits for it; `changed`
  // tells whether anything was done. Dry run: prints the plan only.
  Status applyStack(CloudFormation& cf, const std::string& name, const std::string& template_body,
                    const std::vector<StackParameter>& parameters, const DeployOptions& options,
                    bool& changed);
  // Polls until the operation ends, printing new events; fails with the
  // failing resources and CloudFormation's reasons.
  Status waitFor(CloudFormation& cf, const StackWait& wait);
  Status wireDistribution(const BarrierInfo& info, const DeployOptions& options,
                          DeployReport& report);
  Result<std::set<std::string>> eventIds(CloudFormation& cf, const std::string& name);

  Assembly assembly_;
  AwsClient& client_;
  Packager& packager_;
  TemplateSource templates_;
  Random& random_;
  std::FILE* progress_;
};

}  // namespace barrier
