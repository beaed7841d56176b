// Log: structured events. The core never formats secrets into a log: session
// ids, cookie values, codes and tokens are passed through mask() or left out.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace barrier {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// The levels' names, indexed by LogLevel: the one list that server.log_level,
// `barrier serve --log-level`, the deploy assembly's LogLevel and the edge
// handler (src/edge/handler.mjs, compared by handler_log_levels_test.cpp)
// accept.
inline constexpr std::string_view kLogLevelNames[] = {"debug", "info", "warn", "error"};

const char* logLevelName(LogLevel level);
// Parses one of kLogLevelNames; false when unknown.
bool parseLogLevel(std::string_view text, LogLevel& out);
// kLogLevelNames joined by ", ", for messages and help texts.
std::string logLevelList();

using LogFields = std::vector<std::pair<std::string, std::string>>;

class Log {
 public:
  virtual ~Log() = default;
  virtual bool enabled(LogLevel level) const = 0;
  // `event` is a short stable name ("store.error"); fields add detail.
  virtual void write(LogLevel level, std::string_view event, const LogFields& fields) = 0;
};

// Discards everything.
class NullLog : public Log {
 public:
  bool enabled(LogLevel) const override { return false; }
  void write(LogLevel, std::string_view, const LogFields&) override {}
};

// First 6 characters then "…", so two log lines can be correlated without
// the value ever being usable. Empty stays empty.
std::string mask(std::string_view secret);

}  // namespace barrier
