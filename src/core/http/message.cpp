#include "core/http/message.h"

#include <algorithm>

namespace barrier {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != asciiLower(b[i])) return false;
  }
  return true;
}

namespace {
// Loops of its own rather than find_first_not_of / find_last_not_of, which
// call memchr over `chars` once per byte looked at: every cookie pair of
// every request is trimmed twice.
std::string_view trimAny(std::string_view text, std::string_view chars) {
  auto trimmed = [chars](char c) {
    for (char t : chars) {
      if (t == c) return true;
    }
    return false;
  };
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && trimmed(text[begin])) ++begin;
  while (end > begin && trimmed(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}
}  // namespace

std::string_view trimOws(std::string_view text) { return trimAny(text, " \t"); }
std::string_view trimWhitespace(std::string_view text) { return trimAny(text, " \t\r\n"); }

const std::string* Headers::find(std::string_view name) const {
  for (const auto& h : items_) {
    if (equalsIgnoreCase(h.name, name)) return &h.value;
  }
  return nullptr;
}

std::string Headers::get(std::string_view name) const {
  const std::string* v = find(name);
  return v ? *v : std::string();
}

std::vector<std::string> Headers::getAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& h : items_) {
    if (equalsIgnoreCase(h.name, name)) out.push_back(h.value);
  }
  return out;
}

void Headers::add(std::string name, std::string value) {
  items_.push_back({std::move(name), std::move(value)});
}

void Headers::set(std::string name, std::string value) {
  remove(name);
  add(std::move(name), std::move(value));
}

size_t Headers::remove(std::string_view name) {
  auto before = items_.size();
  std::erase_if(items_, [&](const Header& h) { return equalsIgnoreCase(h.name, name); });
  return before - items_.size();
}

size_t Headers::removePrefix(std::string_view prefix) {
  auto before = items_.size();
  std::erase_if(items_, [&](const Header& h) {
    return h.name.size() >= prefix.size() &&
           equalsIgnoreCase(std::string_view(h.name).substr(0, prefix.size()), prefix);
  });
  return before - items_.size();
}

std::string Request::target() const { return query.empty() ? path : path + "?" + query; }

const char* reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 421:
      return "Misdirected Request";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

}  // namespace barrier
