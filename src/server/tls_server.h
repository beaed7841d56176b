// Internal to src/server: terminating TLS (server.tls; docs/ARCHITECTURE.md,
// "TLS"). The certificate pair new connections get (re-read on reload and
// SIGHUP), the handshake a connection goes through before its first
// request, and the answer of the server.redirect_http listener.
#pragma once

#include <memory>

#include "core/http/message.h"
#include "core/mutex.h"
#include "core/status.h"
#include "server/exchange.h"
#include "server/server.h"
#include "server/tls_stream.h"

namespace barrier::server_detail {

// The TLS context of the HTTPS listener. Each connection takes the current
// one when it is accepted and keeps it to its end, so a new pair serves
// new connections while open ones keep theirs. Thread-safe.
class ServerCertificates {
 public:
  // Reads options.tls_cert/tls_key (none: plain HTTP from now on). On
  // failure (unreadable, malformed, a key others may read, a key that does
  // not match) the current pair stays and the error, naming the file and
  // the fix, is returned.
  Status load(const ServerOptions& options);
  // The context for a connection accepted now; null when TLS is off.
  std::shared_ptr<ssl::context> current() const;

 private:
  mutable Mutex mu_;
  std::shared_ptr<ssl::context> current_ GUARDED_BY(mu_);
};

// Runs the TLS handshake on `stream`, within options.tls_handshake_timeout_ms
// of its own. False when it failed: counted in the metrics by reason
// (TlsFailure), logged at debug level, and the connection is to be closed.
// Plain HTTP sent to the port is answered 400 (in plain HTTP: the client
// could not read anything else) saying to use https://. Nothing of this is
// a request (no access log line, no barrier_requests_total).
net::awaitable<bool> acceptTls(ServerContext& server, ClientStream& stream,
                               const ServerOptions& options);

// The answer of the server.redirect_http listener to any request: 308 to
// the same path and query on the https:// site_url.
net::awaitable<bool> redirectToHttps(Exchange& ex, const Request& request);

}  // namespace barrier::server_detail
