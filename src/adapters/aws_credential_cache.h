// The cache in front of the credential chain (aws_credentials.h,
// makeDefaultCredentialChain): static credentials are read once; expiring
// ones are refreshed `refresh_before_seconds` before expiry, the old ones
// kept while still valid if a refresh fails (tried again after
// `refresh_retry_seconds`); a failed lookup with nothing valid cached is
// remembered `failure_cache_seconds`.
//
// Thread-safe. mu_ guards the state; a refresh runs outside mu_
// (refreshing_ marks it) so that callers holding valid credentials never
// wait for STS, a credential_process or IMDS. Only when nothing valid is
// cached does a caller wait for the refresh in progress (cv_) or run one
// itself.
#pragma once

#include <condition_variable>
#include <functional>
#include <optional>

#include "adapters/aws_credentials.h"
#include "core/mutex.h"

namespace barrier {

class CachedCredentials : public CredentialsProvider {
 public:
  using Source = std::function<Result<AwsCredentials>()>;
  // Takes the clock and the three durations from `options`.
  CachedCredentials(Source source, const CredentialChainOptions& options);

  Result<AwsCredentials> credentials() override EXCLUDES(mu_);

 private:
  // Runs the source with mu_ released, then records the outcome: new
  // credentials, or the failure and its time (the back-off for the next
  // try). Answers the new credentials, else the cached ones while still
  // valid, else the failure.
  Result<AwsCredentials> refresh() REQUIRES(mu_);

  const Source source_;
  const std::shared_ptr<Clock> clock_;
  const int64_t refresh_before_seconds_;
  const int64_t failure_cache_seconds_;
  const int64_t refresh_retry_seconds_;

  Mutex mu_;
  std::condition_variable_any cv_;  // signalled when a refresh ends
  bool refreshing_ GUARDED_BY(mu_) = false;
  std::optional<AwsCredentials> cached_ GUARDED_BY(mu_);
  // The last failed refresh: when, and why.
  std::optional<int64_t> failed_at_ GUARDED_BY(mu_);
  Status failure_ GUARDED_BY(mu_);
};

}  // namespace barrier
