// `barrier deploy`, `info` and `destroy` end to end against moto_server
// (S3, CloudFormation, Lambda, IAM, DynamoDB, API Gateway, SSM, CloudFront),
// driving the real `barrier` binary. moto does not model the Cognito
// user-pool client, so the templates get the two literals of
// DeployWorkspace::writeMotoTemplates(); everything else is the shipped
// template. moto's Lambda Version has no ARN (its Ref is the logical id) and
// moto keeps no Lambda@Edge associations on distributions: the tests check
// versions through the Lambda API and the wiring through what moto keeps.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "tests/integration/support/deploy_fixture.h"

namespace barrier::testing {
namespace {

constexpr const char* kAllViewerExceptHost = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

class DeployMotoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = moto_.unavailableReason(); !why.empty()) GTEST_SKIP() << why;
    if (!boto3Available()) GTEST_SKIP() << kNeedsBoto3;
    ASSERT_TRUE(moto_.start()) << "moto_server did not start";
    python(R"(
import boto3
boto3.client("s3", region_name="eu-west-1").create_bucket(Bucket="artifacts-eu-west-1",
    CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="artifacts-us-east-1")
)");
    ws_.writeAssembly();
    ws_.writePackages();
    ws_.writeMotoTemplates();
  }

  std::string python(const std::string& script) {
    bool ok = false;
    std::string out = runPython(script, moto_.endpoint(), ok);
    EXPECT_TRUE(ok) << out;
    return out;
  }

  CommandResult barrier(const std::vector<std::string>& args) {
    return runBarrier(args, motoEnv(moto_.endpoint()));
  }

  // Keys of both artifact buckets, one per line.
  std::string objects() {
    return python(R"(
import boto3
for region in ("eu-west-1", "us-east-1"):
    for o in boto3.client("s3", region_name=region).list_objects_v2(Bucket="artifacts-" + region).get("Contents", []):
        print(o["Key"])
)");
  }

  // "<status> <event count>" of a stack.
  std::string stackState(const std::string& region, const std::string& name) {
    return python("import boto3\ncf = boto3.client('cloudformation', region_name='" + region +
                  "')\n" + "s = cf.describe_stacks(StackName='" + name + "')['Stacks'][0]\n" +
                  "print(s['StackStatus'], len(cf.describe_stack_events(StackName='" + name +
                  "')['StackEvents']))\n");
  }

  // A distribution with one S3 origin and a default behaviour; its id. The
  // behaviour caches (managed CachingOptimized) and sends the origin every
  // viewer header but Host (managed AllViewerExceptHostHeader), so the
  // checker's identity headers reach the origin without a policy of
  // barrier's: moto models no cache or origin request policy API
  // (origin_policies_test.cpp plays it for the other cases).
  std::string createDistribution(const std::string& reference) {
    return python(R"(
import boto3
cf = boto3.client("cloudfront", region_name="us-east-1")
d = cf.create_distribution(DistributionConfig={
    "CallerReference": ")" +
                  reference + R"(", "Comment": "site", "Enabled": True,
    "Origins": {"Quantity": 1, "Items": [{"Id": "site", "DomainName": "site.s3.amazonaws.com",
                                          "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
    "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                             "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                             "OriginRequestPolicyId": "b689b0a8-53d0-40ab-baf2-68738e2966ac"}})
print(d["Distribution"]["Id"], end="")
)");
  }

  int checkerVersions() {
    std::string out = python(R"(
import boto3
lam = boto3.client("lambda", region_name="us-east-1")
fn = [f["FunctionName"] for f in lam.list_functions()["Functions"] if "CheckerFunction" in f["FunctionName"]][0]
print(len([v for v in lam.list_versions_by_function(FunctionName=fn)["Versions"] if v["Version"] != "$LATEST"]))
)");
    return std::atoi(out.c_str());
  }

  DynamoDbEmulator moto_{EmulatorKind::kMoto};
  DeployWorkspace ws_;
};

// A first deploy creates both stacks and uploads both zips under
// content-addressed keys; it prints the reference table; a second deploy
// with nothing changed uploads nothing and leaves both stacks untouched.
TEST_F(DeployMotoTest, DeploysThenRedeploysWithoutChanges) {
  CommandResult first = barrier(ws_.deployArgs());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("Session Manager Origin Host"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find(".execute-api.eu-west-1.amazonaws.com"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("| Session Manager Origin Path  | /live"), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("Session Checker Function Arn"), std::string::npos) << first.out;
  // Progress is on stderr, stack events included.
  EXPECT_NE(first.err.find("signing keys: generated"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("TestSessionManager CREATE_COMPLETE"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("stack TestSessionChecker: CREATE_COMPLETE"), std::string::npos)
      << first.err;

  std::string keys = objects();
  EXPECT_NE(keys.find("barrier/barrier-manager-"), std::string::npos) << keys;
  EXPECT_NE(keys.find("barrier/barrier-checker-"), std::string::npos) << keys;
  std::string manager_state = stackState("eu-west-1", "TestSessionManager");
  std::string checker_state = stackState("us-east-1", "TestSessionChecker");
  EXPECT_EQ(manager_state.rfind("CREATE_COMPLETE", 0), 0u) << manager_state;
  EXPECT_EQ(checkerVersions(), 1);
  // The manager's API stage is throttled (assembly Throttling; the defaults).
  EXPECT_EQ(python(R"(
import boto3
s = boto3.client("cloudformation", region_name="eu-west-1").describe_stacks(StackName="TestSessionManager")["Stacks"][0]
print(sorted((p["ParameterKey"], p["ParameterValue"]) for p in s["Parameters"] if p["ParameterKey"].startswith("Throttling")))
)"),
            "[('ThrottlingBurstLimit', '200'), ('ThrottlingRateLimit', '100')]\n");
  // The signing keys live in SSM, encrypted, never on stdout or stderr.
  std::string stored = python(R"(
import boto3
print(boto3.client("ssm", region_name="eu-west-1").get_parameter(Name="/barrier/Test/signing-keys", WithDecryption=True)["Parameter"]["Value"])
)");
  ASSERT_GT(stored.size(), 40u);
  std::string key = stored.substr(0, 44);
  EXPECT_EQ(first.out.find(key), std::string::npos);
  EXPECT_EQ(first.err.find(key), std::string::npos);

  CommandResult second = barrier(ws_.deployArgs());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("signing keys: kept"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("already there, skipped"), std::string::npos) << second.err;
  EXPECT_EQ(second.err.find("bytes)"), std::string::npos) << "something was uploaded:\n"
                                                          << second.err;
  EXPECT_NE(second.err.find("stack TestSessionManager (eu-west-1): no changes"), std::string::npos)
      << second.err;
  EXPECT_NE(second.err.find("stack TestSessionChecker (us-east-1): no changes"), std::string::npos)
      << second.err;
  EXPECT_EQ(objects(), keys);
  EXPECT_EQ(stackState("eu-west-1", "TestSessionManager"), manager_state);
  EXPECT_EQ(stackState("us-east-1", "TestSessionChecker"), checker_state);
  EXPECT_EQ(second.out, first.out);

  // Other bytes under the manager zip's key (anyone who can write to the
  // bucket could put them there; the code would run with the manager's
  // role): the next deploy puts its own bytes back, checksum-verified.
  std::string planted = python(R"(
import boto3
s3 = boto3.client("s3", region_name="eu-west-1")
key = [o["Key"] for o in s3.list_objects_v2(Bucket="artifacts-eu-west-1")["Contents"] if "barrier-manager-" in o["Key"]][0]
original = s3.get_object(Bucket="artifacts-eu-west-1", Key=key)["Body"].read()
s3.put_object(Bucket="artifacts-eu-west-1", Key=key, Body=b"not the manager", ChecksumAlgorithm="SHA256")
print(key, len(original), end="")
)");
  CommandResult third = barrier(ws_.deployArgs());
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_NE(third.err.find("(there with other content: replaced)"), std::string::npos) << third.err;
  std::string restored = python(R"(
import boto3
s3 = boto3.client("s3", region_name="eu-west-1")
key = [o["Key"] for o in s3.list_objects_v2(Bucket="artifacts-eu-west-1")["Contents"] if "barrier-manager-" in o["Key"]][0]
print(key, len(s3.get_object(Bucket="artifacts-eu-west-1", Key=key)["Body"].read()), end="")
)");
  EXPECT_EQ(restored, planted);
  EXPECT_EQ(third.err.find("CookieName changes"), std::string::npos) << third.err;

  // A new cookie name is announced before anything changes.
  std::ifstream written(ws_.writeAssembly());
  std::string renamed((std::istreambuf_iterator<char>(written)), std::istreambuf_iterator<char>());
  renamed.replace(renamed.find("CookieName: barrier"), 19, "CookieName: __Host-barrier");
  std::ofstream(ws_.path("assembly.yaml")) << renamed;
  CommandResult fourth = barrier(ws_.deployArgs());
  ASSERT_EQ(fourth.exit_code, 0) << fourth.err;
  size_t warning = fourth.err.find("warning: CookieName changes from barrier to __Host-barrier");
  EXPECT_NE(warning, std::string::npos) << fourth.err;
  EXPECT_LT(warning, fourth.err.find("TestSessionManager UPDATE")) << fourth.err;
}

// Changing the checker's code makes CloudFormation create a new version
// resource (its logical id follows the zip's hash), i.e. publish a new
// numbered version, and uploads only the new checker zip. (moto applies
// added resources before modified ones, the reverse of CloudFormation's
// dependency order, so its Lambda API shows no second version: the test
// looks at the stack's resources instead.)
TEST_F(DeployMotoTest, CodeChangePublishesANewCheckerVersion) {
  ASSERT_EQ(barrier(ws_.deployArgs()).exit_code, 0);
  ASSERT_EQ(checkerVersions(), 1);
  const std::string versions =
      "import boto3\n"
      "cf = boto3.client('cloudformation', region_name='us-east-1')\n"
      "print([r['LogicalResourceId'] for r in "
      "cf.list_stack_resources(StackName='TestSessionChecker')"
      "['StackResourceSummaries'] if r['LogicalResourceId'].startswith('CheckerVersion')])\n";
  std::string before = python(versions);
  ASSERT_NE(before.find("CheckerVersion"), std::string::npos) << before;
  ws_.writePackages("export const handler = async (e) => ({ ...e, changed: true });\n");
  CommandResult changed = barrier(ws_.deployArgs());
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_NE(changed.err.find("upload: s3://artifacts-us-east-1/barrier/barrier-checker-"),
            std::string::npos)
      << changed.err;
  EXPECT_NE(changed.err.find("barrier-manager-"), std::string::npos);
  EXPECT_NE(changed.err.find("already there, skipped"), std::string::npos)
      << changed.err;  // the manager
  EXPECT_NE(changed.err.find("Add CheckerVersion"), std::string::npos) << changed.err;
  std::string after = python(versions);
  EXPECT_NE(after, before);
  EXPECT_EQ(after.find(before.substr(2, 30)), std::string::npos) << before << after;  // old id gone
  EXPECT_NE(after.find("CheckerVersion"), std::string::npos) << after;
}

// --dry-run prints the plan (secrets masked) and changes nothing, before
// and after a first deploy.
TEST_F(DeployMotoTest, DryRunChangesNothing) {
  CommandResult plan = barrier(ws_.deployArgs({"--dry-run"}));
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.err.find("would be created"), std::string::npos) << plan.err;
  EXPECT_NE(plan.err.find("SigningKeys = ****"), std::string::npos) << plan.err;
  EXPECT_NE(plan.err.find("would upload"), std::string::npos) << plan.err;
  EXPECT_EQ(objects(), "");
  EXPECT_EQ(python("import boto3\nprint(len(boto3.client('cloudformation', "
                   "region_name='eu-west-1').list_stacks()['StackSummaries']))\n"),
            "0\n");
  ASSERT_EQ(barrier(ws_.deployArgs()).exit_code, 0);
  std::string keys = objects();
  ws_.writePackages("export const handler = async () => 'dry';\n");
  CommandResult changed = barrier(ws_.deployArgs({"--dry-run"}));
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_NE(changed.err.find("would upload s3://artifacts-us-east-1/"), std::string::npos)
      << changed.err;
  EXPECT_NE(changed.err.find("would change"), std::string::npos) << changed.err;
  EXPECT_EQ(objects(), keys);
  EXPECT_EQ(checkerVersions(), 1);
}

// info prints the same table (and JSON); destroy removes both stacks and
// keeps the session table and keys, which a later destroy --delete-data
// removes (it found no table once the stack was gone).
TEST_F(DeployMotoTest, InfoAndDestroy) {
  CommandResult deployed = barrier(ws_.deployArgs());
  ASSERT_EQ(deployed.exit_code, 0) << deployed.err;
  CommandResult info = barrier({"info", "-f", ws_.path("assembly.yaml")});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_EQ(info.out, deployed.out);
  CommandResult json = barrier({"info", "-f", ws_.path("assembly.yaml"), "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto doc = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << json.out;
  EXPECT_EQ(doc["SessionManagerOriginPath"], "/live");
  EXPECT_NE(doc["SessionManagerOriginHost"].get<std::string>().find(".execute-api."),
            std::string::npos);
  EXPECT_TRUE(doc.contains("SessionCheckerFunctionArn"));

  CommandResult destroyed =
      barrier({"destroy", "-f", ws_.path("assembly.yaml"), "--poll-seconds", "0"});
  ASSERT_EQ(destroyed.exit_code, 0) << destroyed.err;
  EXPECT_NE(destroyed.err.find("kept: session table"), std::string::npos) << destroyed.err;
  std::string left = python(R"(
import boto3
for region in ("eu-west-1", "us-east-1"):
    cf = boto3.client("cloudformation", region_name=region)
    print(region, [s["StackName"] for s in cf.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"])
print(boto3.client("dynamodb", region_name="eu-west-1").list_tables()["TableNames"])
)");
  EXPECT_NE(left.find("eu-west-1 []"), std::string::npos) << left;
  EXPECT_NE(left.find("us-east-1 []"), std::string::npos) << left;
  EXPECT_NE(left.find("SessionTable"), std::string::npos) << "table should be retained:\n" << left;
  CommandResult gone = barrier({"info", "-f", ws_.path("assembly.yaml")});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;

  // As the message says, destroy --delete-data then removes the table the
  // stacks no longer name (it kept it before), and the signing keys.
  CommandResult purged =
      barrier({"destroy", "-f", ws_.path("assembly.yaml"), "--poll-seconds", "0", "--delete-data"});
  ASSERT_EQ(purged.exit_code, 0) << purged.err;
  EXPECT_NE(purged.err.find("deleted: session table TestSessionManager-SessionTable"),
            std::string::npos)
      << purged.err;
  EXPECT_NE(purged.err.find("deleted: /barrier/Test/signing-keys"), std::string::npos)
      << purged.err;
  std::string remaining = python(R"(
import boto3
print(boto3.client("dynamodb", region_name="eu-west-1").list_tables()["TableNames"])
print(sorted(p["Name"] for p in boto3.client("ssm", region_name="eu-west-1").describe_parameters()["Parameters"]))
)");
  EXPECT_EQ(remaining, "[]\n[]\n");
}

// A deploy after a plain destroy makes a new table while the retained one
// still holds data: the record names both, and destroy --delete-data
// deletes both (it used to forget the first).
TEST_F(DeployMotoTest, DeleteDataFindsATableRetainedBeforeARedeploy) {
  const std::vector<std::string> destroy = {"destroy", "-f", ws_.path("assembly.yaml"),
                                            "--poll-seconds", "0"};
  const std::string tables = R"(
import boto3
print(len(boto3.client("dynamodb", region_name="eu-west-1").list_tables()["TableNames"]))
)";
  ASSERT_EQ(barrier(ws_.deployArgs()).exit_code, 0);
  ASSERT_EQ(barrier(destroy).exit_code, 0);
  CommandResult again = barrier(ws_.deployArgs());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ASSERT_EQ(python(tables), "2\n") << "moto reused the table name: nothing to test";
  std::vector<std::string> purge = destroy;
  purge.push_back("--delete-data");
  CommandResult purged = barrier(purge);
  ASSERT_EQ(purged.exit_code, 0) << purged.err;
  EXPECT_EQ(python(tables), "0\n") << purged.err;
}

// The CloudFront wiring applied to a distribution created here: the origin
// and the /_identity/* behaviour appear, and a second deploy leaves the
// distribution as the first one did. (moto keeps no Lambda@Edge
// associations; distribution_test.cpp covers those on the XML document.)
TEST_F(DeployMotoTest, WiresADistributionIdempotently) {
  // Like CloudFront, the distribution stays InProgress for a while after
  // each change: here for its first 40 API calls (moto counts each Get and
  // Update; the deploys below make fewer), so destroy finds it InProgress.
  python(R"(
import json, os, urllib.request
urllib.request.urlopen(urllib.request.Request(
    os.environ["AWS_ENDPOINT_URL"] + "/moto-api/state-manager/set-transition", method="POST",
    data=json.dumps({"model_name": "cloudfront::distribution",
                     "transition": {"progression": "manual", "times": 40}}).encode()))
)");
  std::string id = createDistribution("site");
  ASSERT_FALSE(id.empty());
  ws_.writeAssembly("  DistributionId: " + id + "\n");
  const std::string dump =
      "import boto3, json\n"
      "c = boto3.client('cloudfront', region_name='us-east-1').get_distribution_config(Id='" +
      id +
      "')['DistributionConfig']\n"
      "print(json.dumps({'o': c['Origins'], 'b': c.get('CacheBehaviors')}, sort_keys=True, "
      "default=str))\n";
  CommandResult first = barrier(ws_.deployArgs());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("add origin barrier-session-manager"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("add behaviour /_identity/*"), std::string::npos) << first.err;
  std::string after_first = python(dump);
  EXPECT_NE(after_first.find("barrier-session-manager"), std::string::npos) << after_first;
  EXPECT_NE(after_first.find("/_identity/*"), std::string::npos) << after_first;
  EXPECT_NE(after_first.find("\"OriginPath\": \"/live\""), std::string::npos) << after_first;
  EXPECT_NE(after_first.find("https-only"), std::string::npos) << after_first;
  // The default behaviour forwards every viewer header already: its policy
  // stays. It caches pages under a key without the session: a warning.
  EXPECT_EQ(first.err.find("origin request policy"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("warning: behaviour * (default) caches responses"), std::string::npos)
      << first.err;
  const std::string default_policy =
      "import boto3\n"
      "c = boto3.client('cloudfront', region_name='us-east-1').get_distribution_config(Id='" +
      id +
      "')['DistributionConfig']['DefaultCacheBehavior']\n"
      "print(c.get('OriginRequestPolicyId'), end='')\n";
  EXPECT_EQ(python(default_policy), kAllViewerExceptHost);

  CommandResult second = barrier(ws_.deployArgs());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(python(dump), after_first);
  EXPECT_EQ(second.err.find("add origin"), std::string::npos) << second.err;
  EXPECT_EQ(second.err.find("add behaviour"), std::string::npos) << second.err;
  // Nor an update of either: moto, like CloudFront, answers with fields
  // barrier did not send (it updated both on every deploy).
  EXPECT_EQ(second.err.find("update origin"), std::string::npos) << second.err;
  EXPECT_EQ(second.err.find("update behaviour"), std::string::npos) << second.err;

  // destroy removes the wiring again, and deletes the stacks only once
  // the distribution is Deployed (moto reports InProgress first, like
  // CloudFront): until then edges still call the checker and the API.
  CommandResult destroyed =
      barrier({"destroy", "-f", ws_.path("assembly.yaml"), "--poll-seconds", "0"});
  ASSERT_EQ(destroyed.exit_code, 0) << destroyed.err;
  size_t waiting = destroyed.err.find("waiting until every edge has stopped calling the checker");
  size_t deployed = destroyed.err.find(": Deployed\n");
  size_t deleting = destroyed.err.find("(us-east-1): deleting");
  EXPECT_NE(waiting, std::string::npos) << destroyed.err;
  EXPECT_LT(waiting, deployed) << destroyed.err;
  EXPECT_LT(deployed, deleting) << destroyed.err;
  std::string after_destroy = python(dump);
  EXPECT_EQ(after_destroy.find("barrier-session-manager"), std::string::npos) << after_destroy;
  EXPECT_EQ(after_destroy.find("/_identity/*"), std::string::npos) << after_destroy;
  EXPECT_EQ(python(default_policy), kAllViewerExceptHost);
}

// A key rotation takes two runs of --rotate-signing-key: the first adds a
// key both functions verify while the old one still signs; the second,
// once CloudFront reports the distribution Deployed, makes the new key
// sign, the old one still verifying. Keys never reach the output.
TEST_F(DeployMotoTest, RotationTakesTwoDeploys) {
  std::string id = createDistribution("rotation");
  ASSERT_FALSE(id.empty());
  ws_.writeAssembly("  DistributionId: " + id + "\n");
  auto stored = [&] {
    return python(R"(
import boto3
print(boto3.client("ssm", region_name="eu-west-1").get_parameter(Name="/barrier/Test/signing-keys", WithDecryption=True)["Parameter"]["Value"], end="")
)");
  };
  std::vector<std::string> rotate = ws_.deployArgs();
  rotate.push_back("--rotate-signing-key");

  ASSERT_EQ(barrier(ws_.deployArgs()).exit_code, 0);
  std::string k1 = stored();
  ASSERT_EQ(k1.size(), 44u) << k1;

  // A step that fails half-way (here: the checker's bucket is gone, after
  // the regional stack took the new key) saves nothing: run again, the step
  // starts afresh instead of the next one promoting a key no checker has.
  const std::string edge_bucket = R"(
import boto3
s3 = boto3.client("s3", region_name="us-east-1")
)";
  python(edge_bucket +
         "for o in s3.list_objects_v2(Bucket='artifacts-us-east-1').get('Contents', []):\n"
         "    s3.delete_object(Bucket='artifacts-us-east-1', Key=o['Key'])\n"
         "s3.delete_bucket(Bucket='artifacts-us-east-1')\n");
  CommandResult half = barrier(rotate);
  EXPECT_NE(half.exit_code, 0) << half.err;
  EXPECT_EQ(stored(), k1);
  python(edge_bucket + "s3.create_bucket(Bucket='artifacts-us-east-1')\n");

  CommandResult step1 = barrier(rotate);
  ASSERT_EQ(step1.exit_code, 0) << step1.err;
  EXPECT_NE(step1.err.find("rotation step 1 of 2"), std::string::npos) << step1.err;
  std::string after1 = stored();
  ASSERT_EQ(after1.rfind(k1 + ",pending:", 0), 0u) << after1;
  std::string k2 = after1.substr(k1.size() + 9);
  EXPECT_EQ(k2.size(), 44u);
  // The manager's stack got both keys, the old one first (it still signs).
  std::string params = python(
      "import boto3\n"
      "s = boto3.client('cloudformation', "
      "region_name='eu-west-1').describe_stacks(StackName='TestSessionManager')['Stacks'][0]\n"
      "print(s['StackStatus'])\n");
  EXPECT_NE(params.find("UPDATE_COMPLETE"), std::string::npos) << params;

  CommandResult kept = barrier(ws_.deployArgs());
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_NE(kept.err.find("a new one waits to sign"), std::string::npos) << kept.err;
  EXPECT_EQ(stored(), after1);

  CommandResult step2 = barrier(rotate);
  ASSERT_EQ(step2.exit_code, 0) << step2.err;
  EXPECT_NE(step2.err.find("rotation step 2 of 2"), std::string::npos) << step2.err;
  EXPECT_EQ(stored(), k2 + "," + k1);
  for (const CommandResult* r : {&step1, &kept, &step2}) {
    EXPECT_EQ(r->err.find(k1), std::string::npos);
    EXPECT_EQ(r->err.find(k2), std::string::npos);
    EXPECT_EQ(r->out.find(k2), std::string::npos);
  }
}

// A broken assembly fails before any AWS call (the endpoint is a closed
// port), naming the key and the fix, with a non-zero exit code.
TEST(DeployAssemblyTest, BrokenAssemblyFailsBeforeTouchingAws) {
  DeployWorkspace ws;
  std::string path = ws.writeAssembly();
  ws.write("assembly.yaml", R"(StacksPrefix: Test
CookieName: barrier
Environment:
  AWSProfile: x
Packaging:
  S3Buckets: {eu-west-1: a-bucket}
Cloudfront: {DomainName: www.example.com}
CognitoUserPool: {UserPoolId: eu-west-1_X, DomainName: login.example.com}
)");
  CommandResult r = runBarrier({"deploy", "-f", path}, motoEnv("http://127.0.0.1:9"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Environment.Region is missing; set it to"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

// An assembly whose settings would not fit the manager's environment
// (Lambda: 4 KB in all) is refused by --dry-run before any AWS call (the
// endpoint is a closed port), naming what to shorten.
TEST(DeployAssemblyTest, OversizedSettingsAreRefusedBeforeTouchingAws) {
  DeployWorkspace ws;
  std::string rules = "Rules:\n";
  for (int i = 0; i < 80; ++i) {
    rules +=
        "  - {Path: /team-" + std::to_string(i) + "/*, Groups: [team-" + std::to_string(i) + "]}\n";
  }
  ws.writeAssembly(rules);
  ws.writePackages();
  CommandResult r = runBarrier(ws.deployArgs({"--dry-run"}), motoEnv("http://127.0.0.1:9"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("environment variables come to about"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("shorten Rules ("), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("127.0.0.1:9"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

// --print-policy prints the deploying identity's IAM policy and calls
// nothing (the endpoint is a closed port).
TEST(DeployAssemblyTest, PrintPolicyCallsNothing) {
  DeployWorkspace ws;
  CommandResult r = runBarrier({"deploy", "-f", ws.writeAssembly(), "--print-policy"},
                               motoEnv("http://127.0.0.1:9"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto policy = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(policy.is_object()) << r.out;
  EXPECT_EQ(policy["Version"], "2012-10-17");
  EXPECT_NE(r.out.find("\"arn:aws:s3:::artifacts-eu-west-1/*\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"cloudformation:CreateStack\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace barrier::testing
