#include "adapters/tls_client_context.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace barrier {

namespace {

// Mozilla's "intermediate" TLS 1.2 suites (TLS 1.3 keeps OpenSSL's own).
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

struct CtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxDeleter>;

bool isIpLiteral(const std::string& host) {
  unsigned char addr[16];
  return inet_pton(AF_INET, host.c_str(), addr) == 1 ||
         inet_pton(AF_INET6, host.c_str(), addr) == 1;
}

Status fileError(const std::string& field, const std::string& file, const std::string& why) {
  return Status::invalid(field + ": " + file + ": " + why);
}

// A regular file this process can open; for a private key also one that
// no other user can read or change (group read is allowed: Debian's
// ssl-cert group convention).
Status checkFile(const std::string& field, const std::string& file, bool private_key) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fileError(field, file, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  bool stated = ::fstat(fd, &st) == 0;
  ::close(fd);
  if (!stated || !S_ISREG(st.st_mode)) return fileError(field, file, "not a regular file");
  if (private_key && (st.st_mode & (S_IRWXO | S_IWGRP)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fileError(field, file,
                     std::string("has mode ") + mode +
                         ": other users could read or replace the private key; run chmod 600 " +
                         file);
  }
  return Status::ok();
}

Status loadTrust(SSL_CTX* ctx, const TlsClientOptions& o) {
  if (o.ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return Status::invalid(o.field + ".ca_file: the system's CA store cannot be loaded (" +
                             takeOpensslError() + "); name a PEM file of CAs");
    }
    return Status::ok();
  }
  std::string field = o.field + ".ca_file";
  if (Status s = checkFile(field, o.ca_file, false); !s.isOk()) return s;
  if (SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr) != 1) {
    return fileError(field, o.ca_file, "holds no PEM certificate (" + takeOpensslError() + ")");
  }
  return Status::ok();
}

Status loadClientPair(SSL_CTX* ctx, const TlsClientOptions& o) {
  if (o.cert_file.empty() && o.key_file.empty()) return Status::ok();
  if (o.cert_file.empty() || o.key_file.empty()) {
    return Status::invalid(o.field + ": a client certificate needs both cert and key");
  }
  std::string cert_field = o.field + ".cert";
  std::string key_field = o.field + ".key";
  if (Status s = checkFile(cert_field, o.cert_file, false); !s.isOk()) return s;
  if (Status s = checkFile(key_field, o.key_file, true); !s.isOk()) return s;
  if (SSL_CTX_use_certificate_chain_file(ctx, o.cert_file.c_str()) != 1) {
    return fileError(cert_field, o.cert_file,
                     "not a PEM certificate chain (" + takeOpensslError() + ")");
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    unsigned long code = ERR_peek_last_error();
    // OpenSSL checks the key against the certificate loaded before it.
    if (ERR_GET_LIB(code) == ERR_LIB_X509 && (ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH ||
                                              ERR_GET_REASON(code) == X509_R_KEY_TYPE_MISMATCH)) {
      takeOpensslError();
      return fileError(key_field, o.key_file, "does not match the certificate in " + cert_field);
    }
    return fileError(key_field, o.key_file,
                     "not an unencrypted PEM private key (" + takeOpensslError() + ")");
  }
  return Status::ok();
}

// The verdict of a failed certificate check, in the words an operator
// looks for: expired, unknown CA, name mismatch.
std::string verdict(long result, std::string_view host, const std::string& trusted) {
  switch (result) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "the server's certificate has expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "the server's certificate is not valid yet";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return "unknown CA: the server's certificate is not signed by a CA in " + trusted + " (" +
             X509_verify_cert_error_string(result) + ")";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "name mismatch: the server's certificate is not for " + std::string(host);
    default:
      return std::string("certificate rejected: ") + X509_verify_cert_error_string(result);
  }
}

}  // namespace

void SslDeleter::operator()(ssl_st* ssl) const { SSL_free(ssl); }

std::string takeOpensslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "error " + std::to_string(code);
}

Result<std::shared_ptr<const TlsClientContext>> TlsClientContext::make(
    const TlsClientOptions& options) {
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Status::internal("tls: cannot create a context: " + takeOpensslError());
  int min_version = options.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (options.min_version != "1.2" && options.min_version != "1.3") {
    return Status::invalid(options.field + ".min_version must be 1.2 or 1.3");
  }
  SSL_CTX_set_min_proto_version(ctx.get(), min_version);
  SSL_CTX_set_cipher_list(ctx.get(), kTls12Ciphers);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (Status s = loadTrust(ctx.get(), options); !s.isOk()) return s;
  if (Status s = loadClientPair(ctx.get(), options); !s.isOk()) return s;
  return std::shared_ptr<const TlsClientContext>(new TlsClientContext(ctx.release(), options));
}

TlsClientContext::~TlsClientContext() { SSL_CTX_free(ctx_); }

Result<SslPtr> TlsClientContext::newConnection(const std::string& host) const {
  SslPtr ssl(SSL_new(ctx_));
  if (!ssl) return Status::internal("tls: cannot create a connection: " + takeOpensslError());
  bool set = false;
  if (isIpLiteral(host)) {
    set = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), host.c_str()) == 1;
  } else {
    SSL_set_hostflags(ssl.get(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    set = SSL_set1_host(ssl.get(), host.c_str()) == 1 &&
          SSL_set_tlsext_host_name(ssl.get(), host.c_str()) == 1;
  }
  if (!set)
    return Status::invalid("tls: cannot check the name " + host + ": " + takeOpensslError());
  return ssl;
}

std::string TlsClientContext::describeFailure(const ssl_st* ssl, std::string_view host) const {
  long result = SSL_get_verify_result(ssl);
  std::string reason = takeOpensslError();
  if (result != X509_V_OK) {
    return verdict(result, host,
                   options_.ca_file.empty()
                       ? "the system's store (set " + options_.field + ".ca_file for a private CA)"
                       : options_.field + ".ca_file " + options_.ca_file);
  }
  return reason.empty() ? "connection closed during the TLS handshake" : reason;
}

}  // namespace barrier
