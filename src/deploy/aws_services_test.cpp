#include "deploy/aws_services.h"

#include <gtest/gtest.h>

#include "tests/support/fake_aws_client.h"
#include "tests/support/fake_http_client.h"

namespace barrier {
namespace {

// An AwsClient whose every call is answered by `http` (recorded answers:
// S3's real HEAD answers carry no body), with no retry sleeping.
struct S3Harness {
  std::shared_ptr<FakeHttpClient> http = std::make_shared<FakeHttpClient>();
  AwsClient client = fakeAwsClient(http);
};

// DescribeUserPoolDomain's recorded answers: version 2 is managed login, 1
// the classic hosted UI; a description without the field (older answers)
// and the empty one Cognito gives for an unknown domain read 0.
TEST(ManagedLoginVersion, ReadsTheDomainDescription) {
  S3Harness h;
  h.http->answers = {
      httpResponse(200, R"({"DomainDescription":{"UserPoolId":"eu-west-1_Pool1",)"
                        R"("Domain":"my-site","Status":"ACTIVE","ManagedLoginVersion":2}})"),
      httpResponse(200, R"({"DomainDescription":{"Domain":"my-site","ManagedLoginVersion":1}})"),
      httpResponse(200, R"({"DomainDescription":{"Domain":"my-site","Status":"ACTIVE"}})"),
      httpResponse(200, R"({"DomainDescription":{}})")};
  for (int expected : {2, 1, 0, 0}) {
    auto version = managedLoginVersion(h.client, "eu-west-1", "my-site");
    ASSERT_TRUE(version.isOk()) << version.status().toString();
    EXPECT_EQ(*version, expected);
  }
  ASSERT_EQ(h.http->requests.size(), 4u);
  const HttpClientRequest& sent = h.http->requests[0];
  EXPECT_EQ(sent.url, "https://cognito-idp.eu-west-1.amazonaws.com/");
  EXPECT_EQ(sent.headers.get("X-Amz-Target"),
            "AWSCognitoIdentityProviderService.DescribeUserPoolDomain");
  EXPECT_EQ(sent.body, R"({"Domain":"my-site"})");
}

// A refusal (no cognito-idp:DescribeUserPoolDomain) fails the deploy
// rather than guess the domain's kind.
TEST(ManagedLoginVersion, RefusalFails) {
  S3Harness h;
  h.http->queue(
      httpResponse(400, R"({"__type":"AccessDeniedException","message":"not authorized"})"));
  EXPECT_FALSE(managedLoginVersion(h.client, "eu-west-1", "my-site").isOk());
}

// Without s3:ListBucket, S3 answers HeadObject on a missing key with 403
// (no body): that reads "cannot tell", not a failure of the deploy.
TEST(S3Objects, HeadForbiddenMeansCannotTell) {
  S3Harness h;
  h.http->queue(httpResponse(403));
  auto head = S3Objects(h.client, "eu-west-1").head("bucket", "barrier/x.zip");
  ASSERT_TRUE(head.isOk()) << head.status().toString();
  EXPECT_EQ(head->state, StoredObject::State::kHidden);
  ASSERT_EQ(h.http->requests.size(), 1u);
  EXPECT_EQ(h.http->requests[0].method, "HEAD");
}

// 404 is absent; 200 gives the stored checksum; anything else fails.
TEST(S3Objects, HeadReadsAbsentPresentAndFailure) {
  S3Harness h;
  HttpClientResponse found = httpResponse(200);
  found.headers.add("x-amz-checksum-sha256", "c2hh");
  h.http->answers = {httpResponse(404), found, httpResponse(400)};
  S3Objects s3(h.client, "eu-west-1");
  auto absent = s3.head("bucket", "k");
  ASSERT_TRUE(absent.isOk());
  EXPECT_EQ(absent->state, StoredObject::State::kAbsent);
  auto present = s3.head("bucket", "k");
  ASSERT_TRUE(present.isOk());
  EXPECT_EQ(present->state, StoredObject::State::kPresent);
  EXPECT_EQ(present->checksum_sha256, "c2hh");
  EXPECT_FALSE(s3.head("bucket", "k").isOk());
}

}  // namespace
}  // namespace barrier
