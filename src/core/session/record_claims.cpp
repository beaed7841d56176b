#include "core/session/record_claims.h"

#include <nlohmann/json.hpp>

namespace barrier {

std::string encodeRecordClaims(const std::vector<RecordClaim>& claims) {
  if (claims.empty()) return {};
  nlohmann::json object = nlohmann::json::object();
  for (const auto& claim : claims) object[claim.name] = claim.values;
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool decodeRecordClaims(std::string_view text, std::vector<RecordClaim>& out) {
  if (text.empty()) {
    out.clear();
    return true;
  }
  auto object = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (!object.is_object()) return false;
  std::vector<RecordClaim> claims;
  for (const auto& item : object.items()) {
    if (!item.value().is_array()) return false;
    RecordClaim claim{item.key(), {}};
    for (const auto& value : item.value()) {
      if (!value.is_string()) return false;
      claim.values.push_back(value.get<std::string>());
    }
    claims.push_back(std::move(claim));
  }
  out = std::move(claims);
  return true;
}

}  // namespace barrier
