// TLS for connections barrier opens (the Redis store's rediss://): what to
// trust, how to prove who we are, and how to check a server's name, built
// once from the configuration and shared by every connection to that peer.
//
// Verification is never optional: the chain must lead to a trusted CA
// (ca_file, or the system's store when none is given), the certificate
// must be valid now, and it must name the host we dialled (DNS name, or IP
// address for an IP literal). SNI is sent for names (never for IP
// literals, RFC 6066). There is no switch to turn any of it off: a peer
// that fails is refused, never reached without TLS or unverified.
//
// Thread-safe after make(): the SSL_CTX is only read (SSL_new) from then on.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

struct ssl_ctx_st;
struct ssl_st;

namespace barrier {

struct TlsClientOptions {
  std::string ca_file;    // PEM CAs to trust; "" = the system's store
  std::string cert_file;  // client certificate chain (PEM), or "" for none
  std::string key_file;   // its private key (PEM); not readable by others
  // The lowest protocol version offered: "1.2" or "1.3".
  std::string min_version = "1.2";
  // The configuration path the files sit under, to name them in errors
  // ("store.tls" -> "store.tls.ca_file: ...").
  std::string field = "tls";
};

struct SslDeleter {
  void operator()(ssl_st* ssl) const;
};
using SslPtr = std::unique_ptr<ssl_st, SslDeleter>;

class TlsClientContext {
 public:
  // Loads the CAs, and the client pair when given (the key file must not be
  // readable by others, and must match the certificate). Errors are
  // kInvalidArgument naming the field, the file and the fix.
  static Result<std::shared_ptr<const TlsClientContext>> make(const TlsClientOptions& options);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  // A client SSL for one connection to `host` (as dialled: a name, or an
  // IPv4/IPv6 literal), set to verify the peer's chain and name, with SNI
  // for names. The caller attaches its BIOs and runs the handshake.
  Result<SslPtr> newConnection(const std::string& host) const;

  // Why a handshake (or a read after it) on `ssl` failed, in words: the
  // certificate check's verdict when that failed ("unknown CA: ...",
  // "the server's certificate has expired", "name mismatch: ..."), else
  // OpenSSL's reason ("tlsv13 alert certificate required"). Reads and
  // clears this thread's OpenSSL error queue.
  std::string describeFailure(const ssl_st* ssl, std::string_view host) const;

  ssl_ctx_st* native() const { return ctx_; }
  // The configuration path of the files ("store.tls"), for messages.
  const std::string& field() const { return options_.field; }

 private:
  TlsClientContext(ssl_ctx_st* ctx, TlsClientOptions options)
      : ctx_(ctx), options_(std::move(options)) {}

  ssl_ctx_st* ctx_;
  const TlsClientOptions options_;
};

// The reason of the oldest error in this thread's OpenSSL queue (and
// clears it), or "" when there is none.
std::string takeOpensslError();

}  // namespace barrier
