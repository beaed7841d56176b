// Small non-throwing accessors over nlohmann::json for untrusted documents.
//
// The core builds with -fno-exceptions, where a throwing nlohmann call
// aborts the process. Every read of provider JSON goes through these, which
// check types first, and every parse uses parse(text, nullptr, false).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace barrier::json {

// The parsed object, or nullopt when `text` is not JSON or not an object.
std::optional<nlohmann::json> parseObject(std::string_view text);
// obj[name] when obj is an object and the member is a string.
const std::string* string(const nlohmann::json& obj, std::string_view name);
// obj[name] as an integer (a whole JSON number, integral or not).
std::optional<int64_t> integer(const nlohmann::json& obj, std::string_view name);
// obj[name] as a list of strings: an array of strings (others skipped) or a
// single string (one element). Absent: empty.
std::vector<std::string> strings(const nlohmann::json& obj, std::string_view name);
// Serialises without throwing: invalid UTF-8 is replaced, never fatal.
std::string dump(const nlohmann::json& value);

}  // namespace barrier::json
