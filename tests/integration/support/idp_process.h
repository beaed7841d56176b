// Starts tests/idp/idp.mjs (the local Cognito stand-in) for a test and
// always stops it: the process runs in its own process group, which the
// destructor kills, so a failing test never leaves it behind.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace barrier::testing {

struct IdpOptions {
  std::string client_id = "barrier";
  std::string client_secret;  // empty: public client (PKCE only)
  std::vector<std::string> redirect_uris;
  std::vector<std::string> logout_uris;
  std::string host = "127.0.0.1";
  // "id:secret" of a client-credentials client whose access tokens are JWTs
  // for `api_audience` (empty: none).
  std::string api_client;
  std::string api_audience = "https://api.example.com";
  // The client's backchannel_logout_uri (empty: the provider has no
  // back-channel logout): when set, ID tokens name a sid and ending the
  // session at the provider (POST /logout, then its confirmation form)
  // posts a logout token there.
  std::string backchannel_logout_uri;
  // --es256: a P-256 key besides the RSA one, signing ID and access tokens.
  bool es256 = false;
};

class IdpProcess {
 public:
  // Starts node on a free port and waits (up to `timeout_ms`) for its ready
  // line and for /health to answer. ok() is false (error() says why) when
  // node or oidc-provider is missing or it did not come up.
  explicit IdpProcess(const IdpOptions& options, int timeout_ms = 20000);
  ~IdpProcess();
  IdpProcess(const IdpProcess&) = delete;
  IdpProcess& operator=(const IdpProcess&) = delete;

  bool ok() const { return !issuer_.empty(); }
  const std::string& error() const { return error_; }
  // "http://127.0.0.1:PORT" — also the base of every endpoint.
  const std::string& issuer() const { return issuer_; }
  void stop();

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string issuer_;
  std::string error_;
};

}  // namespace barrier::testing
