#include "adapters/credential_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

extern char** environ;

namespace barrier {

namespace {

constexpr size_t kMaxOutput = 64 * 1024;

// A pipe's two ends, closed when it goes out of scope.
struct Pipe {
  int fds[2] = {-1, -1};
  ~Pipe() {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
  void closeEnd(int end) {
    if (fds[end] >= 0) ::close(fds[end]);
    fds[end] = -1;
  }
};

struct Finished {
  std::string out;
  std::string err;
  int status = -1;  // exit status; 128 + signal when killed
  bool timed_out = false;
  bool too_long = false;
};

// Whether the child should get a process group of its own. It does, so
// that a timeout kills whatever it started too, unless barrier runs in the
// foreground of a terminal: a process outside the terminal's foreground
// group is stopped (SIGTTIN) when it reads the terminal, and a tool may
// prompt there. Such a child stays in barrier's group and only it is
// killed; the wait is bounded all the same.
bool ownProcessGroup() {
  return !(::isatty(STDIN_FILENO) && ::tcgetpgrp(STDIN_FILENO) == ::getpgrp());
}

// Reads the child's stdout and stderr until both close, the output grows
// past kMaxOutput or the deadline passes.
void readOutput(Pipe& out, Pipe& err, std::chrono::steady_clock::time_point deadline, Finished& f) {
  while (out.fds[0] >= 0 || err.fds[0] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      f.timed_out = true;
      return;
    }
    pollfd fds[2] = {{out.fds[0], POLLIN, 0}, {err.fds[0], POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(left)) < 0 && errno != EINTR) return;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n <= 0) {
        (i == 0 ? out : err).closeEnd(0);
        continue;
      }
      std::string& into = i == 0 ? f.out : f.err;
      into.append(buffer, static_cast<size_t>(n));
      if (into.size() > kMaxOutput) f.too_long = true;
    }
    if (f.too_long) return;
  }
}

// Waits for the child to exit until the deadline (closing its output does
// not mean it has exited). true with its wait status, or false at the
// deadline with the child still running.
bool waitUntil(pid_t pid, std::chrono::steady_clock::time_point deadline, int& status) {
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    ::usleep(10 * 1000);
  }
}

// Collects the child's output and exit status within `timeout_ms`. On a
// timeout or too much output the child is killed with SIGKILL — with its
// whole process group when it has one (`group`), so that a grandchild
// holding the pipes or outliving it goes too — and then reaped. The kill
// comes before the reap: until then the pid, and so the group id, cannot
// be reused.
Finished collect(pid_t pid, bool group, Pipe& out, Pipe& err, int timeout_ms) {
  Finished f;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  readOutput(out, err, deadline, f);
  int status = 0;
  if (!f.timed_out && !f.too_long && !waitUntil(pid, deadline, status)) f.timed_out = true;
  if (f.timed_out || f.too_long) {
    ::kill(group ? -pid : pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  f.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return f;
}

std::string firstLine(std::string_view text) {
  text = text.substr(0, text.find('\n'));
  if (text.size() > 200) text = text.substr(0, 200);
  return std::string(text);
}

}  // namespace

Result<std::vector<std::string>> splitCommandLine(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == std::string_view::npos) return Status::invalid("unterminated ' in the command");
      word.append(line.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i == line.size()) return Status::invalid("unterminated \" in the command");
        if (line[i] == '"') break;
        if (line[i] == '\\' && i + 1 < line.size() &&
            std::string_view("\"\\$`").find(line[i + 1]) != std::string_view::npos) {
          ++i;
        }
        word += line[i];
      }
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) return Status::invalid("the command is empty");
  return words;
}

Result<AwsCredentials> parseProcessCredentials(std::string_view json, const std::string& source) {
  auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::unavailable(source + ": the output is not a JSON object");
  }
  auto version = doc.find("Version");
  if (version == doc.end() || !version->is_number_integer() || version->get<int64_t>() != 1) {
    return Status::unavailable(source + ": the output's Version is not 1");
  }
  auto field = [&](const char* name) -> std::string {
    auto it = doc.find(name);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
  };
  AwsCredentials c;
  c.access_key_id = field("AccessKeyId");
  c.secret_access_key = field("SecretAccessKey");
  c.session_token = field("SessionToken");
  c.source = source;
  if (!c.complete())
    return Status::unavailable(source + ": the output lacks AccessKeyId or SecretAccessKey");
  if (std::string expiration = field("Expiration"); !expiration.empty()) {
    if (!parseIso8601(expiration, c.expires_at)) {
      return Status::unavailable(source + ": unreadable Expiration");
    }
  }
  return c;
}

Result<AwsCredentials> credentialsFromProcess(std::string_view command_line, int timeout_ms,
                                              const std::string& source) {
  Result<std::vector<std::string>> words = splitCommandLine(command_line);
  if (!words) return Status::invalid(source + ": " + words.status().message());
  std::vector<char*> argv;
  for (std::string& w : *words) argv.push_back(w.data());
  argv.push_back(nullptr);

  Pipe out;
  Pipe err;
  if (::pipe2(out.fds, O_CLOEXEC) != 0 || ::pipe2(err.fds, O_CLOEXEC) != 0) {
    return Status::unavailable(source + ": cannot make a pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fds[1], 2);
  // Process group 0: the child leads a new group whose id is its pid.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  bool group = ownProcessGroup();
  if (group) {
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
  }
  pid_t pid = -1;
  int spawned = ::posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  out.closeEnd(1);
  err.closeEnd(1);
  if (spawned != 0) {
    return Status::unavailable(source + ": cannot run " + (*words)[0] + ": " +
                               std::strerror(spawned));
  }
  Finished f = collect(pid, group, out, err, timeout_ms);
  // Only the first word is named: later ones may hold secrets (tokens,
  // passwords passed as arguments).
  if (f.timed_out) {
    return Status::timeout(source + ": " + (*words)[0] + " gave no answer within " +
                           std::to_string(timeout_ms) + " ms (killed)");
  }
  if (f.too_long) return Status::unavailable(source + ": more than 64 KiB of output");
  if (f.status != 0) {
    std::string why = firstLine(f.err);
    return Status::unavailable(source + ": " + (*words)[0] + " exited with status " +
                               std::to_string(f.status) + (why.empty() ? "" : ": " + why));
  }
  return parseProcessCredentials(f.out, source);
}

}  // namespace barrier
