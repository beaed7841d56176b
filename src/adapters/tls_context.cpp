#include "adapters/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include "adapters/private_file.h"

namespace barrier {

namespace {

// Mozilla's "intermediate" TLS 1.2 suites (forward secrecy, AEAD only);
// TLS 1.3 suites are OpenSSL's defaults, all of which are fine.
constexpr const char* kIntermediateCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

// The reasons of OpenSSL's queued errors, oldest first, as one line ("" when
// there is none), and the queue emptied.
std::string opensslReasons() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    out += reason != nullptr ? reason : "error " + std::to_string(e);
  }
  return out;
}

std::string opensslErrors() {
  std::string reasons = opensslReasons();
  return reasons.empty() ? "unknown OpenSSL error" : reasons;
}

int versionOf(TlsMinVersion v) {
  return v == TlsMinVersion::kTls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
}

Result<SslContextPtr> newContext(const SSL_METHOD* method, TlsMinVersion min_version,
                                 const std::string& field) {
  ERR_clear_error();
  SslContextPtr ctx(SSL_CTX_new(method));
  if (!ctx) return Status::internal(field + ": cannot create a TLS context: " + opensslErrors());
  SSL_CTX_set_min_proto_version(ctx.get(), versionOf(min_version));
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_set_cipher_list(ctx.get(), kIntermediateCiphers) != 1) {
    return Status::internal(field + ": cipher list refused: " + opensslErrors());
  }
  return ctx;
}

bool isKeyMismatch(unsigned long code) {
  return ERR_GET_LIB(code) == ERR_LIB_X509 && (ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH ||
                                               ERR_GET_REASON(code) == X509_R_KEY_TYPE_MISMATCH);
}

// The certificate chain of `cert_file` and the key of `key_file` (which
// the caller has checked is private), checked to match.
Status loadPair(SSL_CTX* ctx, const std::string& cert_file, const std::string& key_file,
                const std::string& field) {
  const std::string cert_field = field + ".cert";
  const std::string key_field = field + ".key";
  const std::string mismatch = key_field + ": " + key_file +
                               ": does not match the certificate in " + cert_field + " (" +
                               cert_file + ")";
  if (Status s = checkReadableFile(cert_field, cert_file); !s) return s;
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return Status::invalid(cert_field + ": " + cert_file +
                           ": not a PEM certificate followed by its chain (" + opensslErrors() +
                           ")");
  }
  // OpenSSL checks the key against the certificate loaded before it (one
  // of the same type; SSL_CTX_check_private_key catches the others).
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (isKeyMismatch(ERR_peek_last_error())) {
      ERR_clear_error();
      return Status::invalid(mismatch);
    }
    return Status::invalid(key_field + ": " + key_file + ": not an unencrypted PEM private key (" +
                           opensslErrors() + ")");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return Status::invalid(mismatch);
  }
  return Status::ok();
}

// The CAs the peer's chain must lead to: `ca_file`, or the system's store.
Status loadTrust(SSL_CTX* ctx, const TlsClientSettings& settings) {
  const std::string field = settings.field + ".ca_file";
  ERR_clear_error();
  if (settings.ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return Status::invalid(field + ": the system's CA store cannot be loaded (" +
                             opensslErrors() + "); name a PEM file of CAs");
    }
    return Status::ok();
  }
  if (Status s = checkReadableFile(field, settings.ca_file); !s) return s;
  if (SSL_CTX_load_verify_locations(ctx, settings.ca_file.c_str(), nullptr) != 1) {
    return Status::invalid(field + ": " + settings.ca_file + ": holds no PEM certificate (" +
                           opensslErrors() + ")");
  }
  return Status::ok();
}

// The verdict of a failed certificate check, in the words an operator
// looks for: expired, unknown CA (and which CAs were trusted), name mismatch.
std::string verdict(long result, const std::string& host, const TlsClientSettings& settings) {
  switch (result) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "the server's certificate has expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "the server's certificate is not valid yet";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
      std::string trusted =
          settings.ca_file.empty()
              ? "the system's store (set " + settings.field + ".ca_file for a private CA)"
              : settings.field + ".ca_file " + settings.ca_file;
      return "unknown CA: the server's certificate is not signed by a CA in " + trusted + " (" +
             X509_verify_cert_error_string(result) + ")";
    }
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "name mismatch: the server's certificate is not for " + host;
    default:
      return std::string("certificate rejected: ") + X509_verify_cert_error_string(result);
  }
}

// ALPN: http/1.1 when the client offers it; a client offering only other
// protocols (h2) continues without ALPN rather than failing.
int selectHttp11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                 unsigned int inlen, void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

bool isIpLiteral(const std::string& host) {
  ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
  bool literal = ip != nullptr;
  ASN1_OCTET_STRING_free(ip);
  return literal;
}

}  // namespace

Result<SslContextPtr> makeTlsServerContext(const TlsServerFiles& files) {
  Status key_private =
      checkPrivateFile(files.field + ".key", files.key_file, PrivateAccess::kNoAccessByOthers);
  if (!key_private) return key_private;
  Result<SslContextPtr> ctx = newContext(TLS_server_method(), files.min_version, files.field);
  if (!ctx.isOk()) return ctx;
  SSL_CTX* raw = ctx->get();
  if (Status s = loadPair(raw, files.cert_file, files.key_file, files.field); !s) return s;
  SSL_CTX_set_dh_auto(raw, 1);
  SSL_CTX_set_alpn_select_cb(raw, selectHttp11, nullptr);
  return ctx;
}

Result<SslContextPtr> makeTlsClientContext(const TlsClientSettings& settings) {
  Result<SslContextPtr> ctx = newContext(TLS_client_method(), settings.min_version, settings.field);
  if (!ctx.isOk()) return ctx;
  SSL_CTX* raw = ctx->get();
  SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, nullptr);
  if (Status s = loadTrust(raw, settings); !s) return s;
  if (settings.cert_file.empty() && settings.key_file.empty()) return ctx;
  if (settings.cert_file.empty() || settings.key_file.empty()) {
    return Status::invalid(settings.field + ": a client certificate needs both " + settings.field +
                           ".cert and " + settings.field + ".key");
  }
  // The key's permissions first: a key others can read is the finding,
  // whatever else is wrong with the files.
  if (Status key_private = checkPrivateFile(settings.field + ".key", settings.key_file,
                                            PrivateAccess::kNoAccessByOthers);
      !key_private) {
    return Status::invalid(key_private.message());
  }
  if (Status s = loadPair(raw, settings.cert_file, settings.key_file, settings.field); !s) return s;
  return ctx;
}

Status expectPeerName(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (isIpLiteral(host)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
      return Status::invalid("cannot check the IP address " + host);
    }
    return Status::ok();
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1 ||
      SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return Status::invalid("cannot check the host name " + host);
  }
  return Status::ok();
}

std::string verifyFailure(const SSL* ssl) {
  long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return "";
  return X509_verify_cert_error_string(result);
}

std::string describeClientFailure(const SSL* ssl, const std::string& host,
                                  const TlsClientSettings& settings) {
  long result = SSL_get_verify_result(ssl);
  std::string reason = opensslReasons();
  if (result != X509_V_OK) return verdict(result, host, settings);
  return reason.empty() ? "connection closed during the TLS handshake" : reason;
}

Result<CertificateSummary> summarizeCertificate(const std::string& cert_file,
                                                const std::string& field) {
  FILE* file = std::fopen(cert_file.c_str(), "r");
  if (file == nullptr) return Status::invalid(field + ": cannot open " + cert_file);
  X509* cert = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  if (cert == nullptr) return Status::invalid(field + ": no PEM certificate in " + cert_file);
  CertificateSummary out;
  char name[512];
  X509_NAME_oneline(X509_get_subject_name(cert), name, sizeof name);
  out.subject = name;
  const ASN1_TIME* not_after = X509_get0_notAfter(cert);
  BIO* bio = BIO_new(BIO_s_mem());
  ASN1_TIME_print(bio, not_after);
  char* text = nullptr;
  long length = BIO_get_mem_data(bio, &text);
  out.not_after.assign(text, static_cast<size_t>(length));
  BIO_free(bio);
  int days = 0, seconds = 0;
  ASN1_TIME_diff(&days, &seconds, nullptr, not_after);
  out.days_left = days;
  X509_free(cert);
  return out;
}

}  // namespace barrier
