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

std::string stackAnswer(const std::string& status) {
  return R"(<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackId>arn:s</StackId>
<StackName>S</StackName><StackStatus>)" +
         status +
         "</StackStatus></member></Stacks></DescribeStacksResult></DescribeStacksResponse>";
}
std::string changeSetAnswer(const std::string& execution_status) {
  return "<DescribeChangeSetResponse><DescribeChangeSetResult><Status>CREATE_COMPLETE</Status>"
         "<ExecutionStatus>" +
         execution_status +
         "</ExecutionStatus></DescribeChangeSetResult></DescribeChangeSetResponse>";
}
const char* kNoEvents =
    "<DescribeStackEventsResponse><DescribeStackEventsResult><StackEvents/>"
    "</DescribeStackEventsResult></DescribeStackEventsResponse>";

// Right after ExecuteChangeSet CloudFormation may still answer the previous
// update's UPDATE_COMPLETE: the wait goes on until the change set has run.
TEST_F(CloudFormationTest, UpdateWaitIgnoresTheStateFromBefore) {
  for (int i = 0; i < 2; ++i) {  // not started yet: the old state
    answer(200, kNoEvents);
    answer(200, changeSetAnswer("AVAILABLE"));
    answer(200, stackAnswer("UPDATE_COMPLETE"));
  }
  answer(200, kNoEvents);
  answer(200, changeSetAnswer("EXECUTE_IN_PROGRESS"));
  answer(200, stackAnswer("UPDATE_IN_PROGRESS"));
  answer(200, kNoEvents);
  answer(200, changeSetAnswer("EXECUTE_COMPLETE"));
  answer(200, stackAnswer("UPDATE_COMPLETE"));
  CloudFormation cf(*client_, "eu-west-1");
  int polls = 0;
  Status s = waitForStack(
      cf, {"S", "arn:s", StackOperation::kUpdate, "arn:cs", {}, 1}, [&](int) { ++polls; },
      [](const std::string&) {});
  ASSERT_TRUE(s.isOk()) << s.toString();
  EXPECT_EQ(polls, 3);
  EXPECT_TRUE(http_->answers.empty());
}

// Right after DeleteStack the stack may still show its old state: the wait
// ends on DELETE_COMPLETE (the stack id keeps answering), never before.
TEST_F(CloudFormationTest, DeleteWaitIgnoresTheStateFromBefore) {
  for (const char* status : {"UPDATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_IN_PROGRESS"}) {
    answer(200, kNoEvents);
    answer(200, stackAnswer(status));
  }
  answer(200, kNoEvents);
  answer(200, stackAnswer("DELETE_COMPLETE"));
  CloudFormation cf(*client_, "eu-west-1");
  int polls = 0;
  Status s = waitForStack(
      cf, {"S", "arn:s", StackOperation::kDelete, "", {}, 1}, [&](int) { ++polls; },
      [](const std::string&) {});
  ASSERT_TRUE(s.isOk()) << s.toString();
  EXPECT_EQ(polls, 3);
  EXPECT_TRUE(http_->answers.empty());
  EXPECT_NE(http_->requests.back().body.find("StackName=arn%3As"), std::string::npos)
      << http_->requests.back().body;
}

// A deletion that fails ends the wait with the stack's state.
TEST_F(CloudFormationTest, DeleteWaitReportsAFailedDeletion) {
  answer(200, kNoEvents);
  answer(200, stackAnswer("DELETE_FAILED"));
  CloudFormation cf(*client_, "eu-west-1");
  Status s = waitForStack(
      cf, {"S", "arn:s", StackOperation::kDelete, "", {}, 1}, [](int) {},
      [](const std::string&) {});
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("DELETE_FAILED"), std::string::npos) << s.toString();
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
