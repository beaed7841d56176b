// `barrier check-config` on the access fields (allow, rules' methods and
// allow, headers, cors_preflight): a good file is ok, and each mistake is
// explained by file, field and fix.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

std::string checkConfig(const fs::path& file, const std::string& access) {
  std::ofstream(file) << "site_url: https://www.example.com\n"
                         "session:\n  signing_keys: "
                         "[\"c2lnbmluZy1rZXktZm9yLWNoZWNrLWNvbmZpZy10ZXN0cw==\"]\n"
                         "provider:\n  type: oidc\n  issuer: https://idp.example.com\n"
                         "  client_id: web\n"
                      << access;
  std::string out;
  std::string command = std::string(BARRIER_BINARY) + " check-config -c " + file.string() + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

TEST(CheckConfigAccessTest, ExplainsEachAccessField) {
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

}  // namespace
}  // namespace barrier::testing
