// OpenSSL contexts for barrier's TLS connections, built once per
// configuration (and again on SIGHUP for the server's certificate):
//
// - a server context (`barrier serve` terminating HTTPS): certificate chain
//   and key from PEM files, the key file private to barrier's user, TLS 1.2
//   (Mozilla "intermediate" ciphers) or 1.3 at least, ALPN http/1.1;
// - a client context (HTTPS upstreams, and the Redis store's rediss://):
//   the system trust store or a CA file, TLS 1.2 or 1.3 at least,
//   optionally a client certificate; and, per connection, SNI plus the host
//   name (or IP address) check, and the reason a verification failed.
//
// Files are checked before OpenSSL reads them (adapters/private_file.h):
// every error names the field, the file and the fix.
//
// Plain OpenSSL, no Asio: the server wraps a context in asio::ssl::context
// (which takes ownership). A context is immutable once built and OpenSSL
// lets many threads create connections from it at once.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace barrier {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslContextPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

enum class TlsMinVersion { kTls12, kTls13 };

// A validated configuration's min_version ("1.2" or "1.3").
inline TlsMinVersion tlsMinVersion(std::string_view text) {
  return text == "1.3" ? TlsMinVersion::kTls13 : TlsMinVersion::kTls12;
}

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
  // The configuration block the files are set in ("store.tls",
  // "server.origins[0]"): errors name FIELD.ca_file, FIELD.cert, FIELD.key.
  std::string field;
};

// A client context that verifies the peer's chain (never optional). Errors
// are kInvalidArgument naming the field, the file and the fix: a CA file
// that cannot be opened or holds no certificate, a client key others may
// read (checkPrivateFile), a certificate or key that is not PEM, a key that
// does not match its certificate.
Result<SslContextPtr> makeTlsClientContext(const TlsClientSettings& settings);

struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

// For one client connection: sends `host` as SNI (unless it is an IP
// literal) and makes the handshake fail unless the certificate names
// `host` (DNS name, or IP address for a literal).
Status expectPeerName(SSL* ssl, const std::string& host);

// After a failed handshake: why the peer's certificate was refused
// ("certificate has expired", "unable to get local issuer certificate",
// "hostname mismatch"...), or "" when verification was not the cause.
std::string verifyFailure(const SSL* ssl);

// Why a client handshake on `ssl` (made from `settings`, dialled as
// `host`), or a read just after it, failed, in the words an operator looks
// for: the certificate check's verdict ("unknown CA: the server's
// certificate is not signed by a CA in store.tls.ca_file FILE (...)",
// "the server's certificate has expired", "name mismatch: the server's
// certificate is not for HOST"), else OpenSSL's reason ("tlsv13 alert
// certificate required"). Reads and empties this thread's OpenSSL error
// queue.
std::string describeClientFailure(const SSL* ssl, const std::string& host,
                                  const TlsClientSettings& settings);

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
