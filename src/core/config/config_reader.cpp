#include "core/config/config_reader.h"

#include <algorithm>
#include <limits>

namespace barrier {

namespace {

using Json = nlohmann::json;

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();

bool unitSeconds(char unit, int64_t& seconds) {
  switch (unit) {
    case 's':
      seconds = 1;
      return true;
    case 'm':
      seconds = 60;
      return true;
    case 'h':
      seconds = 3600;
      return true;
    case 'd':
      seconds = 86400;
      return true;
    default:
      return false;
  }
}

std::string normalised(std::string_view word) {
  std::string out;
  for (char c : word) {
    if (c == '_' || c == '-') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  return out;
}

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string rangeText(int64_t min, int64_t max, std::string_view unit) {
  std::string suffix = unit.empty() ? "" : " " + std::string(unit);
  if (max == kMaxInt) return "at least " + std::to_string(min) + suffix;
  return "between " + std::to_string(min) + " and " + std::to_string(max) + suffix;
}

// "must be at least 60 s, got 5" / "must be at most 3600 s, got 7200".
std::string outOfRange(int64_t n, int64_t min, int64_t max, std::string_view unit) {
  std::string suffix = unit.empty() ? "" : " " + std::string(unit);
  std::string bound =
      n < min ? "at least " + std::to_string(min) : "at most " + std::to_string(max);
  return "must be " + bound + suffix + ", got " + std::to_string(n);
}

}  // namespace

bool parseDuration(std::string_view text, int64_t& seconds) {
  if (text.empty()) return false;
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    int64_t number = 0;
    size_t digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
      if (number > (kMaxInt - 9) / 10) return false;
      number = number * 10 + (text[i] - '0');
    }
    if (digits == 0) return false;
    int64_t unit = 1;
    if (i < text.size()) {
      if (!unitSeconds(text[i], unit)) return false;
      ++i;
    } else if (total != 0 || i != digits) {
      return false;  // "1h30" is ambiguous: only a lone number may omit the unit
    }
    if (number > (kMaxInt - total) / unit) return false;
    total += number * unit;
  }
  seconds = total;
  return true;
}

std::string closestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::string target = normalised(word);
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const auto& candidate : candidates) {
    size_t d = editDistance(target, normalised(candidate));
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  // Up to one edit in three characters reads as a typo; more is another word.
  size_t allowed = std::max<size_t>(1, target.size() / 3);
  return best_distance <= allowed ? best : std::string();
}

std::string describe(const Json& value) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    std::string shown = s.size() > 60 ? s.substr(0, 57) + "..." : s;
    return "\"" + shown + "\"";
  }
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_unsigned()) return std::to_string(value.get<uint64_t>());
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number_float()) return std::to_string(value.get<double>());
  if (value.is_array()) return "a list";
  if (value.is_object()) return "an object";
  return "null";
}

std::string ConfigReader::join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

std::string ConfigReader::join(std::string_view path, size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

void ConfigReader::fail(std::string_view field, std::string_view message) {
  if (!status_.isOk()) return;
  status_ = Status::invalid(std::string(field) + " " + std::string(message));
}

const Json* ConfigReader::find(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

bool ConfigReader::asString(const Json& value, std::string& out) {
  if (value.is_string()) {
    out = value.get_ref<const std::string&>();
    return true;
  }
  // YAML turns `client_id: 12345` into a number; the digits are exact.
  if (value.is_number_unsigned()) {
    out = std::to_string(value.get<uint64_t>());
    return true;
  }
  if (value.is_number_integer()) {
    out = std::to_string(value.get<int64_t>());
    return true;
  }
  return false;
}

void ConfigReader::checkKeys(const Json& object, std::string_view path,
                             std::initializer_list<const char*> known) {
  if (!object.is_object()) return;
  std::vector<std::string> names(known.begin(), known.end());
  for (const auto& item : object.items()) {
    if (std::find(names.begin(), names.end(), item.key()) != names.end()) continue;
    std::string suggestion = closestMatch(item.key(), names);
    std::string message = "is not a known field";
    if (!suggestion.empty())
      message += "; did you mean " + join(path, suggestion) + "?";
    else
      message += " (known: " + [&] {
        std::string all;
        for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
        return all;
      }() + ")";
    fail(join(path, item.key()), message);
    return;
  }
}

const Json* ConfigReader::object(const Json& parent, std::string_view path, const char* key) {
  const Json* value = find(parent, key);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) {
    fail(join(path, key), "must be a mapping of fields, got " + describe(*value));
    return nullptr;
  }
  return value;
}

const Json* ConfigReader::array(const Json& parent, std::string_view path, const char* key) {
  const Json* value = find(parent, key);
  if (value == nullptr) return nullptr;
  if (!value->is_array()) {
    fail(join(path, key), "must be a list, got " + describe(*value));
    return nullptr;
  }
  return value;
}

void ConfigReader::string(const Json& obj, std::string_view path, const char* key, std::string& out,
                          bool secret) {
  const Json* value = find(obj, key);
  if (value == nullptr) return;
  if (!asString(*value, out)) {
    fail(join(path, key), "must be a string, got " +
                              (secret ? "a " + std::string(value->type_name()) : describe(*value)));
  }
}

void ConfigReader::boolean(const Json& obj, std::string_view path, const char* key, bool& out) {
  const Json* value = find(obj, key);
  if (value == nullptr) return;
  if (!value->is_boolean()) {
    fail(join(path, key), "must be true or false, got " + describe(*value));
    return;
  }
  out = value->get<bool>();
}

void ConfigReader::integer(const Json& obj, std::string_view path, const char* key, int64_t& out,
                           int64_t min, int64_t max, std::string_view unit) {
  const Json* value = find(obj, key);
  if (value == nullptr) return;
  std::string field = join(path, key);
  bool too_big = value->is_number_unsigned() && value->get<uint64_t>() > uint64_t(kMaxInt);
  if (!value->is_number_integer() || too_big) {
    fail(field,
         "must be a whole number " + rangeText(min, max, unit) + ", got " + describe(*value));
    return;
  }
  int64_t n = value->get<int64_t>();
  if (n < min || n > max) {
    fail(field, outOfRange(n, min, max, unit));
    return;
  }
  out = n;
}

void ConfigReader::integer(const Json& obj, std::string_view path, const char* key, int& out,
                           int64_t min, int64_t max, std::string_view unit) {
  int64_t wide = out;
  integer(obj, path, key, wide, min, max, unit);
  out = static_cast<int>(wide);
}

void ConfigReader::duration(const Json& obj, std::string_view path, const char* key, int64_t& out,
                            int64_t min, int64_t max) {
  const Json* value = find(obj, key);
  if (value == nullptr) return;
  std::string field = join(path, key);
  int64_t seconds = 0;
  bool parsed = false;
  if (value->is_number_integer() && !value->is_number_unsigned()) {
    seconds = value->get<int64_t>();
    parsed = seconds >= 0;
  } else if (value->is_number_unsigned()) {
    parsed = value->get<uint64_t>() <= uint64_t(kMaxInt);
    if (parsed) seconds = value->get<int64_t>();
  } else if (value->is_string()) {
    parsed = parseDuration(value->get_ref<const std::string&>(), seconds);
  }
  if (!parsed) {
    fail(field,
         "must be a duration: whole seconds or a string like \"300s\", \"5m\", \"8h\", "
         "\"1d\", got " +
             describe(*value));
    return;
  }
  if (seconds < min || seconds > max) {
    fail(field, outOfRange(seconds, min, max, "s"));
    return;
  }
  out = seconds;
}

void ConfigReader::stringList(const Json& obj, std::string_view path, const char* key,
                              std::vector<std::string>& out, bool secret) {
  const Json* value = find(obj, key);
  if (value == nullptr) return;
  std::string field = join(path, key);
  // A single string is taken as a one-item list: `scopes: openid` is a common slip.
  std::string single;
  if (!secret && asString(*value, single) && value->is_string()) {
    out = {single};
    return;
  }
  if (!value->is_array()) {
    fail(field, "must be a list of strings, got " +
                    (secret ? std::string(value->type_name()) : describe(*value)));
    return;
  }
  std::vector<std::string> items;
  for (size_t i = 0; i < value->size(); ++i) {
    std::string item;
    if (!asString((*value)[i], item)) {
      fail(join(field, i), "must be a string, got " + (secret ? std::string((*value)[i].type_name())
                                                              : describe((*value)[i])));
      return;
    }
    items.push_back(std::move(item));
  }
  out = std::move(items);
}

void ConfigReader::choice(const Json& obj, std::string_view path, const char* key, int& index,
                          std::initializer_list<const char*> choices) {
  std::string text;
  const Json* value = find(obj, key);
  if (value == nullptr) return;
  std::string field = join(path, key);
  std::vector<std::string> names(choices.begin(), choices.end());
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
  if (!value->is_string()) {
    fail(field, "must be one of " + all + ", got " + describe(*value));
    return;
  }
  text = value->get_ref<const std::string&>();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) {
      index = static_cast<int>(i);
      return;
    }
  }
  std::string suggestion = closestMatch(text, names);
  fail(field, "must be one of " + all + ", got " + describe(*value) +
                  (suggestion.empty() ? "" : "; did you mean " + suggestion + "?"));
}

}  // namespace barrier
