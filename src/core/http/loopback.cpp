#include "core/http/loopback.h"

#include <string>

#include "core/http/message.h"

namespace barrier {

namespace {

// 127.0.0.0/8 as four decimal octets of 0-255. A leading zero is refused:
// some resolvers read "0127" as octal (87), which is not loopback.
bool isLoopbackIpv4(std::string_view host) {
  for (int i = 0; i < 4; ++i) {
    size_t dot = host.find('.');
    if ((i < 3) == (dot == std::string_view::npos)) return false;
    std::string_view octet = host.substr(0, dot);
    if (octet.empty() || octet.size() > 3 || (octet.size() > 1 && octet.front() == '0'))
      return false;
    int value = 0;
    for (char c : octet) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255 || (i == 0 && value != 127)) return false;
    host = dot == std::string_view::npos ? std::string_view() : host.substr(dot + 1);
  }
  return true;
}

}  // namespace

bool isLoopbackHost(std::string_view host) {
  std::string h(host);
  for (char& c : h) c = asciiLower(c);
  return h == "localhost" || h == "[::1]" || isLoopbackIpv4(h) ||
         (h.size() > 10 && h.ends_with(".localhost"));
}

bool isLoopbackAuthority(std::string_view authority) {
  size_t colon = authority.rfind(':');
  size_t bracket = authority.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    authority = authority.substr(0, colon);
  }
  return isLoopbackHost(authority);
}

}  // namespace barrier
