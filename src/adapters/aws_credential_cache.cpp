#include "adapters/aws_credential_cache.h"

#include <utility>

namespace barrier {

CachedCredentials::CachedCredentials(Source source, const CredentialChainOptions& options)
    : source_(std::move(source)),
      clock_(options.clock),
      refresh_before_seconds_(options.refresh_before_seconds),
      failure_cache_seconds_(options.failure_cache_seconds),
      refresh_retry_seconds_(options.refresh_retry_seconds) {}

Result<AwsCredentials> CachedCredentials::credentials() {
  MutexLock lock(mu_);
  for (;;) {
    int64_t now = clock_->now();
    if (cached_ &&
        (cached_->expires_at == 0 || cached_->expires_at - now > refresh_before_seconds_)) {
      return *cached_;
    }
    if (cached_ && cached_->expires_at > now) {
      // In the refresh window: still valid, so never wait. Someone else is
      // refreshing, or the last try failed not long ago: use what we have.
      bool backing_off = failed_at_ && now - *failed_at_ < refresh_retry_seconds_;
      if (refreshing_ || backing_off) return *cached_;
      return refresh();
    }
    if (failed_at_ && now - *failed_at_ < failure_cache_seconds_) return failure_;
    if (!refreshing_) return refresh();
    // Nothing valid to give: wait for the refresh in progress, then look again.
    cv_.wait(mu_);
  }
}

Result<AwsCredentials> CachedCredentials::refresh() {
  refreshing_ = true;
  Result<AwsCredentials> fresh = Status::internal("not resolved");
  {
    // Clears refreshing_ however the source ends, so that waiters are never
    // left waiting for a refresh that is over. Declared before `unlocked`,
    // it runs after mu_ is taken again (which the analysis cannot see).
    struct Done {
      CachedCredentials& cache;
      ~Done() NO_THREAD_SAFETY_ANALYSIS {
        cache.refreshing_ = false;
        cache.cv_.notify_all();
      }
    } done{*this};
    MutexUnlock unlocked(mu_);
    fresh = source_();
  }
  int64_t now = clock_->now();
  if (fresh) {
    cached_ = fresh.value();
    failed_at_.reset();
    return fresh;
  }
  failed_at_ = now;
  failure_ = fresh.status();
  // Keep serving credentials that are still valid when a refresh fails.
  if (cached_ && cached_->expires_at > now) return *cached_;
  cached_.reset();
  return fresh;
}

}  // namespace barrier
