// `barrier check-config -c FILE [--connect]`
//
// Loads and validates a configuration exactly as `serve`, `lambda` and
// `package` would, and prints a short summary. Exit 0 when valid; exit 2
// with "FILE[:LINE]: field message" otherwise, so scripts and CI can gate a
// deploy on it. Secrets (signing keys, client secret, store password) are
// never printed.
//
// With --connect, a valid file's store, discovery document and key set are
// tried too (server/connect_check.h), one line each; exit 1 when one fails.
#include <cstdio>
#include <string>
#include <vector>

#include "adapters/curl_http_client.h"
#include "adapters/system.h"
#include "adapters/tls_context.h"
#include "adapters/yaml_config.h"
#include "cli/command.h"
#include "server/connect_check.h"
#include "server/origins.h"

namespace barrier::cli {
namespace {

// "redis://:secret@host:6379/0" -> "redis://:***@host:6379/0", and
// "redis://secret@host" (a password without a user) -> "redis://:***@host".
// Userinfo ends at the last '@', as the Redis URL reader has it.
std::string maskUrlPassword(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  size_t start = scheme + 3;
  size_t at = url.rfind('@');
  if (at == std::string::npos || at < start) return url;
  std::string_view userinfo(url.data() + start, at - start);
  size_t colon = userinfo.find(':');
  std::string user(colon == std::string_view::npos ? std::string_view()
                                                   : userinfo.substr(0, colon));
  return url.substr(0, start) + user + ":***" + url.substr(at);
}

std::string describeProvider(const ProviderConfig& p) {
  if (p.type == ProviderConfig::Type::kCognito) {
    // An overridden issuer is where the keys come from: worth seeing.
    return "cognito (pool " + p.user_pool_id + ", domain " + p.domain + ", client " + p.client_id +
           (p.issuer.empty() ? "" : ", issuer " + p.issuer) + ")";
  }
  return "oidc (" + p.issuer + ", client " + p.client_id + ")";
}

bool storeUsesTls(const StoreConfig& s) {
  return s.type == StoreConfig::Type::kRedis && s.url.rfind("rediss", 0) == 0;
}

// ", TLS: CAs from FILE, client certificate FILE, 1.2+" for rediss:// URLs.
std::string describeStoreTls(const StoreConfig& s) {
  if (!storeUsesTls(s)) return "";
  std::string out = ", TLS: CAs from " + (s.tls.ca_file.empty() ? "the system" : s.tls.ca_file);
  if (!s.tls.cert.empty()) out += ", client certificate " + s.tls.cert;
  return out + ", " + s.tls.min_version + "+";
}

std::string describeStore(const StoreConfig& s) {
  switch (s.type) {
    case StoreConfig::Type::kMemory:
      return "memory (sessions vanish on restart)";
    case StoreConfig::Type::kSqlite:
      return "sqlite (" + s.path + ")";
    case StoreConfig::Type::kRedis:
      return "redis (" + maskUrlPassword(s.url) + describeStoreTls(s) + ")";
    case StoreConfig::Type::kDynamoDb:
      return "dynamodb (table " + s.table + (s.region.empty() ? "" : ", region " + s.region) +
             (s.endpoint.empty() ? "" : ", endpoint " + s.endpoint) + ")";
  }
  return "unknown";
}

// One line per check; throws naming the failed ones (exit 1: the file is
// valid, the world is not ready for it).
void connect(const ValidConfig& c) {
  std::unique_ptr<HttpClient> http = makeCurlHttpClient();
  std::unique_ptr<Clock> clock = makeSystemClock();
  std::vector<ConnectCheck> checks = checkProvider(c.provider, *http, *clock);
  checks.insert(checks.begin(), checkStore(c.store));
  std::string failures;
  std::printf("  connect:\n");
  for (const ConnectCheck& check : checks) {
    std::printf("    %s: %s (%s)\n", check.name.c_str(), check.ok ? "ok" : "FAILED",
                check.detail.c_str());
    if (!check.ok) failures += (failures.empty() ? "" : ", ") + check.name;
  }
  std::fflush(stdout);
  if (!failures.empty()) throw CliError("cannot connect: " + failures + " (see above)", 1);
}

// A certificate barrier presents, as the summary shows it and what its
// expiry means.
struct CertificateUse {
  const char* label;          // the summary's label, padded: "tls:       "
  std::string field;          // its configuration field, for errors
  std::string extra;          // the end of its summary line
  const char* refused_by;     // who refuses it once expired
  const char* after_renewal;  // how barrier comes to present the new one
};

// Certificates expiring sooner than this get a warning.
constexpr int64_t kExpiryWarningDays = 14;

// The certificate's line in the summary (file, subject, expiry), then a
// warning when it has expired or expires within kExpiryWarningDays.
void reportCertificate(const std::string& path, const std::string& cert_file,
                       const CertificateUse& use) {
  auto cert = summarizeCertificate(cert_file, use.field);
  if (!cert.isOk()) throw CliError(path + ": " + cert.status().message(), 2);
  std::printf("  %s%s (%s), expires %s (%lld days)%s\n", use.label, cert_file.c_str(),
              cert->subject.c_str(), cert->not_after.c_str(),
              static_cast<long long>(cert->days_left), use.extra.c_str());
  if (cert->days_left < 0) {
    std::printf("  warning:   the certificate in %s has expired: %s\n", cert_file.c_str(),
                use.refused_by);
  } else if (cert->days_left < kExpiryWarningDays) {
    std::printf("  warning:   the certificate in %s expires in %lld days: renew it, then %s\n",
                cert_file.c_str(), static_cast<long long>(cert->days_left), use.after_renewal);
  }
}

// server.tls as serve loads it (files readable, key private and matching),
// then its certificate's expiry.
void checkServerTls(const std::string& path, const ServerTlsConfig& tls) {
  if (!tls.enabled()) return;
  if (auto loaded =
          makeTlsServerContext({tls.cert, tls.key, tlsMinVersion(tls.min_version), "server.tls"});
      !loaded.isOk()) {
    throw CliError(path + ": " + loaded.status().message(), 2);
  }
  reportCertificate(path, tls.cert,
                    {"tls:       ", "server.tls.cert", ", TLS " + tls.min_version + "+",
                     "browsers refuse it", "send SIGHUP to barrier serve"});
}

// store.tls's client certificate (its files were read with the
// configuration): its expiry, as the server certificate's.
void checkStoreTls(const std::string& path, const StoreConfig& store) {
  if (!storeUsesTls(store) || store.tls.cert.empty()) return;
  reportCertificate(path, store.tls.cert,
                    {"store tls: ", "store.tls.cert", "",
                     "a Redis server that checks client certificates refuses it",
                     "restart barrier serve (the store reads it when it starts)"});
}

void run(const std::string& path, bool connect_too) {
  Result<ValidConfig> config = loadConfigFile(path);
  if (!config.isOk()) throw CliError(config.status().message(), 2);
  // The origins as serve opens them: folders that exist, upstream URLs.
  if (auto opened = makeOrigins(config->server.origins); !opened.isOk()) {
    throw CliError(path + ": " + opened.status().message(), 2);
  }
  const ValidConfig& c = *config;
  std::printf("%s: ok\n", path.c_str());
  std::printf("  site:      %s\n", c.site_url.c_str());
  std::printf("  provider:  %s\n", describeProvider(c.provider).c_str());
  std::printf("  store:     %s\n", describeStore(c.store).c_str());
  std::printf("  session:   cookie %s, lifetime %llds, %zu signing key(s)\n",
              c.session.cookie_name.c_str(), static_cast<long long>(c.session.lifetime),
              c.session.signing_keys.size());
  std::printf("  rules:     %zu (public paths: %zu)\n", c.rules.size(), c.public_paths.size());
  if (!c.allowed_hosts.empty() || !c.session.cookie_domain.empty()) {
    std::string hosts;
    for (const std::string& host : c.listedHosts()) hosts += (hosts.empty() ? "" : ", ") + host;
    std::printf(
        "  hosts:     %s; session cookie for %s (sign-in runs on %s)\n", hosts.c_str(),
        c.session.cookie_domain.empty() ? "this host only" : c.session.cookie_domain.c_str(),
        std::string(c.siteHost()).c_str());
  }
  // Advice, not an error: without the prefix, a page on any sibling
  // subdomain can set cookies of this name for the whole domain, which the
  // browser sends first, crowding out or standing in for the real one. A
  // cookie_domain shares the cookie on purpose, and __Host- cannot have one.
  if (c.secureCookies() && c.session.cookie_domain.empty() &&
      c.session.cookie_name.rfind("__Host-", 0) != 0) {
    std::printf(
        "  note:      cookie \"%s\" can be set by any subdomain of your domain (for all of it); "
        "session.cookie_name \"__Host-%s\" rules that out on an https site\n",
        c.session.cookie_name.c_str(), c.session.cookie_name.c_str());
  }
  checkServerTls(path, c.server.tls);
  checkStoreTls(path, c.store);
  if (connect_too) connect(c);
}

CommandRegistrar reg(
    "check-config",
    [](CLI::App& app) {
      auto* cmd = app.add_subcommand("check-config", "Validate a barrier.yaml and summarise it");
      auto path = std::make_shared<std::string>();
      auto connect_too = std::make_shared<bool>(false);
      cmd->add_option("-c,--config", *path, "Configuration file (YAML or JSON)")->required();
      cmd->add_flag("--connect", *connect_too,
                    "Also try the store and the provider's discovery document and JWKS");
      cmd->callback([path, connect_too] { run(*path, *connect_too); });
    },
    80);

}  // namespace
}  // namespace barrier::cli
