#include "core/http/query.h"

#include "core/http/percent.h"

namespace barrier {

namespace {

// Decodes one `name=value` segment; false when either half has a malformed
// escape (the pair is then dropped, never half-decoded).
bool decodePair(std::string_view segment, std::string& name, std::string& value) {
  size_t eq = segment.find('=');
  std::string_view raw_name = segment.substr(0, eq);
  std::string_view raw_value =
      eq == std::string_view::npos ? std::string_view() : segment.substr(eq + 1);
  return percentDecode(raw_name, name, true) && percentDecode(raw_value, value, true);
}

}  // namespace

QueryParams parseQuery(std::string_view query) {
  QueryParams params;
  // A leading '?' is tolerated: callers sometimes pass the raw target tail.
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  while (!query.empty() && params.size() < kMaxQueryParams) {
    size_t amp = query.find('&');
    std::string_view segment = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (segment.empty()) continue;
    std::string name;
    std::string value;
    if (decodePair(segment, name, value)) params.emplace_back(std::move(name), std::move(value));
  }
  return params;
}

std::optional<std::string> queryParam(const QueryParams& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return std::nullopt;
}

size_t queryCount(const QueryParams& params, std::string_view name) {
  size_t count = 0;
  for (const auto& param : params) {
    if (param.first == name) ++count;
  }
  return count;
}

std::string encodeQuery(const QueryParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += percentEncode(name);
    out += '=';
    out += percentEncode(value);
  }
  return out;
}

}  // namespace barrier
