#include "core/session/record.h"

namespace barrier {

const char* recordKindName(RecordKind kind) {
  return kind == RecordKind::kSession ? "session" : "login";
}

bool parseRecordKind(std::string_view text, RecordKind& out) {
  if (text == "session") {
    out = RecordKind::kSession;
    return true;
  }
  if (text == "login") {
    out = RecordKind::kLogin;
    return true;
  }
  return false;
}

}  // namespace barrier
