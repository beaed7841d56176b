#include "server/forward_headers.h"

#include <span>
#include <vector>

#include "core/http/message.h"

namespace barrier {

namespace {

constexpr std::string_view kHopByHop[] = {"connection", "keep-alive",        "te",
                                          "trailer",    "transfer-encoding", "upgrade"};

bool startsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && equalsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

// Calls `each` with every non-empty token of the comma-separated `list`
// until it returns true; true when one did.
template <class Each>
bool anyToken(std::string_view list, Each each) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view token = trimOws(list.substr(0, comma));
    if (!token.empty() && each(token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// The comma-separated tokens of every Connection header.
std::vector<std::string> connectionTokens(const Headers& headers) {
  std::vector<std::string> tokens;
  for (const Header& header : headers) {
    if (!equalsIgnoreCase(header.name, "Connection")) continue;
    anyToken(header.value, [&](std::string_view token) {
      tokens.emplace_back(token);
      return false;
    });
  }
  return tokens;
}

// The forwarding headers barrier sets itself, those it removes unless a
// trusted proxy sent them, and those naming another path than the one
// checked (always removed).
constexpr std::string_view kSetForwarding[] = {"X-Forwarded-For", "X-Forwarded-Proto",
                                               "X-Forwarded-Host"};
constexpr std::string_view kProxyForwarding[] = {
    "Forwarded",          "X-Real-IP",          "X-Forwarded-Port", "X-Forwarded-Prefix",
    "X-Forwarded-Server", "X-Forwarded-Scheme", "X-Scheme"};
constexpr std::string_view kPathOverrides[] = {"X-Original-URL", "X-Rewrite-URL", "X-Original-URI",
                                               "X-Forwarded-Uri"};

// True for a name spelled with '_' that reads as one of the headers above
// once each '_' is a '-': CGI, WSGI and Rack give X_Forwarded_For and
// X-Forwarded-For the same variable, so the client's would pass as ours.
bool isUnderscoredForwardingHeader(std::string_view name) {
  if (name.find('_') == std::string_view::npos) return false;
  std::string folded(name);
  for (char& c : folded) c = c == '_' ? '-' : c;
  for (const auto& list : {std::span<const std::string_view>(kSetForwarding),
                           std::span<const std::string_view>(kProxyForwarding),
                           std::span<const std::string_view>(kPathOverrides)}) {
    for (std::string_view known : list) {
      if (equalsIgnoreCase(folded, known)) return true;
    }
  }
  return false;
}

}  // namespace

bool isHopByHopHeader(std::string_view name) {
  for (std::string_view hop : kHopByHop) {
    if (equalsIgnoreCase(name, hop)) return true;
  }
  return startsWithIgnoreCase(name, "proxy-");
}

bool isSafeHeader(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token) return false;
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void removeHopByHopHeaders(Headers& headers) {
  // Names listed in Connection are read before Connection itself goes.
  for (const std::string& token : connectionTokens(headers)) headers.remove(token);
  for (std::string_view hop : kHopByHop) headers.remove(hop);
  headers.removePrefix("proxy-");
}

bool listsToken(std::string_view list, std::string_view token) {
  return anyToken(list, [&](std::string_view listed) { return equalsIgnoreCase(listed, token); });
}

bool hasConnectionToken(const Headers& headers, std::string_view token) {
  for (const Header& header : headers) {
    if (equalsIgnoreCase(header.name, "Connection") && listsToken(header.value, token)) return true;
  }
  return false;
}

void removeSessionCookies(Headers& headers, std::string_view cookie_name) {
  std::string flow_prefix = std::string(cookie_name) + "-login-";
  std::vector<std::string> kept_headers;
  for (const std::string& value : headers.getAll("Cookie")) {
    std::string kept;
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t semicolon = rest.find(';');
      std::string_view pair = trimOws(rest.substr(0, semicolon));
      rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
      std::string_view name = trimOws(pair.substr(0, pair.find('=')));
      bool ours = name == cookie_name || (name.size() > flow_prefix.size() &&
                                          name.substr(0, flow_prefix.size()) == flow_prefix);
      if (pair.empty() || ours) continue;
      if (!kept.empty()) kept += "; ";
      kept.append(pair);
    }
    if (!kept.empty()) kept_headers.push_back(std::move(kept));
  }
  headers.remove("Cookie");
  for (std::string& value : kept_headers) headers.add("Cookie", std::move(value));
}

std::string effectiveProto(const Headers& headers, bool trust_forwarded_proto) {
  if (trust_forwarded_proto) {
    // A proxy chain may send "https, http": the first entry is the visitor's.
    // Keep the owning string alive: get() returns by value.
    const std::string raw = headers.get("X-Forwarded-Proto");
    std::string_view value = trimOws(std::string_view(raw).substr(0, raw.find(',')));
    if (equalsIgnoreCase(value, "https")) return "https";
    if (equalsIgnoreCase(value, "http")) return "http";
  }
  return "http";
}

void setForwardedHeaders(Headers& headers, const ForwardedFrom& from) {
  // No proxy sends these spellings (nginx drops names with '_' by default).
  headers.removeIf(isUnderscoredForwardingHeader);
  std::string proto = effectiveProto(headers, from.trust_proxy);
  std::string chain;
  if (from.trust_proxy) {
    for (const std::string& value : headers.getAll("X-Forwarded-For")) {
      if (trimOws(value).empty()) continue;
      if (!chain.empty()) chain += ", ";
      chain += trimOws(value);
    }
  } else {
    for (std::string_view name : kProxyForwarding) headers.remove(name);
  }
  for (std::string_view name : kPathOverrides) headers.remove(name);
  if (!from.remote_addr.empty()) {
    if (!chain.empty()) chain += ", ";
    chain += from.remote_addr;
  }
  if (chain.empty()) {
    headers.remove("X-Forwarded-For");
  } else {
    headers.set("X-Forwarded-For", chain);
  }
  headers.set("X-Forwarded-Proto", proto);
  if (from.host.empty()) {
    headers.remove("X-Forwarded-Host");
  } else {
    headers.set("X-Forwarded-Host", from.host);
  }
}

}  // namespace barrier
