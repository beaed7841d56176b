#include "core/access/claims.h"

#include <algorithm>

namespace barrier {

namespace {

void addName(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

void addConditions(std::vector<std::string>& names, const std::vector<AccessCondition>& allow) {
  for (const auto& condition : allow) {
    for (const auto& claim : condition.claims) addName(names, claim.name);
  }
}

std::vector<std::string> splitScopes(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The claim's string values; false when it has a shape that never matches.
bool stringValues(const std::string& name, const nlohmann::json& value,
                  std::vector<std::string>& out) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    out = name == "scope" ? splitScopes(text) : std::vector<std::string>{text};
    return true;
  }
  if (!value.is_array()) return false;
  for (const auto& item : value) {
    if (!item.is_string()) return false;
    out.push_back(item.get<std::string>());
  }
  return true;
}

}  // namespace

std::vector<std::string> namedClaims(const Config& config) {
  std::vector<std::string> names;
  addConditions(names, config.allow);
  for (const auto& rule : config.rules) addConditions(names, rule.allow);
  for (const auto& header : config.headers) addName(names, header.claim);
  return names;
}

std::vector<RecordClaim> keepClaims(const nlohmann::json& payload,
                                    const std::vector<std::string>& names) {
  std::vector<RecordClaim> kept;
  if (!payload.is_object()) return kept;
  for (const auto& name : names) {
    auto it = payload.find(name);
    if (it == payload.end()) continue;
    RecordClaim claim{name, {}};
    if (stringValues(name, *it, claim.values)) kept.push_back(std::move(claim));
  }
  return kept;
}

}  // namespace barrier
