#include "deploy/deployer.h"

#include <chrono>
#include <thread>
#include <tuple>

#include "adapters/system.h"
#include "core/encoding.h"
#include "deploy/aws_services.h"
#include "deploy/cloudformation.h"
#include "deploy/distribution.h"
#include "deploy/origin_policies.h"

namespace barrier {

namespace {

std::string sha256Bytes(const std::string& bytes) {
  static std::unique_ptr<Crypto> crypto = makeOpenSslCrypto();
  return digestBytes(crypto->sha256(bytes));
}

std::string sha256Hex(const std::string& bytes) { return hexEncode(sha256Bytes(bytes)); }

std::string concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out.append(p);
  return out;
}

// The failing resources of an operation, newest last, for the error message.
// Why an upload happens, for the progress line ("" for a plain new object).
std::string uploadReason(const StoredObject& stored) {
  switch (stored.state) {
    case StoredObject::State::kAbsent:
      return "";
    case StoredObject::State::kHidden:
      // Uploading is the safe reading of "cannot tell": the same bytes again.
      return " (S3 answered 403 to HeadObject: without s3:ListBucket a missing key looks like "
             "that, so uploaded as if missing)";
    case StoredObject::State::kPresent:
      break;
  }
  return stored.checksum_sha256.empty() ? " (there, without a checksum: replaced)"
                                        : " (there with other content: replaced)";
}

constexpr const char* kPolicyRecordDescription =
    "barrier's CloudFront origin request policies, comma-separated ids; written by barrier "
    "deploy, deleted by barrier destroy";

}  // namespace

Deployer::Deployer(Assembly assembly, AwsClient& client, Packager& packager,
                   TemplateSource templates, Random& random, std::FILE* progress)
    : assembly_(std::move(assembly)),
      client_(client),
      packager_(packager),
      templates_(std::move(templates)),
      random_(random),
      progress_(progress) {
  sleep = [](int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
}

void Deployer::say(const std::string& line) {
  if (progress_ == nullptr) return;
  std::fprintf(progress_, "%s\n", line.c_str());
  std::fflush(progress_);
}

// A rotation takes two runs of --rotate-signing-key (plan.h): the first adds
// a key every function verifies, the second makes it sign — once CloudFront
// has the checker that knows it, so no visitor meets a checker refusing a
// fresh cookie (a login loop). Nothing is saved here (see saveSigningKeys).
Result<Deployer::KeyPlan> Deployer::planSigningKeys(const DeployOptions& options) {
  SigningKeyStore store(client_, assembly_.region, signingKeyParameter(assembly_));
  auto current = store.load();
  if (!current) return current.status();
  KeyPlan plan;
  if (!current->has_value()) {
    plan.keys.keys = {newSigningKey(random_)};
    plan.what = "generated";
    plan.save = true;
  } else if (!options.rotate_signing_key) {
    plan.keys = **current;
    std::string count = std::to_string(plan.keys.keys.size());
    say(concat({"signing keys: kept (", store.name(), ", ", count, " key(s)",
                plan.keys.pending ? "; a new one waits to sign: run deploy --rotate-signing-key "
                                    "again once CloudFront has deployed the checker)"
                                  : ")"}));
  } else if (!(*current)->pending) {
    plan.keys = addPendingSigningKey(**current, random_);
    plan.what =
        "rotation step 1 of 2: a new key added, which both functions verify after this deploy; "
        "it signs after the next `barrier deploy --rotate-signing-key`, run once CloudFront has "
        "deployed this checker" +
        std::string(assembly_.distribution_id.empty()
                        ? " (and you have associated its new version with the distribution)"
                        : " (`aws cloudfront wait distribution-deployed --id " +
                              assembly_.distribution_id + "`)");
    plan.save = plan.after_deploy = true;
  } else {
    if (!assembly_.distribution_id.empty()) {
      auto status = CloudFrontDistributions(client_).status(assembly_.distribution_id);
      if (!status) return status.status();
      if (*status != "Deployed") {
        return Status::unavailable(concat(
            {"signing keys: cloudfront ", assembly_.distribution_id, " is ", *status,
             ": the checker that knows the new key may not be at every edge yet; run again when "
             "`aws cloudfront wait distribution-deployed --id ",
             assembly_.distribution_id, "` returns"}));
      }
    }
    plan.keys = promotePendingSigningKey(**current);
    plan.what = "rotation step 2 of 2: the new key signs, " +
                std::to_string(plan.keys.keys.size() - 1) + " earlier key(s) still verify";
    plan.save = plan.after_deploy = true;
  }
  if (plan.save && options.dry_run) {
    say(concat({"signing keys: would be ", plan.what, " (", store.name(), ")"}));
    plan.save = false;
  }
  return plan;
}

// A new key is saved at once; a rotation's step only once the stacks and
// the wiring that carry it are in place: a step that failed half-way leaves
// the parameter as it was, and running it again starts that step afresh
// (step 2 would otherwise promote a key no checker had yet).
Status Deployer::saveSigningKeys(const KeyPlan& plan) {
  SigningKeyStore store(client_, assembly_.region, signingKeyParameter(assembly_));
  if (Status s = store.save(plan.keys); !s) return s;
  say(concat({"signing keys: ", plan.what, " (", store.name(), ")"}));
  return Status::ok();
}

// Adds the session table's name to the record beside the signing keys
// (only when it is new there): destroy --delete-data must find the table
// after a plain destroy has deleted the stack that named it, and a table
// retained by an earlier destroy when a later deploy made another.
Status Deployer::recordSessionTable(const std::string& table) {
  SsmParameter record(client_, assembly_.region, sessionTableParameter(assembly_));
  auto current = record.get();
  if (!current) return current.status();
  std::string recorded = current->value_or("");
  std::string updated = addRecordedName(recorded, table);
  if (updated == recorded) return Status::ok();
  return record.put(updated, /*secure=*/false,
                    "barrier session tables, comma-separated (kept when their stack is deleted); "
                    "written by barrier deploy");
}

Result<std::string> Deployer::upload(const std::string& region, const std::string& what,
                                     const std::string& bytes, const DeployOptions& options,
                                     DeployReport& report) {
  const std::string& bucket = assembly_.bucketFor(region);
  std::string key = contentKey(assembly_, what, sha256Hex(bytes));
  std::string url = concat({"s3://", bucket, "/", key});
  std::string checksum = base64Encode(sha256Bytes(bytes));
  S3Objects s3(client_, region);
  auto stored = s3.head(bucket, key);
  if (!stored) return stored.status();
  // The key names the content, but anyone who can write to the bucket can
  // put other bytes under it (and the manager's code runs with its role):
  // an object is reused only when S3 vouches it holds exactly these bytes.
  if (stored->state == StoredObject::State::kPresent && stored->checksum_sha256 == checksum) {
    say(concat({"upload: ", url, " already there, skipped"}));
    return key;
  }
  std::string why = uploadReason(*stored);
  if (options.dry_run) {
    say(concat({"upload: would upload ", url, " (", std::to_string(bytes.size()), " bytes)", why}));
    return key;
  }
  say(concat({"upload: ", url, " (", std::to_string(bytes.size()), " bytes)", why}));
  if (Status s = s3.put(bucket, key, bytes, checksum); !s) return s;
  ++report.uploads;
  return key;
}

Result<std::set<std::string>> Deployer::eventIds(CloudFormation& cf, const std::string& name) {
  std::set<std::string> ids;
  auto events = cf.describeStackEvents(name);
  if (!events) return events.status();
  for (const auto& e : *events) ids.insert(e.id);
  return ids;
}

Status Deployer::waitFor(CloudFormation& cf, const StackWait& wait) {
  return waitForStack(cf, wait, sleep, [this](const std::string& line) { say(line); });
}

Status Deployer::applyStack(CloudFormation& cf, const std::string& name,
                            const std::string& template_body,
                            const std::vector<StackParameter>& parameters,
                            const DeployOptions& options, bool& changed) {
  changed = false;
  auto existing = cf.describeStack(name);
  if (!existing) return existing.status();
  if (!existing->has_value()) {
    if (options.dry_run) {
      say(concat({"stack ", name, " (", cf.region(), "): would be created with parameters:\n",
                  describeParameters(parameters)}));
      return Status::ok();
    }
    say(concat({"stack ", name, " (", cf.region(), "): creating"}));
    auto id = cf.createStack(name, template_body, parameters);
    if (!id) return id.status();
    changed = true;
    return waitFor(cf, {name, *id, StackOperation::kCreate, "", {}, options.poll_ms});
  }
  const StackInfo& stack = **existing;
  if (!isStackStable(stack.status)) {
    return Status::unavailable(concat({"stack ", name, " is busy (", stack.status,
                                       "); wait for it to finish and run deploy again"}));
  }
  if (stack.status == "ROLLBACK_COMPLETE") {
    return Status::invalid(
        concat({"stack ", name,
                " is in ROLLBACK_COMPLETE (its creation failed) and cannot be updated; "
                "run `barrier destroy -f <assembly>` (or delete it) and deploy again"}));
  }
  // A change set shows what an update would do, and says so when nothing would.
  std::string change_set = concat({"barrier-", hexEncode(random_.bytes(8))});
  auto id = cf.createChangeSet(name, change_set, template_body, parameters);
  if (!id && id.status().hasReason(kCloudFormationNoUpdates)) {
    say(concat({"stack ", name, " (", cf.region(), "): no changes"}));
    return Status::ok();
  }
  if (!id) return id.status();
  Result<ChangeSetInfo> info = Status::internal("unset");
  for (;;) {
    info = cf.describeChangeSet(*id);
    if (!info) return info.status();
    if (info->status != "CREATE_PENDING" && info->status != "CREATE_IN_PROGRESS") break;
    sleep(std::min(options.poll_ms, 2000));
  }
  if (info->empty()) {
    (void)cf.deleteChangeSet(*id);
    say(concat({"stack ", name, " (", cf.region(), "): no changes"}));
    return Status::ok();
  }
  if (info->status == "FAILED") {
    (void)cf.deleteChangeSet(*id);
    return Status::invalid(concat({"stack ", name, ": change set failed: ", info->status_reason}));
  }
  std::string plan = concat(
      {"stack ", name, " (", cf.region(), "): ", options.dry_run ? "would change" : "changing"});
  for (const auto& c : info->changes) {
    plan += concat({"\n    ", c.action, " ", c.logical_id, " (", c.resource_type, ")",
                    c.replacement == "True" ? " [replacement]" : ""});
  }
  say(plan);
  if (options.dry_run) {
    (void)cf.deleteChangeSet(*id);
    return Status::ok();
  }
  auto seen = eventIds(cf, name);
  if (!seen) return seen.status();
  if (Status s = cf.executeChangeSet(*id); !s) return s;
  changed = true;
  return waitFor(cf, {name, stack.id.empty() ? name : stack.id, StackOperation::kUpdate, *id,
                      std::move(*seen), options.poll_ms});
}

// One deploy's state, handed from step to step.
struct Deployer::DeployRun {
  DeployRun(const DeployOptions& o, CloudFormation r, CloudFormation e)
      : options(o), regional(std::move(r)), edge(std::move(e)) {}
  const DeployOptions& options;
  CloudFormation regional;  // the barrier region: the session manager
  CloudFormation edge;      // us-east-1: the checker
  DeployReport report;
  // A dry run that cannot go further (a stack it would create does not
  // exist yet): the deploy ends with the report so far.
  bool finished = false;
  std::string manager_template;
  std::string checker_template;  // before the code hash is rendered into it
  KeyPlan keys;
  ManagerOutputs outputs;
};

Result<DeployReport> Deployer::deploy(const DeployOptions& options) {
  // Limits AWS would only enforce half-way through (a stack update that
  // fails and rolls back): checked before any call.
  if (Status s = checkManagerSizes(assembly_); !s) return s;
  if (options.dry_run) say("dry run: nothing will be changed");
  DeployRun run(options, CloudFormation(client_, assembly_.region),
                CloudFormation(client_, std::string(kEdgeRegion)));
  using Step = Status (Deployer::*)(DeployRun&);
  for (Step step :
       {&Deployer::loadTemplates, &Deployer::prepareSigningKeys, &Deployer::warnOfCookieRename,
        &Deployer::deployManager, &Deployer::readManagerOutputs, &Deployer::deployChecker,
        &Deployer::readCheckerOutputs, &Deployer::wireCloudFront, &Deployer::saveKeysAfterDeploy}) {
    if (Status s = (this->*step)(run); !s) return s;
    if (run.finished) break;
  }
  return run.report;
}

Status Deployer::loadTemplates(DeployRun& run) {
  auto manager = templates_.load(kManagerTemplate);
  if (!manager) return manager.status();
  auto checker = templates_.load(kCheckerTemplate);
  if (!checker) return checker.status();
  run.manager_template = std::move(*manager);
  run.checker_template = std::move(*checker);
  return Status::ok();
}

Status Deployer::prepareSigningKeys(DeployRun& run) {
  auto plan = planSigningKeys(run.options);
  if (!plan) return plan.status();
  run.keys = std::move(*plan);
  if (run.keys.save && !run.keys.after_deploy) return saveSigningKeys(run.keys);
  return Status::ok();
}

Status Deployer::deployManager(DeployRun& run) {
  say("packaging: session manager");
  auto zip = packager_.managerZip();
  if (!zip) return zip.status();
  auto key = upload(assembly_.region, "manager", *zip, run.options, run.report);
  if (!key) return key.status();
  // A domain serving managed login shows "Login pages unavailable" to an
  // app client without a branding style: the stack then adds Cognito's
  // default one. The classic hosted UI needs none.
  std::string domain = userPoolDomainKey(assembly_);
  auto version = managedLoginVersion(client_, assembly_.region, domain);
  if (!version) return version.status();
  bool managed_login = *version >= 2;
  say(concat({"cognito domain ", domain, ": ",
              managed_login ? "managed login (the app client gets Cognito's default branding)"
                            : "classic hosted UI"}));
  auto parameters = managerParameters(assembly_, assembly_.bucketFor(assembly_.region), *key,
                                      run.keys.keys.keys, managed_login);
  return applyStack(run.regional, assembly_.managerStackName(), run.manager_template, parameters,
                    run.options, run.report.manager_stack_changed);
}

Status Deployer::readManagerOutputs(DeployRun& run) {
  auto stack = run.regional.describeStack(assembly_.managerStackName());
  if (!stack) return stack.status();
  if (!stack->has_value()) {
    say("checker: the regional stack does not exist yet, so its outputs (table, client id) are "
        "unknown; the us-east-1 stack would be created after it");
    run.finished = true;
    return Status::ok();
  }
  auto outputs = managerOutputs(**stack);
  if (!outputs) return outputs.status();
  run.outputs = std::move(*outputs);
  if (run.options.dry_run) return Status::ok();
  return recordSessionTable(run.outputs.table);
}

Status Deployer::deployChecker(DeployRun& run) {
  say("packaging: session checker (config.json with the regional outputs)");
  auto zip = packager_.checkerZip(checkerConfigJson(assembly_, run.outputs, run.keys.keys.keys));
  if (!zip) return zip.status();
  std::string code_hash = sha256Hex(*zip);
  auto key = upload(std::string(kEdgeRegion), "checker", *zip, run.options, run.report);
  if (!key) return key.status();
  auto body = renderCheckerTemplate(run.checker_template, code_hash);
  if (!body) return body.status();
  auto parameters = checkerParameters(assembly_.bucketFor(std::string(kEdgeRegion)), *key,
                                      code_hash, run.outputs);
  return applyStack(run.edge, assembly_.checkerStackName(), *body, parameters, run.options,
                    run.report.checker_stack_changed);
}

Status Deployer::readCheckerOutputs(DeployRun& run) {
  auto stack = run.edge.describeStack(assembly_.checkerStackName());
  if (!stack) return stack.status();
  if (!stack->has_value()) {  // dry run of a first deploy
    run.finished = true;
    return Status::ok();
  }
  run.report.info = {run.outputs.api_domain, run.outputs.api_path,
                     (*stack)->outputs["SessionCheckerFunctionVersionArn"]};
  run.report.complete = true;
  return Status::ok();
}

Status Deployer::wireCloudFront(DeployRun& run) {
  if (assembly_.distribution_id.empty()) {
    say("cloudfront: no Cloudfront.DistributionId; add the origin, the /_identity/* behaviour and "
        "the viewer-request association by hand (README), or set it to let deploy do it");
    return Status::ok();
  }
  return wireDistribution(run.report.info, run.options, run.report);
}

// A rotation's step is saved only once the stacks and the wiring carry it.
Status Deployer::saveKeysAfterDeploy(DeployRun& run) {
  if (!run.keys.save || !run.keys.after_deploy) return Status::ok();
  return saveSigningKeys(run.keys);
}

Status Deployer::wireDistribution(const BarrierInfo& info, const DeployOptions& options,
                                  DeployReport& report) {
  CloudFrontDistributions cloudfront(client_);
  const std::string& id = assembly_.distribution_id;
  auto current = cloudfront.getConfig(id);
  if (!current) return current.status();
  WiringSpec spec{info.origin_host, info.origin_path, info.checker_arn,
                  assembly_.protected_behaviors, assembly_.allowed_hosts};
  auto wiring = barrier::wireDistribution(current->config, spec);
  if (!wiring) return wiring.status().withContext("cloudfront " + id);
  // The identity headers must reach the origins, in the same update.
  CloudFrontPolicies policies(client_);
  std::vector<std::string> created;
  Status forwarded = forwardIdentityHeaders(
      policies, current->config,
      {assembly_.protected_behaviors, originRequestPolicyPrefix(assembly_.stacks_prefix),
       assembly_.cookie_name, options.dry_run},
      *wiring, created);
  if (Status s = recordOriginRequestPolicies(created); !s) return s;
  if (!forwarded) return forwarded.withContext("cloudfront " + id);
  // Printed on every deploy, changes or not: the exposure stays until the
  // assembly or the origin is fixed.
  for (const auto& w : wiring->warnings) say(concat({"cloudfront ", id, ": warning: ", w}));
  const std::vector<std::string>& changes = wiring->changes;
  report.distribution_changes = changes;
  if (changes.empty()) {
    say(concat({"cloudfront ", id, ": already wired, no changes"}));
    return Status::ok();
  }
  std::string plan =
      concat({"cloudfront ", id, ": ", options.dry_run ? "would change" : "changing"});
  for (const auto& c : changes) plan += concat({"\n    ", c});
  say(plan);
  if (options.dry_run) return Status::ok();
  if (Status s = cloudfront.updateConfig(id, current->config, current->etag); !s) return s;
  say(concat({"cloudfront ", id, ": updated; CloudFront deploys it to the edge in a few minutes"}));
  return Status::ok();
}

// Adds the policies deploy created to the record destroy deletes them by.
Status Deployer::recordOriginRequestPolicies(const std::vector<std::string>& ids) {
  if (ids.empty()) return Status::ok();
  SsmParameter record(client_, assembly_.region, originRequestPolicyParameter(assembly_));
  auto current = record.get();
  if (!current) return current.status();
  std::string recorded = current->value_or("");
  std::string updated = recorded;
  for (const auto& id : ids) updated = addRecordedName(updated, id);
  if (updated == recorded) return Status::ok();
  return record.put(updated, /*secure=*/false, kPolicyRecordDescription);
}

Result<BarrierInfo> Deployer::info() {
  CloudFormation regional(client_, assembly_.region);
  auto manager = regional.describeStack(assembly_.managerStackName());
  if (!manager) return manager.status();
  if (!manager->has_value()) {
    return Status::notFound(concat({"stack ", assembly_.managerStackName(), " does not exist in ",
                                    assembly_.region, "; run barrier deploy first"}));
  }
  CloudFormation edge(client_, std::string(kEdgeRegion));
  auto checker = edge.describeStack(assembly_.checkerStackName());
  if (!checker) return checker.status();
  if (!checker->has_value()) {
    return Status::notFound(concat({"stack ", assembly_.checkerStackName(),
                                    " does not exist in us-east-1; run barrier deploy first"}));
  }
  auto& mo = (*manager)->outputs;
  return BarrierInfo{mo["ApiDomainName"], mo["ApiPath"],
                     (*checker)->outputs["SessionCheckerFunctionVersionArn"]};
}

// A new CookieName takes effect in the manager at once and at the edge only
// once CloudFront has the new checker everywhere: meanwhile visitors signed
// in under the new name are sent back to sign in by edges reading the old
// one. Said before anything changes, so the operator can still stop.
Status Deployer::warnOfCookieRename(DeployRun& run) {
  auto existing = run.regional.describeStack(assembly_.managerStackName());
  if (!existing) return existing.status();
  if (!existing->has_value()) return Status::ok();
  std::string before = (**existing).outputs["CookieName"];
  if (before.empty() || before == assembly_.cookie_name) return Status::ok();
  say(concat({"warning: CookieName changes from ", before, " to ", assembly_.cookie_name,
              ": every visitor signs in again, and until CloudFront has deployed the new checker "
              "to every edge (minutes), edges still reading ",
              before, " send visitors the manager signed in as ", assembly_.cookie_name,
              " back to sign in, round after round; deploy such a change at a quiet time"}));
  return Status::ok();
}

Status Deployer::waitForDistribution(CloudFrontDistributions& cloudfront, int poll_ms) {
  const std::string& id = assembly_.distribution_id;
  auto deadline = std::chrono::steady_clock::now() + kDistributionWait;
  bool said = false;
  while (true) {
    auto status = cloudfront.status(id);
    if (!status) return status.status();
    if (*status == "Deployed") {
      if (said) say(concat({"cloudfront ", id, ": Deployed"}));
      return Status::ok();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::timeout(
          concat({"cloudfront ", id, " is still ", *status, " after ",
                  std::to_string(
                      std::chrono::duration_cast<std::chrono::minutes>(kDistributionWait).count()),
                  " minutes; the stacks were not deleted. Run barrier destroy again once `aws "
                  "cloudfront wait "
                  "distribution-deployed --id ",
                  id, "` returns"}));
    }
    if (!said) {
      say(concat({"cloudfront ", id, ": ", *status,
                  "; waiting until every edge has stopped calling the checker and the API "
                  "(often 5-15 minutes) before deleting the stacks"}));
      said = true;
    }
    sleep(poll_ms);
  }
}

// One destroy's state, handed from step to step.
struct Deployer::DestroyRun {
  DestroyRun(const DestroyOptions& o, CloudFormation r, CloudFormation e)
      : options(o), regional(std::move(r)), edge(std::move(e)) {}
  const DestroyOptions& options;
  CloudFormation regional;
  CloudFormation edge;
  std::optional<StackInfo> checker;  // nullopt: no such stack
  std::optional<StackInfo> manager;
  std::vector<std::string> tables;  // every session table known
};

Status Deployer::destroy(const DestroyOptions& options) {
  DestroyRun run(options, CloudFormation(client_, assembly_.region),
                 CloudFormation(client_, std::string(kEdgeRegion)));
  using Step = Status (Deployer::*)(DestroyRun&);
  for (Step step :
       {&Deployer::findStacks, &Deployer::unwireCloudFront, &Deployer::findSessionTable,
        &Deployer::deleteStacks, &Deployer::deleteSessionTable, &Deployer::deleteParameters}) {
    if (Status s = (this->*step)(run); !s) return s;
  }
  return Status::ok();
}

Status Deployer::findStacks(DestroyRun& run) {
  auto checker = run.edge.describeStack(assembly_.checkerStackName());
  if (!checker) return checker.status();
  auto manager = run.regional.describeStack(assembly_.managerStackName());
  if (!manager) return manager.status();
  run.checker = std::move(*checker);
  run.manager = std::move(*manager);
  return Status::ok();
}

// The wiring goes first: CloudFront must stop calling the function and the
// API before they are deleted.
Status Deployer::unwireCloudFront(DestroyRun& run) {
  const std::string& id = assembly_.distribution_id;
  if (id.empty()) return Status::ok();
  std::string version_arn =
      run.checker ? run.checker->outputs["SessionCheckerFunctionVersionArn"] : "";
  CloudFrontDistributions cloudfront(client_);
  auto current = cloudfront.getConfig(id);
  if (!current) return current.status();
  auto changes = unwireDistribution(current->config, version_arn);
  SsmParameter record(client_, assembly_.region, originRequestPolicyParameter(assembly_));
  auto recorded = record.get();
  if (!recorded) return recorded.status();
  std::vector<std::string> policy_ids = recordedNames(recorded->value_or(""));
  CloudFrontPolicies policies(client_);
  auto restored = restoreReplacedPolicies(policies, current->config, policy_ids);
  if (!restored) return restored.status().withContext("cloudfront " + id);
  changes.insert(changes.end(), restored->begin(), restored->end());
  for (const auto& c : changes) say(concat({"cloudfront ", id, ": ", c}));
  if (!changes.empty()) {
    if (Status s = cloudfront.updateConfig(id, current->config, current->etag); !s) return s;
  }
  // Until the change has reached every edge, edges still run the checker
  // (whose role goes with its stack) and send /_identity/* to the API:
  // deleting now would answer 5xx for those minutes. Waited for on a
  // second run too, when the unwiring is already done.
  if (Status s = waitForDistribution(cloudfront, run.options.poll_ms); !s) return s;
  if (policy_ids.empty()) return Status::ok();
  // barrier's origin request policies go once no behaviour uses them.
  std::vector<std::string> kept;
  auto deleted = deleteBarrierPolicies(policies, policy_ids, kept);
  if (!deleted) return deleted.status();
  for (const auto& line : *deleted) say(concat({"cloudfront ", id, ": ", line}));
  if (kept.empty()) {
    Status s = record.remove();
    return s || s.code() == Code::kNotFound ? Status::ok() : s;
  }
  std::string left;
  for (const auto& k : kept) left = addRecordedName(left, k);
  return record.put(left, /*secure=*/false, kPolicyRecordDescription);
}

// The tables are retained when their stack goes: the current one comes
// from the stack, every one deploy created from the record it keeps beside
// the signing keys.
Status Deployer::findSessionTable(DestroyRun& run) {
  std::string tables = run.manager ? run.manager->outputs["SessionTable"] : "";
  auto recorded = SsmParameter(client_, assembly_.region, sessionTableParameter(assembly_)).get();
  if (!recorded) return recorded.status();
  for (const auto& table : recordedNames(recorded->value_or(""))) {
    tables = addRecordedName(tables, table);
  }
  run.tables = recordedNames(tables);
  return Status::ok();
}

Status Deployer::deleteStacks(DestroyRun& run) {
  for (auto [cf, name, stack] :
       {std::tuple{&run.edge, assembly_.checkerStackName(), run.checker},
        std::tuple{&run.regional, assembly_.managerStackName(), run.manager}}) {
    if (!stack) {
      say(concat({"stack ", name, ": does not exist, nothing to delete"}));
      continue;
    }
    auto seen = eventIds(*cf, name);
    if (!seen) return seen.status();
    say(concat({"stack ", name, " (", cf->region(), "): deleting"}));
    if (Status s = cf->deleteStack(name); !s) return s;
    // By id: a deleted stack keeps answering DELETE_COMPLETE, where its name
    // soon answers "does not exist" (or names a new stack).
    std::string id = stack->id.empty() ? name : stack->id;
    if (Status s = waitFor(
            *cf, {name, id, StackOperation::kDelete, "", std::move(*seen), run.options.poll_ms});
        !s) {
      return s;
    }
    say(concat({"stack ", name, ": deleted"}));
  }
  if (run.checker) {
    say("note: the checker function and its versions are retained: Lambda@Edge replicas are "
        "removed by AWS hours after the distribution stops using them; delete the function then "
        "in the Lambda console (us-east-1)");
  }
  return Status::ok();
}

Status Deployer::deleteSessionTable(DestroyRun& run) {
  if (!run.options.delete_data) {
    for (const auto& table : run.tables) {
      say(concat({"kept: session table ", table, " (", assembly_.region, ") and signing keys ",
                  signingKeyParameter(assembly_), "; destroy --delete-data removes them"}));
    }
    return Status::ok();
  }
  if (run.tables.empty()) {
    say(concat({"session table: none known (no stack, nothing recorded in ",
                sessionTableParameter(assembly_),
                "); a table deploy never recorded is not deleted: find it in the DynamoDB "
                "console (",
                assembly_.region, ")"}));
    return Status::ok();
  }
  for (const auto& table : run.tables) {
    Status s = deleteDynamoDbTable(client_, assembly_.region, table);
    if (!s && s.code() != Code::kNotFound) return s;
    say(concat({s ? "deleted: session table " : "session table already gone: ", table}));
  }
  return Status::ok();
}

// The signing keys and the table's record, with --delete-data.
Status Deployer::deleteParameters(DestroyRun& run) {
  if (!run.options.delete_data) return Status::ok();
  for (const std::string& name :
       {signingKeyParameter(assembly_), sessionTableParameter(assembly_)}) {
    SsmParameter parameter(client_, assembly_.region, name);
    Status s = parameter.remove();
    if (!s && s.code() != Code::kNotFound) return s;
    if (s) say(concat({"deleted: ", parameter.name()}));
  }
  return Status::ok();
}

}  // namespace barrier
