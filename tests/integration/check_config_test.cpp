// `barrier check-config`: a valid file gives its summary, with no secret in
// it — among them a Redis password in every URL form the store accepts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/encoding.h"
#include "tests/support/test_pki.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

TEST(CheckConfigTest, SummaryNeverShowsTheRedisPassword) {
  fs::path dir = fs::temp_directory_path() / ("barrier-check-config-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const char* url :
       {"redis://:S3cretPassw0rd@127.0.0.1:6390/0", "redis://S3cretPassw0rd@127.0.0.1:6390/0",
        "redis://default:S3cretPassw0rd@127.0.0.1:6390",
        "redis://:p@S3cretPassw0rd@127.0.0.1:6390/1",
        "redis-sentinel://:S3cretPassw0rd@127.0.0.1:26379/main",
        "rediss://:S3cretPassw0rd@127.0.0.1:6390/0",
        "rediss-sentinel://:S3cretPassw0rd@127.0.0.1:26379/main"}) {
    fs::path file = dir / "barrier.yaml";
    std::ofstream(file)
        << "site_url: https://www.example.com\n"
           "session:\n  signing_keys: [\"c2lnbmluZy1rZXktZm9yLWNoZWNrLWNvbmZpZy10ZXN0cw==\"]\n"
           "provider:\n  type: oidc\n  issuer: https://idp.example.com\n"
           "  client_id: web\n  client_secret: ClientS3cret\n"
           "store:\n  type: redis\n  url: \""
        << url << "\"\n";
    std::string out = run(std::string(BARRIER_BINARY) + " check-config -c " + file.string());
    EXPECT_NE(out.find("127.0.0.1"), std::string::npos) << url << "\n" << out;
    EXPECT_NE(out.find(":***@"), std::string::npos) << url << "\n" << out;
    EXPECT_EQ(out.find("S3cretPassw0rd"), std::string::npos) << url << "\n" << out;
    EXPECT_EQ(out.find("ClientS3cret"), std::string::npos) << out;
    EXPECT_EQ(out.find("c2lnbmluZy1rZXk"), std::string::npos) << out;
  }
  fs::remove_all(dir);
}

// check-config's output, ending "exit=N", on a small valid configuration
// followed by `rest` (more top-level keys), written to `file`.
std::string checkConfig(const fs::path& file, const std::string& rest) {
  std::ofstream(file) << "site_url: https://www.example.com\n"
                         "session:\n  signing_keys: "
                         "[\"c2lnbmluZy1rZXktZm9yLWNoZWNrLWNvbmZpZy10ZXN0cw==\"]\n"
                         "provider:\n  type: oidc\n  issuer: https://idp.example.com\n"
                         "  client_id: web\n"
                      << rest;
  return run(std::string(BARRIER_BINARY) + " check-config -c " + file.string() +
             " 2>&1; echo exit=$?");
}

// The same with a rediss:// store and `tls` (store.tls's lines, or "").
std::string checkRedissConfig(const fs::path& file, const std::string& tls) {
  return checkConfig(file, "store:\n  type: redis\n  url: rediss://127.0.0.1:6390\n" + tls);
}

// store.tls's files are read without connecting: a missing CA file and a
// private key other users can read are each refused (exit 2) naming the
// field, the file and the fix; the summary says where the CAs come from.
TEST(CheckConfigTest, ExplainsStoreTlsFiles) {
  fs::path dir = fs::temp_directory_path() / ("barrier-check-tls-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "barrier.yaml";
  auto check = [&](const std::string& tls) { return checkRedissConfig(file, tls); };
  std::string system_cas = check("");
  EXPECT_NE(system_cas.find("TLS: CAs from the system"), std::string::npos) << system_cas;
  EXPECT_NE(system_cas.find("exit=0"), std::string::npos) << system_cas;
  std::string missing = (dir / "missing-ca.pem").string();
  std::string out = check("  tls:\n    ca_file: " + missing + "\n");
  EXPECT_NE(out.find("store.tls.ca_file: " + missing + ": cannot open"), std::string::npos) << out;
  EXPECT_NE(out.find("exit=2"), std::string::npos) << out;
  fs::path cert = dir / "client.pem";
  fs::path key = dir / "client.key";
  std::ofstream(cert) << "not checked before the key's mode\n";
  std::ofstream(key) << "a key\n";
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                           fs::perms::others_read);
  out = check("  tls:\n    cert: " + cert.string() + "\n    key: " + key.string() + "\n");
  EXPECT_NE(out.find("store.tls.key: " + key.string() + ": has mode 0644"), std::string::npos)
      << out;
  EXPECT_NE(out.find("chmod 600 " + key.string()), std::string::npos) << out;
  EXPECT_NE(out.find("exit=2"), std::string::npos) << out;
  fs::remove_all(dir);
}

// store.tls with a client certificate that expires within 14 days (the
// test PKI's live a day): the summary names it, its expiry and the
// protocol floor, and a warning says to renew it, as for server.tls.
TEST(CheckConfigTest, WarnsOfAnExpiringStoreClientCertificate) {
  if (!haveOpenssl()) GTEST_SKIP() << "needs openssl (apt-get install openssl)";
  fs::path dir = fs::temp_directory_path() / ("barrier-check-expiry-" + std::to_string(::getpid()));
  TestPki pki(dir.string());
  ASSERT_TRUE(pki.make()) << "openssl could not make the test CA";
  std::string out =
      checkRedissConfig(dir / "barrier.yaml",
                        "  tls:\n    ca_file: ca.pem\n    cert: client.pem\n    key: client.key\n"
                        "    min_version: 1.3\n");
  EXPECT_NE(out.find("exit=0"), std::string::npos) << out;
  EXPECT_NE(out.find("client certificate " + pki.pem("client") + ", 1.3+"), std::string::npos)
      << out;
  EXPECT_NE(out.find("store tls: " + pki.pem("client") + " (/CN=client), expires "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("warning:   the certificate in " + pki.pem("client") + " expires in "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("days: renew it, then restart barrier serve"), std::string::npos) << out;
  fs::remove_all(dir);
}

// On an https site, a cookie name without the __Host- prefix gets a note
// saying why and what to set; with it, or on a plain-http demo, none.
TEST(CheckConfigTest, SuggestsTheHostPrefix) {
  fs::path dir = fs::temp_directory_path() / ("barrier-check-prefix-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "barrier.yaml";
  auto check = [&](const std::string& site, const std::string& cookie) {
    std::ofstream(file)
        << "site_url: " << site << "\n"
        << "session:\n  cookie_name: \"" << cookie << "\"\n"
        << "  signing_keys: [\"c2lnbmluZy1rZXktZm9yLWNoZWNrLWNvbmZpZy10ZXN0cw==\"]\n"
           "provider:\n  type: oidc\n  issuer: https://idp.example.com\n  client_id: web\n";
    return run(std::string(BARRIER_BINARY) + " check-config -c " + file.string());
  };
  std::string plain = check("https://www.example.com", "barrier");
  EXPECT_NE(plain.find(": ok"), std::string::npos) << plain;
  EXPECT_NE(plain.find("session.cookie_name \"__Host-barrier\""), std::string::npos) << plain;
  std::string prefixed = check("https://www.example.com", "__Host-barrier");
  EXPECT_NE(prefixed.find(": ok"), std::string::npos) << prefixed;
  EXPECT_EQ(prefixed.find("note:"), std::string::npos) << prefixed;
  std::string demo = check("http://localhost:8080", "barrier");
  EXPECT_NE(demo.find(": ok"), std::string::npos) << demo;
  EXPECT_EQ(demo.find("note:"), std::string::npos) << demo;
  fs::remove_all(dir);
}

// One sign-in for several hosts: the summary names the hosts and the
// cookie domain; a __Host- name with a cookie domain, or a host outside it,
// is refused with the field and the fix (exit code 2).
TEST(CheckConfigTest, ExplainsHostsAndCookieDomain) {
  fs::path dir = fs::temp_directory_path() / ("barrier-check-hosts-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "barrier.yaml";
  auto check = [&](const std::string& cookie, const std::string& hosts) {
    std::ofstream(file)
        << "site_url: https://app.example.com\n"
        << "allowed_hosts: " << hosts << "\n"
        << "session:\n  cookie_name: \"" << cookie << "\"\n  cookie_domain: example.com\n"
        << "  signing_keys: [\"c2lnbmluZy1rZXktZm9yLWNoZWNrLWNvbmZpZy10ZXN0cw==\"]\n"
           "provider:\n  type: oidc\n  issuer: https://idp.example.com\n  client_id: web\n";
    return run("{ " + std::string(BARRIER_BINARY) + " check-config -c " + file.string() +
               "; echo rc=$?; }");
  };
  std::string ok = check("__Secure-barrier", "[docs.example.com]");
  EXPECT_NE(ok.find("hosts:     app.example.com, docs.example.com; session cookie for example.com"),
            std::string::npos)
      << ok;
  EXPECT_EQ(ok.find("note:"), std::string::npos) << ok;
  std::string host_prefix = check("__Host-barrier", "[docs.example.com]");
  EXPECT_NE(host_prefix.find("session.cookie_domain cannot be used with the cookie name "
                             "\"__Host-barrier\": browsers refuse a __Host- cookie that has a "
                             "Domain; name it __Secure-barrier"),
            std::string::npos)
      << host_prefix;
  EXPECT_NE(host_prefix.find("rc=2"), std::string::npos) << host_prefix;
  std::string outside = check("barrier", "[docs.example.org]");
  EXPECT_NE(outside.find("allowed_hosts[0] \"docs.example.org\" is not within "
                         "session.cookie_domain \"example.com\""),
            std::string::npos)
      << outside;
  fs::remove_all(dir);
}

// A static folder that does not exist fails check-config as it would fail
// serve, naming the file, the key as written and the folder tried.
TEST(CheckConfigTest, MissingStaticFolderIsAnError) {
  fs::path dir =
      fs::temp_directory_path() / ("barrier-check-origins-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "barrier.yaml";
  std::ofstream(file)
      << "site_url: https://www.example.com\n"
         "session:\n  signing_keys: [\"c2lnbmluZy1rZXktZm9yLWNoZWNrLWNvbmZpZy10ZXN0cw==\"]\n"
         "provider:\n  type: oidc\n  issuer: https://idp.example.com\n  client_id: web\n"
         "server:\n  origins:\n    - prefix: /\n      static: nosuchdir\n";
  std::string out = run("{ " + std::string(BARRIER_BINARY) + " check-config -c " + file.string() +
                        "; echo rc=$?; }");
  EXPECT_NE(out.find(file.string() + ": server.origins[0].static: folder " +
                     (dir / "nosuchdir").string() + ": No such file or directory"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("rc=2"), std::string::npos) << out;
  fs::create_directories(dir / "nosuchdir");
  EXPECT_NE(run(std::string(BARRIER_BINARY) + " check-config -c " + file.string()).find(": ok"),
            std::string::npos);
  fs::remove_all(dir);
}

// A Cognito summary shows an overridden issuer (it decides where the keys
// come from) and says nothing of one when the pool's own issuer is used.
TEST(CheckConfigTest, CognitoSummaryShowsAnIssuerOverride) {
  fs::path dir =
      fs::temp_directory_path() / ("barrier-check-cognito-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "barrier.yaml";
  auto check = [&](const std::string& issuer_line) {
    std::ofstream(file)
        << "site_url: https://www.example.com\n"
           "session:\n  signing_keys: [\"c2lnbmluZy1rZXktZm9yLWNoZWNrLWNvbmZpZy10ZXN0cw==\"]\n"
           "provider:\n  type: cognito\n  region: eu-west-1\n"
           "  user_pool_id: eu-west-1_AbCdEf123\n  domain: auth.example.com\n  client_id: web\n"
        << issuer_line;
    return run(std::string(BARRIER_BINARY) + " check-config -c " + file.string());
  };
  std::string overridden = check("  issuer: https://idp.example.net/pool\n");
  EXPECT_NE(overridden.find("provider:  cognito (pool eu-west-1_AbCdEf123, domain "
                            "auth.example.com, client web, issuer https://idp.example.net/pool)"),
            std::string::npos)
      << overridden;
  std::string derived = check("");
  EXPECT_NE(derived.find(": ok"), std::string::npos) << derived;
  EXPECT_EQ(derived.find("issuer"), std::string::npos) << derived;
  fs::remove_all(dir);
}

// Values `barrier serve` would refuse, or would use to reach the wrong host,
// fail check-config with exit 2 and the field named — and a Redis password
// stays out of the message.
TEST(CheckConfigTest, RefusesWhatServeWouldMisuseOrRefuse) {
  fs::path dir = fs::temp_directory_path() / ("barrier-check-refuse-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "barrier.yaml";
  const std::string head =
      "site_url: https://www.example.com\n"
      "session:\n  signing_keys: [\"c2lnbmluZy1rZXktZm9yLWNoZWNrLWNvbmZpZy10ZXN0cw==\"]\n";
  const std::string cognito =
      "provider:\n  type: cognito\n  region: eu-west-1\n  user_pool_id: eu-west-1_AbCdEf123\n"
      "  domain: auth.example.com\n  client_id: web\n";
  struct Case {
    std::string body;
    std::string error;
  };
  const Case cases[] = {
      {cognito + "  issuer: \"http://evil.example/x\"\n", "provider.issuer must use https://"},
      {cognito + "store:\n  type: dynamodb\n  region: \"evil.example/x?\"\n",
       "store.region must be an AWS region"},
      {cognito + "store:\n  type: redis\n  url: \"redis://:S3cretPassw0rd@host:99999/abc\"\n",
       "store.url: database must be a number"},
      {cognito + "store:\n  type: redis\n  url: \"redis://:S3cretPassw0rd@host:99999/0\"\n",
       "store.url: port must be 1-65535"},
      {"provider:\n  type: oidc\n  issuer: http://127.attacker.example\n  client_id: web\n",
       "provider.issuer must use https://"},
  };
  for (const Case& c : cases) {
    std::ofstream(file) << head << c.body;
    std::string out = run("{ " + std::string(BARRIER_BINARY) + " check-config -c " + file.string() +
                          "; echo rc=$?; }");
    EXPECT_NE(out.find(c.error), std::string::npos) << c.body << "\n" << out;
    EXPECT_NE(out.find("rc=2"), std::string::npos) << c.body << "\n" << out;
    EXPECT_EQ(out.find("S3cretPassw0rd"), std::string::npos) << out;
  }
  fs::remove_all(dir);
}

// `barrier keygen` prints one line: 32 random bytes in base64, different
// on every call, which check-config accepts as a signing key.
TEST(CheckConfigTest, KeygenPrintsAUsableKey) {
  std::string first = run(std::string(BARRIER_BINARY) + " keygen");
  std::string second = run(std::string(BARRIER_BINARY) + " keygen");
  ASSERT_EQ(first.size(), 45u) << first;
  EXPECT_EQ(first.back(), '\n');
  first.pop_back();
  std::string raw;
  ASSERT_TRUE(base64Decode(first, raw)) << first;
  EXPECT_EQ(raw.size(), 32u);
  EXPECT_NE(first + "\n", second);
  fs::path dir = fs::temp_directory_path() / ("barrier-keygen-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "barrier.yaml")
      << "site_url: https://www.example.com\nsession:\n  signing_keys: [\"" << first
      << "\"]\nprovider:\n  type: oidc\n  issuer: https://idp.example.com\n  client_id: web\n";
  std::string out =
      run(std::string(BARRIER_BINARY) + " check-config -c " + (dir / "barrier.yaml").string());
  EXPECT_NE(out.find(": ok"), std::string::npos) << out;
  EXPECT_EQ(out.find(first), std::string::npos) << "the key was printed: " << out;
  fs::remove_all(dir);
}

// --connect with a provider that is down: the store line is ok, discovery
// fails naming its URL and the reason, the key set is not tried, and the
// command exits 1 naming what failed.
TEST(CheckConfigTest, ConnectSaysWhichPartFails) {
  fs::path dir = fs::temp_directory_path() / ("barrier-connect-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "barrier.yaml")
      << "site_url: http://127.0.0.1:8080\n"
         "session:\n  signing_keys: [\"c2lnbmluZy1rZXktZm9yLWNoZWNrLWNvbmZpZy10ZXN0cw==\"]\n"
         "provider:\n  type: oidc\n  issuer: http://127.0.0.1:9\n  client_id: web\n"
         "  timeout_ms: 2000\nstore:\n  type: memory\n";
  std::string out = run(std::string(BARRIER_BINARY) + " check-config --connect -c " +
                        (dir / "barrier.yaml").string() + " 2>&1; echo \"exit=$?\"");
  EXPECT_NE(out.find("store: ok"), std::string::npos) << out;
  EXPECT_NE(out.find("discovery: FAILED ("), std::string::npos) << out;
  EXPECT_NE(out.find("http://127.0.0.1:9/.well-known/openid-configuration"), std::string::npos)
      << out;
  EXPECT_NE(out.find("jwks: FAILED (not tried"), std::string::npos) << out;
  EXPECT_NE(out.find("cannot connect: discovery, jwks"), std::string::npos) << out;
  EXPECT_NE(out.find("exit=1"), std::string::npos) << out;
  fs::remove_all(dir);
}

}  // namespace

// The access fields (allow, rules' methods and allow, headers,
// cors_preflight): a good file is ok, and each mistake is explained by
// file, field and fix.
TEST(CheckConfigTest, ExplainsEachAccessField) {
  fs::path dir = fs::temp_directory_path() / ("barrier-check-access-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "barrier.yaml";
  std::string good = checkConfig(file,
                                 "allow:\n  - email_domains: [example.com]\n  - users: [sub-1]\n"
                                 "rules:\n  - path: /api/*\n    methods: [POST]\n"
                                 "    allow:\n      - claims: {scope: [write]}\n"
                                 "  - path: /admin/*\n    groups: [admins]\n"
                                 "headers:\n  X-Barrier-Department: department\n"
                                 "cors_preflight: pass\n");
  EXPECT_NE(good.find(": ok"), std::string::npos) << good;

  struct Case {
    const char* yaml;
    const char* field;
    const char* fix;
  };
  const Case cases[] = {
      {"allow: []\n", "allow must list at least one condition", "remove it"},
      {"allow:\n  - {}\n", "allow[0] must be a mapping", "groups, emails, email_domains"},
      {"allow:\n  - emails: [alice]\n", "allow[0].emails[0]", "like alice@example.com"},
      {"allow:\n  - email_domains: [\"@example.com\"]\n", "allow[0].email_domains[0]",
       "like example.com"},
      {"allow:\n  - claims: {address: {country: FR}}\n", "allow[0].claims.address",
       "list of strings"},
      {"allow:\n  - claims: {email: [a@example.com]}\n", "allow[0].claims.email", "use emails"},
      {"allow:\n  - users: []\n", "allow[0].users", "remove the key"},
      {"allow:\n  - domains: [example.com]\n", "allow[0].domains", "known"},
      {"rules:\n  - path: /a\n    methods: [\"GE T\"]\n    groups: [a]\n", "rules[0].methods[0]",
       "like GET or POST"},
      {"rules:\n  - path: /a\n    groups: [a]\n    allow: [{users: [u]}]\n", "rules[0]", "use one"},
      {"rules:\n  - path: /a\n    methods: [GET]\n", "rules[0].groups", "or give allow"},
      {"headers:\n  X-Department: department\n", "headers.X-Department", "X-Barrier-"},
      {"headers:\n  X-Barrier-User: department\n", "headers.X-Barrier-User", "another name"},
      {"cors_preflight: yes\n", "cors_preflight", "refuse, pass"},
  };
  for (const Case& c : cases) {
    std::string out = checkConfig(file, c.yaml);
    EXPECT_NE(out.find(file.string()), std::string::npos) << c.yaml << out;
    EXPECT_NE(out.find(c.field), std::string::npos) << c.yaml << out;
    EXPECT_NE(out.find(c.fix), std::string::npos) << c.yaml << out;
    EXPECT_EQ(out.find(": ok"), std::string::npos) << c.yaml << out;
  }
  fs::remove_all(dir);
}

}  // namespace barrier::testing
