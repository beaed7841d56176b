// OpenSSL contexts for barrier's TLS connections, built once per
// configuration (and again on SIGHUP for the server's certificate):
//
// - a server context (`barrier serve` terminating HTTPS): certificate chain
//   and key from PEM files, the key file private to barrier's user, TLS 1.2
//   (Mozilla "intermediate" ciphers) or 1.3 at least, ALPN http/1.1;
// - a client context (HTTPS upstreams; usable by any client: Redis too):
//   the system trust store or a CA file, TLS 1.2 at least, optionally a
//   client certificate; and, per connection, SNI plus the host name (or IP
//   address) check, and the reason a verification failed.
//
// Plain OpenSSL, no Asio: the server wraps a context in asio::ssl::context
// (which takes ownership). A context is immutable once built and OpenSSL
// lets many threads create connections from it at once.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace barrier {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslContextPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

enum class TlsMinVersion { kTls12, kTls13 };

struct TlsServerFiles {
  std::string cert_file;  // PEM: the certificate, then its chain
  std::string key_file;   // PEM private key; must not be readable by others
  TlsMinVersion min_version = TlsMinVersion::kTls12;
  std::string field = "server.tls";  // configuration field, for messages
};

// The server context, or an error naming the field and file: unreadable or
// malformed PEM, a key file others may read, a key that does not match the
// certificate.
Result<SslContextPtr> makeTlsServerContext(const TlsServerFiles& files);

struct TlsClientSettings {
  std::string ca_file;  // PEM bundle; "" = the system trust store
  // Optional client certificate and key (both or neither).
  std::string cert_file;
  std::string key_file;
  TlsMinVersion min_version = TlsMinVersion::kTls12;
  std::string field;  // configuration field, for messages ("server.origins[0].ca_file")
};

// A client context that verifies the peer's chain (never optional).
Result<SslContextPtr> makeTlsClientContext(const TlsClientSettings& settings);

// For one client connection: sends `host` as SNI (unless it is an IP
// literal) and makes the handshake fail unless the certificate names
// `host` (DNS name, or IP address for a literal).
Status expectPeerName(SSL* ssl, const std::string& host);

// After a failed handshake: why the peer's certificate was refused
// ("certificate has expired", "unable to get local issuer certificate",
// "hostname mismatch"...), or "" when verification was not the cause.
std::string verifyFailure(const SSL* ssl);

// The first certificate of a PEM file: its subject and the days until it
// expires (negative once it has), for check-config.
struct CertificateSummary {
  std::string subject;
  std::string not_after;  // as OpenSSL prints it, e.g. "Jan  1 00:00:00 2027 GMT"
  int64_t days_left = 0;
};
Result<CertificateSummary> summarizeCertificate(const std::string& cert_file,
                                                const std::string& field);

}  // namespace barrier
