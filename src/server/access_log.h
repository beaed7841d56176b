// One JSON line per request (event "request"): method, path, status,
// outcome, duration, request id, client address, and the signed-in user's
// `sub` when server.log_user asks for it (personal data: off by default).
//
// What is deliberately absent: the query string (it carries ?code= and
// ?state= on the login callback), cookies, session ids, Authorization and
// every other header. The path alone cannot hold a secret of ours.
#pragma once

#include <string_view>

#include "core/ports/log.h"
#include "server/metrics.h"

namespace barrier {

struct AccessRecord {
  std::string_view method;
  std::string_view path;  // without the query string
  int status = 0;
  Outcome outcome = Outcome::kInternal;
  double duration_ms = 0;
  std::string_view request_id;
  std::string_view remote;
  // The session's `sub`; set only when server.log_user is on, and logged
  // only when not empty.
  std::string_view user;
};

// Paths longer than this are cut (a log line stays bounded).
constexpr size_t kMaxLoggedPathBytes = 512;

// Writes at LogLevel::kInfo (nothing when the log is quieter than info).
void writeAccessLog(Log& log, const AccessRecord& record);

}  // namespace barrier
