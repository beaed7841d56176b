// RecordingLog: the Log port for tests. It keeps every line it is given, so
// a test can check what reached the log (and what, like a session id or a
// query string, never did).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mutex.h"
#include "core/ports/log.h"

namespace barrier {

// Records every write, whatever its level; enabled() answers for levels at
// or above `min_level` (all by default). write() and last() may run on
// different threads (a listener thread writing while the test asks); read
// `lines` directly only once no other thread writes.
class RecordingLog : public Log {
 public:
  struct Line {
    LogLevel level;
    std::string event;
    LogFields fields;
  };

  explicit RecordingLog(LogLevel min_level = LogLevel::kDebug) : min_level_(min_level) {}
  bool enabled(LogLevel level) const override { return level >= min_level_; }
  void write(LogLevel level, std::string_view event, const LogFields& fields) override;

  // The value of `field` in the last line named `event` that has it;
  // nullopt when none has.
  std::optional<std::string> last(std::string_view event, std::string_view field) const;

  std::vector<Line> lines;  // in the order written

 private:
  LogLevel min_level_;
  mutable Mutex mu_;  // write() and last()
};

}  // namespace barrier
