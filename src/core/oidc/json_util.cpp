#include "core/oidc/json_util.h"

#include <cmath>

namespace barrier::json {

std::optional<nlohmann::json> parseObject(std::string_view text) {
  nlohmann::json value = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

namespace {
const nlohmann::json* member(const nlohmann::json& obj, std::string_view name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}
}  // namespace

const std::string* string(const nlohmann::json& obj, std::string_view name) {
  const nlohmann::json* m = member(obj, name);
  if (m == nullptr || !m->is_string()) return nullptr;
  return m->get_ptr<const std::string*>();
}

std::optional<int64_t> integer(const nlohmann::json& obj, std::string_view name) {
  const nlohmann::json* m = member(obj, name);
  if (m == nullptr) return std::nullopt;
  if (m->is_number_integer()) return m->get<int64_t>();
  if (m->is_number_unsigned()) {
    uint64_t u = m->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (m->is_number_float()) {
    // JWT NumericDate may carry a fraction; out-of-range values are refused.
    double d = m->get<double>();
    if (!std::isfinite(d) || d > 9.0e15 || d < -9.0e15) return std::nullopt;
    return static_cast<int64_t>(std::floor(d));
  }
  return std::nullopt;
}

std::vector<std::string> strings(const nlohmann::json& obj, std::string_view name) {
  std::vector<std::string> out;
  const nlohmann::json* m = member(obj, name);
  if (m == nullptr) return out;
  if (m->is_string()) {
    out.push_back(m->get<std::string>());
  } else if (m->is_array()) {
    for (const auto& item : *m) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace barrier::json
