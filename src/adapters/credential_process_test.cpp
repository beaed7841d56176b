#include "adapters/credential_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

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
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
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

// Whether `pid` is still running; a zombie awaiting its reaping (killed,
// its parent gone) does not count.
bool running(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] != 'Z';
}

// Waits up to two seconds for `pid` to be gone (SIGKILL takes a moment).
bool gone(pid_t pid) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (running(pid) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !running(pid);
}

// Puts /dev/null on stdin for its lifetime. A test binary run from a
// terminal would otherwise keep the command in barrier's process group
// (so that it could prompt), where a timeout kills only the command.
class StdinFromDevNull {
 public:
  StdinFromDevNull() : saved_(::dup(STDIN_FILENO)) {
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, STDIN_FILENO);
    ::close(null);
  }
  ~StdinFromDevNull() {
    ::dup2(saved_, STDIN_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
};

// The timeout covers the command's exit, not only its output: one that
// closes stdout and stderr and sleeps is killed at the deadline, and so is
// everything it started, whether or not that holds the output open.
TEST(CredentialProcess, TimeoutKillsTheCommandAndItsChildren) {
  StdinFromDevNull stdin_from_dev_null;
  Scripts scripts;
  auto within = [](const std::string& command, std::chrono::milliseconds bound) {
    auto start = std::chrono::steady_clock::now();
    auto c = credentialsFromProcess(command, 300, "credential_process of x");
    EXPECT_LT(std::chrono::steady_clock::now() - start, bound) << command;
    EXPECT_EQ(c.status().code(), Code::kTimeout) << c.status().toString();
    EXPECT_NE(c.status().message().find("credential_process of x: sh gave no answer within 300 ms"),
              std::string::npos)
        << c.status().message();
    EXPECT_EQ(c.status().message().find("sleep"), std::string::npos) << c.status().message();
  };
  within("sh -c \"exec >&- 2>&-; sleep 3600\"", std::chrono::seconds(3));

  const std::string pid_file = scripts.path("pid");
  for (const char* closes_output : {"exec >&- 2>&-; ", ""}) {
    std::filesystem::remove(pid_file);
    within(
        std::string("sh -c '") + closes_output + "sleep 3600 & echo $! > " + pid_file + "; wait'",
        std::chrono::seconds(3));
    pid_t child = 0;
    std::ifstream(pid_file) >> child;
    ASSERT_GT(child, 0) << "no pid in " << pid_file;
    EXPECT_TRUE(gone(child)) << "sleep " << child << " outlived the timeout (" << closes_output
                             << ")";
    if (running(child)) ::kill(child, SIGKILL);
  }
}

}  // namespace
}  // namespace barrier
