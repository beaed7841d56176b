#include "tests/support/recording_log.h"

namespace barrier {

void RecordingLog::write(LogLevel level, std::string_view event, const LogFields& fields) {
  MutexLock lock(mu_);
  lines.push_back({level, std::string(event), fields});
}

std::optional<std::string> RecordingLog::last(std::string_view event,
                                              std::string_view field) const {
  MutexLock lock(mu_);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (it->event != event) continue;
    for (const auto& [name, value] : it->fields) {
      if (name == field) return value;
    }
  }
  return std::nullopt;
}

}  // namespace barrier
