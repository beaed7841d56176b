#include "proxy_example.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace barrier::testing {

namespace fs = std::filesystem;

namespace {

const char* binaryOf(ProxyKind kind) {
  return kind == ProxyKind::kNginx ? "/usr/sbin/nginx" : "/usr/bin/caddy";
}

const char* exampleOf(ProxyKind kind) {
  return kind == ProxyKind::kNginx ? "examples/nginx/barrier.conf" : "examples/caddy/Caddyfile";
}

// The example's server block inside a whole nginx.conf whose pid file,
// logs and temporary folders are below `dir`.
std::vector<std::string> writeNginxConfig(std::string example, const std::string& dir,
                                          uint16_t port) {
  example = std::regex_replace(example, std::regex("listen 80;"),
                               "listen 127.0.0.1:" + std::to_string(port) + ";");
  fs::create_directories(fs::path(dir) / "logs");
  std::string conf = "worker_processes 1;\n";
  conf += "pid " + dir + "/nginx.pid;\n";
  conf += "error_log " + dir + "/logs/error.log warn;\n";
  conf += "events { worker_connections 256; }\nhttp {\n  access_log off;\n";
  for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    conf += std::string("  ") + temp + "_temp_path " + dir + "/" + temp + ";\n";
  }
  conf += example + "\n}\n";
  std::ofstream(fs::path(dir) / "nginx.conf") << conf;
  std::vector<std::string> argv = {
      binaryOf(ProxyKind::kNginx),     "-p", dir, "-c", dir + "/nginx.conf", "-g",
      "daemon off; master_process on;"};
  if (::geteuid() == 0) argv.back() += " user root;";
  return argv;
}

// The example's site block for http://127.0.0.1:`port`, without Caddy's
// admin endpoint (a fixed port) or certificates; Caddy's own files go to
// `dir`, not the user's home.
std::vector<std::string> writeCaddyConfig(const std::string& example, const std::string& dir,
                                          uint16_t port) {
  std::string site =
      replaceAll(example, "www.example.com {", "http://127.0.0.1:" + std::to_string(port) + " {");
  std::ofstream(fs::path(dir) / "Caddyfile") << "{\n\tadmin off\n\tauto_https off\n}\n" << site;
  return {"env",
          "HOME=" + dir,
          "XDG_CONFIG_HOME=" + dir,
          "XDG_DATA_HOME=" + dir,
          binaryOf(ProxyKind::kCaddy),
          "run",
          "--adapter",
          "caddyfile",
          "--config",
          dir + "/Caddyfile"};
}

}  // namespace

const char* proxyName(ProxyKind kind) { return kind == ProxyKind::kNginx ? "nginx" : "caddy"; }

std::string proxyUnavailableReason(ProxyKind kind) {
  if (::access(binaryOf(kind), X_OK) == 0) return "";
  return std::string("needs ") + binaryOf(kind) + " (apt-get install " +
         (kind == ProxyKind::kNginx ? "nginx-light" : "caddy") + ")";
}

std::string exampleWithPorts(ProxyKind kind, uint16_t barrier_port, uint16_t app_port) {
  std::string text = readFile(std::string(BARRIER_SOURCE_DIR) + "/" + exampleOf(kind));
  if (text.empty()) return "";
  text = replaceAll(text, "127.0.0.1:8080", "127.0.0.1:" + std::to_string(barrier_port));
  return replaceAll(text, "127.0.0.1:3000", "127.0.0.1:" + std::to_string(app_port));
}

std::vector<std::string> writeProxyConfig(ProxyKind kind, const std::string& example,
                                          const std::string& dir, uint16_t port) {
  return kind == ProxyKind::kNginx ? writeNginxConfig(example, dir, port)
                                   : writeCaddyConfig(example, dir, port);
}

std::unique_ptr<ChildProcess> startProxyProcess(const std::vector<std::string>& argv,
                                                const std::string& dir, uint16_t port,
                                                std::string& failure) {
  // The program's name, past an `env NAME=value ...` prefix.
  std::string program = argv.front();
  for (const std::string& word : argv) {
    if (word != "env" && word.find('=') == std::string::npos) {
      program = word;
      break;
    }
  }
  auto proxy = std::make_unique<ChildProcess>(argv, dir + "/stdout.log", dir + "/stderr.log");
  // Generous: the proxy starts in well under a second, but a machine busy
  // with sanitized tests and other work has been seen to take 15 s.
  if (waitForListener(*proxy, port, 60000)) return proxy;
  // What the process is, if it is still there: the proxy itself or a child
  // that never reached it, and its state.
  std::string what = "exited";
  if (proxy->running()) {
    std::error_code ec;
    std::string pid = std::to_string(proxy->pid());
    what = "running " + fs::read_symlink("/proc/" + pid + "/exe", ec).string() +
           ", /proc stat: " + readFile("/proc/" + pid + "/stat");
  }
  failure = program + " did not listen on " + std::to_string(port) + " (" + what +
            "): " + readFile(dir + "/stderr.log");
  return nullptr;
}

void expectOnlyBarriersIdentity(const Headers& headers) {
  for (const Header& h : headers) {
    if (!isIdentityHeaderName(h.name)) continue;
    bool ours = false;
    for (const char* name : kIdentityHeaders) ours = ours || h.name == name;
    EXPECT_TRUE(ours) << h.name << ": " << h.value;
    EXPECT_EQ(h.value.find("mallory"), std::string::npos) << h.name;
    EXPECT_NE(h.value, "forged") << h.name;
  }
}

std::string expectIdentity(const Headers& headers, const std::string& user,
                           const std::string& groups, const std::string& email) {
  for (const char* name : kIdentityHeaders) {
    EXPECT_EQ(headers.getAll(name).size(), 1u) << name;
  }
  expectOnlyBarriersIdentity(headers);
  EXPECT_EQ(headers.get("X-Barrier-User"), user);
  EXPECT_EQ(headers.get("X-Barrier-Groups"), groups);
  EXPECT_EQ(headers.get("X-Barrier-Email"), email);
  return headers.get("X-Barrier-Session-Id");
}

std::string ProxyExampleTest::startBackends(ProxyKind kind, const std::string& dir_prefix) {
  app_ = std::make_unique<FakeUpstream>(
      [](const SeenRequest& request) { return FakeUpstream::ok("app: " + request.target); });
  GatewaySetup setup;
  setup.rules.push_back({"/admin/*", {"admins"}});
  setup.public_paths.push_back("/public/*");
  setup.server.shutdown_grace_ms = 2000;
  barrier_ = std::make_unique<InProcessGateway>(std::move(setup));
  if (!barrier_->ok()) {
    ADD_FAILURE() << barrier_->error();
    return "";
  }
  dir_ = makeTempDir(dir_prefix);
  if (dir_.empty()) {
    ADD_FAILURE() << "no temporary directory";
    return "";
  }
  port_ = freePort();
  std::string text = exampleWithPorts(kind, barrier_->port(), app_->port());
  if (text.empty()) ADD_FAILURE() << "cannot read the example for " << proxyName(kind);
  return text;
}

void ProxyExampleTest::startProxy(const std::vector<std::string>& argv) {
  std::string failure;
  proxy_ = startProxyProcess(argv, dir_, port_, failure);
  if (!proxy_) FAIL() << failure;
}

void ProxyExampleTest::TearDown() {
  proxy_.reset();  // SIGTERM to the whole process group, then SIGKILL
  barrier_.reset();
  app_.reset();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

}  // namespace barrier::testing
