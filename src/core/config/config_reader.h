// Small typed readers over a JSON object, used by parseConfigJson.
//
// Each reader takes the object, a key and the dotted path of the object
// ("server.origins[1]"), checks the value's type and range, and records the
// first error as "<path>.<key> must ..., got ...". A missing or null key
// leaves the default untouched. Secret fields never echo their value.
// Nothing here throws: only non-throwing nlohmann calls are used, after type
// checks (src/core is built with -fno-exceptions).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace barrier {

// "300", "300s", "5m", "8h", "1d", "1h30m" -> seconds. false on anything
// else, on a negative value or on overflow.
bool parseDuration(std::string_view text, int64_t& seconds);

// The closest of `candidates` to `word` (edit distance, ignoring case, '_'
// and '-'), or "" when none is close enough to be a likely typo.
std::string closestMatch(std::string_view word, const std::vector<std::string>& candidates);

class ConfigReader {
 public:
  bool ok() const { return status_.isOk(); }
  const Status& status() const { return status_; }
  // Records `message` (prefixed by the field path) unless an error is already held.
  void fail(std::string_view field, std::string_view message);

  // Refuses keys of `object` not in `known`, suggesting the closest one.
  void checkKeys(const nlohmann::json& object, std::string_view path,
                 std::initializer_list<const char*> known);
  // A nested object; nullptr (and an error unless absent/null) otherwise.
  const nlohmann::json* object(const nlohmann::json& parent, std::string_view path,
                               const char* key);
  // An array; nullptr (and an error unless absent/null) otherwise.
  const nlohmann::json* array(const nlohmann::json& parent, std::string_view path, const char* key);

  void string(const nlohmann::json& obj, std::string_view path, const char* key, std::string& out,
              bool secret = false);
  void boolean(const nlohmann::json& obj, std::string_view path, const char* key, bool& out);
  void integer(const nlohmann::json& obj, std::string_view path, const char* key, int64_t& out,
               int64_t min, int64_t max, std::string_view unit = "");
  void integer(const nlohmann::json& obj, std::string_view path, const char* key, int& out,
               int64_t min, int64_t max, std::string_view unit = "");
  void duration(const nlohmann::json& obj, std::string_view path, const char* key, int64_t& out,
                int64_t min, int64_t max);
  void stringList(const nlohmann::json& obj, std::string_view path, const char* key,
                  std::vector<std::string>& out, bool secret = false);
  // One of `choices`; stores its index.
  void choice(const nlohmann::json& obj, std::string_view path, const char* key, int& index,
              std::initializer_list<const char*> choices);

  static std::string join(std::string_view path, std::string_view key);
  static std::string join(std::string_view path, size_t index);

 private:
  // The value under `key` when present and not null, else nullptr.
  static const nlohmann::json* find(const nlohmann::json& obj, const char* key);
  // A string value, or an integer written without quotes in YAML.
  static bool asString(const nlohmann::json& value, std::string& out);

  Status status_;
};

// A short description of a JSON value for messages: "\"abc\"", "5", "true",
// "a list", "an object" (long strings are cut).
std::string describe(const nlohmann::json& value);

}  // namespace barrier
