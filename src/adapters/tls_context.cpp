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

// OpenSSL's queued errors, oldest first, as one line (and the queue emptied).
std::string opensslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
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

// The certificate chain and key of `cert_file`/`key_file`, checked to match.
Status loadPair(SSL_CTX* ctx, const std::string& cert_file, const std::string& key_file,
                const std::string& field) {
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return Status::invalid(field + ".cert: cannot load " + cert_file +
                           " (a PEM certificate, then its chain): " + opensslErrors());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Status::invalid(field + ".key: cannot load " + key_file +
                           " (a PEM private key, unencrypted): " + opensslErrors());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Status::invalid(field + ": the key in " + key_file +
                           " does not match the certificate in " + cert_file);
  }
  return Status::ok();
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
  int loaded = settings.ca_file.empty()
                   ? SSL_CTX_set_default_verify_paths(raw)
                   : SSL_CTX_load_verify_locations(raw, settings.ca_file.c_str(), nullptr);
  if (loaded != 1) {
    return Status::invalid(settings.field + ": cannot load the CA certificates " +
                           (settings.ca_file.empty() ? "of the system" : "in " + settings.ca_file) +
                           ": " + opensslErrors());
  }
  SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, nullptr);
  if (!settings.cert_file.empty() || !settings.key_file.empty()) {
    if (Status key_private = checkPrivateFile(settings.field + ".key", settings.key_file,
                                              PrivateAccess::kNoAccessByOthers);
        !key_private) {
      return key_private;
    }
    Status s = loadPair(raw, settings.cert_file, settings.key_file, settings.field);
    if (!s) return s;
  }
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
