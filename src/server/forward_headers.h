// Header rewriting for the reverse proxy (RFC 9110 §7.6.1, RFC 7239 de-facto
// X-Forwarded-* headers). Pure functions over Headers: no I/O, unit-tested.
#pragma once

#include <string>
#include <string_view>

#include "core/http/message.h"

namespace barrier {

// True for the fixed hop-by-hop names: Connection, Keep-Alive, TE, Trailer,
// Transfer-Encoding, Upgrade, Proxy-* (Proxy-Authorization, Proxy-Connection...).
bool isHopByHopHeader(std::string_view name);

// Removes every hop-by-hop header, including the ones a Connection header
// names ("Connection: close, X-Secret" also removes X-Secret). Called on the
// request towards the upstream and on the upstream's response: these headers
// describe one connection, and forwarding them lets a client steer ours.
void removeHopByHopHeaders(Headers& headers);

// True when a Connection header lists `token` (any case): "keep-alive, Upgrade".
bool hasConnectionToken(const Headers& headers, std::string_view token);
// True when the comma-separated `list` (one Connection header's value) has
// `token` (any case).
bool listsToken(std::string_view list, std::string_view token);

// True when `name` is an RFC 9110 token and `value` has no CR, LF or NUL.
// Headers failing this are dropped before serialisation: a value taken from
// a session record or an upstream must never split into a second header.
bool isSafeHeader(std::string_view name, std::string_view value);

// Removes barrier's own cookies (`<cookie_name>` and the per-flow
// `<cookie_name>-login-*`) from every Cookie header, keeping the other pairs
// byte for byte; a header left empty is dropped. The session cookie is a
// bearer secret: the origin gets X-Barrier-Session-Id (the store key)
// instead, which cannot be replayed as a cookie.
void removeSessionCookies(Headers& headers, std::string_view cookie_name);

// What the proxy knows about the client's connection.
struct ForwardedFrom {
  std::string remote_addr;  // peer IP of the client connection
  std::string host;         // the site's public host (site_url), never the request's Host
  // A TLS-terminating proxy we trust sits in front (server.
  // trust_forwarded_proto): its X-Forwarded-Proto and the other forwarding
  // headers it sends are passed on. Otherwise they come from the visitor.
  bool trust_proxy = false;
};

// The scheme the visitor used: the client's X-Forwarded-Proto when trusted
// and well-formed ("http" or "https"), else "http" (barrier itself listens
// on plain HTTP).
std::string effectiveProto(const Headers& headers, bool trust_forwarded_proto);

// On a request bound for an upstream: X-Forwarded-Proto, X-Forwarded-Host
// (the site's host) and X-Forwarded-For, which gets the peer appended to a
// trusted proxy's list, or is the peer alone. Without a trusted proxy the
// other forwarding headers an application may believe (Forwarded,
// X-Real-IP, X-Forwarded-Port, -Prefix, -Server, -Scheme, X-Scheme) are the
// visitor's own and are removed; X-Original-URL, X-Rewrite-URL,
// X-Original-URI and X-Forwarded-Uri, which name a path other than the one
// checked, are removed always.
void setForwardedHeaders(Headers& headers, const ForwardedFrom& from);

}  // namespace barrier
