#include "server/access_log.h"

#include <cstdio>
#include <string>

namespace barrier {

void writeAccessLog(Log& log, const AccessRecord& record) {
  if (!log.enabled(LogLevel::kInfo)) return;
  std::string_view path = record.path.substr(0, kMaxLoggedPathBytes);
  // A path is logged up to its first '?' even if a caller passed a target.
  path = path.substr(0, path.find('?'));
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3f", record.duration_ms);
  LogFields fields{{"method", std::string(record.method)},
                   {"path", std::string(path)},
                   {"status", std::to_string(record.status)},
                   {"outcome", outcomeName(record.outcome)},
                   {"duration_ms", duration},
                   {"request_id", std::string(record.request_id)},
                   {"remote", std::string(record.remote)}};
  if (!record.user.empty()) fields.emplace_back("user", std::string(record.user));
  log.write(LogLevel::kInfo, "request", fields);
}

}  // namespace barrier
