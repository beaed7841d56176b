// HTTP request and response values shared by every shape (gateway, Lambda,
// Lambda@Edge). Plain data; parsing of individual headers lives beside it
// (cookie.h, query.h, ...).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace barrier {

// ASCII case-insensitive equality for header names.
bool equalsIgnoreCase(std::string_view a, std::string_view b);
// 'A'-'Z' to 'a'-'z'; every other byte unchanged (no locale).
inline char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
// Strips HTTP optional whitespace (SP, HTAB; RFC 9110 §5.6.3) from both ends.
std::string_view trimOws(std::string_view text);
// Strips SP, HTAB, CR and LF from both ends (header lines, files, env values).
std::string_view trimWhitespace(std::string_view text);

struct Header {
  std::string name;
  std::string value;
};

// An ordered multimap of headers with case-insensitive names. Order and
// repetition are kept: several Cookie or Set-Cookie headers are normal.
class Headers {
 public:
  Headers() = default;
  Headers(std::initializer_list<Header> list) : items_(list) {}

  // First value of `name`, or nullptr.
  const std::string* find(std::string_view name) const;
  // First value of `name`, or "".
  std::string get(std::string_view name) const;
  std::vector<std::string> getAll(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }

  void add(std::string name, std::string value);
  void reserve(size_t count) { items_.reserve(count); }
  // Replaces every `name` header with one.
  void set(std::string name, std::string value);
  // Removes every `name` header; returns how many were removed.
  size_t remove(std::string_view name);
  // Removes every header whose name starts with `prefix` (case-insensitive).
  size_t removePrefix(std::string_view prefix);
  // Removes every header whose name `matches` accepts; returns how many.
  template <class Predicate>
  size_t removeIf(Predicate matches) {
    return std::erase_if(items_, [&](const Header& h) { return matches(h.name); });
  }

  const std::vector<Header>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<Header> items_;
};

struct Request {
  std::string method = "GET";
  std::string path = "/";  // as received: percent-encoded, never decoded in place
  std::string query;       // raw, without the '?'
  Headers headers;
  std::string body;
  std::string remote_addr;  // peer or viewer IP, for logs and X-Forwarded-For

  // path + ("?" + query when query is not empty)
  std::string target() const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
};

// "Found", "Not Found", ... ("" when unknown).
const char* reasonPhrase(int status);

}  // namespace barrier
