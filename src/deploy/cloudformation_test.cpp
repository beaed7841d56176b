#include "deploy/cloudformation.h"

#include <gtest/gtest.h>

#include "tests/support/fake_http_client.h"

namespace barrier {
namespace {

class CloudFormationTest : public ::testing::Test {
 protected:
  CloudFormationTest() {
    AwsClientDeps deps;
    deps.http = http_;
    deps.credentials = std::shared_ptr<CredentialsProvider>(
        makeStaticCredentials({"AKID", "SECRET", "", 0, "test"}).release());
    AwsClientOptions options;
    options.region = "eu-west-1";
    options.env = mapEnvironment({{"AWS_ENDPOINT_URL", "http://127.0.0.1:1"}});
    options.max_attempts = 1;
    options.sleep = [](int) {};
    client_ = std::make_unique<AwsClient>(options, deps);
  }
  void answer(int status, std::string body) { http_->queue(httpResponse(status, std::move(body))); }

  std::shared_ptr<FakeHttpClient> http_ = std::make_shared<FakeHttpClient>();
  std::unique_ptr<AwsClient> client_;
};

// DescribeStacks answers become StackInfo with outputs and parameters.
TEST_F(CloudFormationTest, DescribesAStack) {
  answer(200,
         R"(<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
<DescribeStacksResult><Stacks><member><StackId>arn:s</StackId><StackName>DemoSessionManager</StackName>
<StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime>
<Outputs><member><OutputKey>ApiPath</OutputKey><OutputValue>/prod</OutputValue></member></Outputs>
<Parameters><member><ParameterKey>SigningKeys</ParameterKey><ParameterValue>****</ParameterValue></member></Parameters>
</member></Stacks></DescribeStacksResult></DescribeStacksResponse>)");
  CloudFormation cf(*client_, "eu-west-1");
  auto stack = cf.describeStack("DemoSessionManager");
  ASSERT_TRUE(stack.isOk()) << stack.status().toString();
  ASSERT_TRUE(stack->has_value());
  EXPECT_EQ((*stack)->status, "UPDATE_COMPLETE");
  EXPECT_EQ((*stack)->outputs.at("ApiPath"), "/prod");
  EXPECT_EQ((*stack)->parameters.at("SigningKeys"), "****");
  ASSERT_EQ(http_->requests.size(), 1u);
  EXPECT_NE(http_->requests[0].body.find(
                "Action=DescribeStacks&Version=2010-05-15&StackName=DemoSessionManager"),
            std::string::npos);
}

// "does not exist" is an absent stack, not a failure; other errors are.
TEST_F(CloudFormationTest, AbsentStackIsNotAnError) {
  answer(400, R"(<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>
<Message>Stack with id Nope does not exist</Message></Error></ErrorResponse>)");
  answer(
      403,
      R"(<ErrorResponse><Error><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>)");
  CloudFormation cf(*client_, "eu-west-1");
  auto absent = cf.describeStack("Nope");
  ASSERT_TRUE(absent.isOk()) << absent.status().toString();
  EXPECT_FALSE(absent->has_value());
  auto denied = cf.describeStack("Nope");
  ASSERT_FALSE(denied.isOk());
  EXPECT_NE(denied.status().message().find("AccessDenied"), std::string::npos);
}

// Change sets: parameters are form-encoded members, and an empty change set
// is recognised from CloudFormation's reason.
TEST_F(CloudFormationTest, ChangeSets) {
  answer(
      200,
      R"(<CreateChangeSetResponse><CreateChangeSetResult><Id>arn:cs</Id></CreateChangeSetResult></CreateChangeSetResponse>)");
  answer(200,
         R"(<DescribeChangeSetResponse><DescribeChangeSetResult><ChangeSetId>arn:cs</ChangeSetId>
<Status>FAILED</Status><StatusReason>The submitted information didn't contain changes. Submit different information to create a change set.</StatusReason>
<Changes/></DescribeChangeSetResult></DescribeChangeSetResponse>)");
  answer(200,
         R"(<DescribeChangeSetResponse><DescribeChangeSetResult><Status>CREATE_COMPLETE</Status>
<Changes><member><Type>Resource</Type><ResourceChange><Action>Modify</Action><LogicalResourceId>ManagerFunction</LogicalResourceId>
<ResourceType>AWS::Lambda::Function</ResourceType><Replacement>False</Replacement></ResourceChange></member></Changes>
</DescribeChangeSetResult></DescribeChangeSetResponse>)");
  CloudFormation cf(*client_, "eu-west-1");
  auto id = cf.createChangeSet("S", "c1", "Resources: {}", {{"CodeKey", "a b&c"}});
  ASSERT_TRUE(id.isOk()) << id.status().toString();
  EXPECT_EQ(*id, "arn:cs");
  const std::string& body = http_->requests[0].body;
  EXPECT_NE(
      body.find(
          "Parameters.member.1.ParameterKey=CodeKey&Parameters.member.1.ParameterValue=a%20b%26c"),
      std::string::npos)
      << body;
  EXPECT_NE(body.find("Capabilities.member.1=CAPABILITY_IAM"), std::string::npos);
  auto empty = cf.describeChangeSet(*id);
  ASSERT_TRUE(empty.isOk());
  EXPECT_TRUE(empty->empty());
  auto real = cf.describeChangeSet(*id);
  ASSERT_TRUE(real.isOk());
  EXPECT_FALSE(real->empty());
  ASSERT_EQ(real->changes.size(), 1u);
  EXPECT_EQ(real->changes[0].logical_id, "ManagerFunction");
}

// Stack states: stable vs in progress, failures including rollbacks.
TEST(StackStatusTest, Classifies) {
  EXPECT_TRUE(isStackStable("CREATE_COMPLETE"));
  EXPECT_FALSE(isStackStable("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"));
  EXPECT_TRUE(isStackFailure("ROLLBACK_COMPLETE"));
  EXPECT_TRUE(isStackFailure("UPDATE_ROLLBACK_COMPLETE"));
  EXPECT_TRUE(isStackFailure("DELETE_FAILED"));
  EXPECT_FALSE(isStackFailure("UPDATE_COMPLETE"));
}

}  // namespace
}  // namespace barrier
