// An AwsClient for unit tests: every call goes to `http` (a FakeHttpClient
// holding recorded answers or playing a service), signed with fixed
// credentials at a fixed time, with no retry sleeping.
#pragma once

#include <memory>
#include <string>

#include "adapters/aws_client.h"
#include "adapters/aws_credentials.h"
#include "tests/support/fixed_clock.h"
#include "tests/support/seeded_random.h"

namespace barrier {

inline AwsClient fakeAwsClient(std::shared_ptr<HttpClient> http,
                               const std::string& region = "eu-west-1") {
  AwsClientOptions options;
  options.region = region;
  options.env = mapEnvironment({});
  options.sleep = [](int) {};
  AwsClientDeps deps;
  deps.http = std::move(http);
  deps.clock = std::make_shared<FixedClock>(1700000000);
  deps.random = std::make_shared<SeededRandom>(7);
  deps.credentials = std::shared_ptr<CredentialsProvider>(
      makeStaticCredentials({"AKID", "SECRET", "TOKEN", 0, "test"}));
  return AwsClient(options, deps);
}

}  // namespace barrier
