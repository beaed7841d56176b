// A throw-away PKI made with the openssl tool at test time, for TLS tests
// (rediss:// stores; any TLS peer): two CAs, and leaf certificates for the
// cases a client must tell apart. EC P-256 keys, owner-only (0600).
// Header-only, like redis_server.h.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

namespace barrier {

inline bool haveOpenssl() { return std::system("command -v openssl >/dev/null 2>&1") == 0; }

// In `dir`: CAs "ca" and "other-ca"; signed by "ca": "server"
// (localhost, 127.0.0.1), "wrong-name" (elsewhere.example), "expired"
// (localhost, 127.0.0.1, ended a day ago), "client" (client auth); signed
// by "other-ca": "other-client". pem(name) and key(name) are their files.
class TestPki {
 public:
  explicit TestPki(std::string dir) : dir_(std::move(dir)) {}

  bool make() {
    std::filesystem::create_directories(dir_);
    return ca("ca") && ca("other-ca") &&
           leaf("server", "ca", "DNS:localhost,IP:127.0.0.1", "1", "serverAuth") &&
           leaf("wrong-name", "ca", "DNS:elsewhere.example", "1", "serverAuth") &&
           leaf("expired", "ca", "DNS:localhost,IP:127.0.0.1", "-1", "serverAuth") &&
           leaf("client", "ca", "DNS:barrier.client", "1", "clientAuth") &&
           leaf("other-client", "other-ca", "DNS:barrier.client", "1", "clientAuth");
  }

  // A made PKI in `dir`, or nullptr when openssl is missing or failed (a
  // suite's SetUp then skips, or fails saying so).
  static TestPki* makeIn(std::string dir) {
    if (!haveOpenssl()) return nullptr;
    auto* pki = new TestPki(std::move(dir));
    if (pki->make()) return pki;
    delete pki;
    return nullptr;
  }

  std::string pem(const std::string& name) const { return dir_ + "/" + name + ".pem"; }
  std::string key(const std::string& name) const { return dir_ + "/" + name + ".key"; }

 private:
  bool run(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
  }
  bool newKey(const std::string& name) {
    return run("openssl ecparam -genkey -name prime256v1 -noout -out " + key(name)) &&
           ::chmod(key(name).c_str(), 0600) == 0;
  }
  bool ca(const std::string& name) {
    return newKey(name) && run("openssl req -x509 -new -key " + key(name) + " -subj /CN=" + name +
                               " -days 2 -out " + pem(name));
  }
  bool leaf(const std::string& name, const std::string& issuer, const std::string& san,
            const std::string& days, const std::string& usage) {
    std::string csr = dir_ + "/" + name + ".csr";
    return newKey(name) &&
           run("openssl req -new -key " + key(name) + " -subj /CN=" + name +
               " -addext subjectAltName=" + san + " -addext extendedKeyUsage=" + usage + " -out " +
               csr) &&
           run("openssl x509 -req -in " + csr + " -CA " + pem(issuer) + " -CAkey " + key(issuer) +
               " -CAcreateserial -days " + days + " -copy_extensions copy -out " + pem(name));
  }

  std::string dir_;
};

}  // namespace barrier
