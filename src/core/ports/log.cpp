#include "core/ports/log.h"

#include <iterator>

namespace barrier {

const char* logLevelName(LogLevel level) {
  auto index = static_cast<size_t>(level);
  return index < std::size(kLogLevelNames) ? kLogLevelNames[index].data() : "info";
}

bool parseLogLevel(std::string_view text, LogLevel& out) {
  for (size_t i = 0; i < std::size(kLogLevelNames); ++i) {
    if (text == kLogLevelNames[i]) {
      out = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

std::string logLevelList() {
  std::string out;
  for (std::string_view name : kLogLevelNames) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::string mask(std::string_view secret) {
  if (secret.empty()) return {};
  return std::string(secret.substr(0, secret.size() < 6 ? secret.size() / 2 : 6)) + "...";
}

}  // namespace barrier
