// Whether a host name stays on this machine: the one test for "plain
// http:// is acceptable here" (site_url, provider and store endpoints, the
// credential sources) and for "this is a local emulator".
#pragma once

#include <string_view>

namespace barrier {

// True only for names that always mean loopback: 127.x.x.x written as four
// decimal octets, [::1], localhost and *.localhost (RFC 6761 §6.3), in any
// case. A prefix test ("127.", "localhost") would let http://127.evil.example
// or http://localhost.evil.example through.
bool isLoopbackHost(std::string_view host);

// The same for "host[:port]" (a URL's authority).
bool isLoopbackAuthority(std::string_view authority);

}  // namespace barrier
