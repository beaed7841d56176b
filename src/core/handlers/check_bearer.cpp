// Checker::decideBearer: a request with `Authorization: Bearer` and no
// session cookie (api.bearer). Its answers are an API's: 401 with
// WWW-Authenticate (RFC 6750 §3), never a redirect to sign-in.
#include "core/handlers/check.h"
#include "core/handlers/json_response.h"

namespace barrier {

namespace {

Response bearerRefusal(int status, std::string_view error) {
  Response r = jsonError(status, error);
  r.headers.add("WWW-Authenticate", "Bearer error=\"" + std::string(error) + "\"");
  return r;
}

}  // namespace

void Checker::decideBearer(CheckStep& step, std::string_view token) const {
  Result<SessionRecord> record = bearer_->verify(token);
  if (!record.isOk()) {
    Code code = record.status().code();
    if (code == Code::kUnavailable || code == Code::kTimeout) {
      log_.write(LogLevel::kWarn, "check.bearer_unavailable",
                 {{"status", record.status().toString()}});
      CheckDecision& d = decide(step, CheckOutcome::kStoreError, /*forward=*/false);
      d.response = bearerRefusal(503, "temporarily_unavailable");
      d.response.headers.add("Retry-After", std::to_string(retry_after_));
      return;
    }
    // Why, for the operator; the token itself never reaches the log.
    if (log_.enabled(LogLevel::kInfo)) {
      log_.write(LogLevel::kInfo, "check.bearer_refused", {{"reason", record.status().message()}});
    }
    CheckDecision& d = decide(step, CheckOutcome::kBadToken, /*forward=*/false);
    d.response = bearerRefusal(401, "invalid_token");
    return;
  }
  // Rules apply to the token's claims as to a session's (the record is
  // never cached); the Authorization header goes to the origin unchanged.
  accept(step, CachedSession::make(record.value()));
  if (step.decision().outcome == CheckOutcome::kForbidden) {
    step.decision_->response = bearerRefusal(403, "insufficient_scope");
  }
}

}  // namespace barrier
