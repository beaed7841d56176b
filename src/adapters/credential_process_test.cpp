#include "adapters/credential_process.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace barrier {
namespace {

namespace fs = std::filesystem;

// Words as a POSIX shell splits them, without running one.
TEST(CredentialProcess, SplitsLikeAShell) {
  using Words = std::vector<std::string>;
  EXPECT_EQ(*splitCommandLine("tool  --profile  x"), (Words{"tool", "--profile", "x"}));
  EXPECT_EQ(*splitCommandLine("'/opt/my tools/get' \"a \\\"b\\\" $c\" d\\ e"),
            (Words{"/opt/my tools/get", "a \"b\" $c", "d e"}));
  EXPECT_EQ(*splitCommandLine("a'b'\"c\" '' \"\""), (Words{"abc", "", ""}));
  EXPECT_EQ(*splitCommandLine("echo | grep x"), (Words{"echo", "|", "grep", "x"}));
  for (const char* bad : {"", "   ", "'open", "\"open", "a \"b\\\""}) {
    EXPECT_EQ(splitCommandLine(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

// Version 1 JSON with keys; token and expiry optional.
TEST(CredentialProcess, ParsesItsOutput) {
  auto c = parseProcessCredentials(
      R"({"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-12-02T07:00:00Z"})",
      "p");
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "AKID");
  EXPECT_EQ(c->session_token, "t");
  EXPECT_EQ(c->expires_at, 1796194800);
  EXPECT_EQ(c->source, "p");
  auto lasting =
      parseProcessCredentials(R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"s"})", "p");
  ASSERT_TRUE(lasting.isOk());
  EXPECT_EQ(lasting->expires_at, 0);
  for (const char* bad :
       {"", "[]", R"({"AccessKeyId":"A","SecretAccessKey":"s"})",
        R"({"Version":2,"AccessKeyId":"A","SecretAccessKey":"s"})",
        R"({"Version":1,"AccessKeyId":"A"})",
        R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"soon"})"}) {
    auto refused = parseProcessCredentials(bad, "p");
    EXPECT_EQ(refused.status().code(), Code::kUnavailable) << bad;
    EXPECT_EQ(refused.status().message().find("\"s\""), std::string::npos);
  }
}

// A scratch directory holding executable scripts.
class Scripts {
 public:
  Scripts() {
    dir_ = fs::temp_directory_path() / ("barrier-process-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  ~Scripts() { fs::remove_all(dir_); }
  // Writes an executable `name` and returns its path.
  std::string add(const std::string& name, const std::string& body) {
    fs::path path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    fs::permissions(path, fs::perms::owner_all);
    return path.string();
  }

 private:
  fs::path dir_;
};

// The command runs without a shell, its arguments reach it as written, and
// its output becomes the credentials.
TEST(CredentialProcess, RunsTheCommand) {
  Scripts scripts;
  std::string path = scripts.add(
      "get creds",
      "printf '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"s\"}' \"$1\"\n");
  auto c = credentialsFromProcess("'" + path + "' 'AKID WITH $PATH'", 5000, "p");
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "AKID WITH $PATH");
}

// Failures name the source and say what went wrong, never the output.
TEST(CredentialProcess, ReportsFailures) {
  Scripts scripts;
  auto fails = [](const Result<AwsCredentials>& c, Code code, const std::string& words) {
    EXPECT_EQ(c.status().code(), code) << c.status().toString();
    EXPECT_EQ(c.status().message().rfind("credential_process of x: ", 0), 0u)
        << c.status().message();
    EXPECT_NE(c.status().message().find(words), std::string::npos) << c.status().message();
  };
  std::string failing = scripts.add("fail", "echo 'token expired, log in again' >&2\nexit 3\n");
  fails(credentialsFromProcess(failing, 5000, "credential_process of x"), Code::kUnavailable,
        "exited with status 3: token expired, log in again");
  fails(credentialsFromProcess("/nonexistent/tool", 5000, "credential_process of x"),
        Code::kUnavailable, "cannot run /nonexistent/tool");
  std::string slow = scripts.add("slow", "exec sleep 10\n");
  fails(credentialsFromProcess(slow, 200, "credential_process of x"), Code::kTimeout,
        "no answer within 200 ms");
  std::string chatty = scripts.add("chatty", "exec yes\n");
  fails(credentialsFromProcess(chatty, 5000, "credential_process of x"), Code::kUnavailable,
        "more than 64 KiB");
  std::string secret = scripts.add("secret", "echo '{\"AccessKeyId\":\"AKIDSECRET\"}'\n");
  auto c = credentialsFromProcess(secret, 5000, "credential_process of x");
  fails(c, Code::kUnavailable, "Version");
  EXPECT_EQ(c.status().message().find("AKIDSECRET"), std::string::npos);
  fails(credentialsFromProcess("'unterminated", 5000, "credential_process of x"),
        Code::kInvalidArgument, "unterminated");
}

}  // namespace
}  // namespace barrier
