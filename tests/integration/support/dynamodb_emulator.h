// Local DynamoDB stand-ins for integration tests: dynalite (npm, run with
// node from the repository's node_modules) and moto_server (Python). Each is
// started on a free loopback port, waited for (TCP accept against a
// deadline), and stopped — its whole process group — when the object dies,
// even if the test failed.
#pragma once

#include <sys/types.h>

#include <string>

namespace barrier::testing {

enum class EmulatorKind { kDynalite, kMoto };
const char* emulatorName(EmulatorKind kind);

class DynamoDbEmulator {
 public:
  // Does not start anything; call start().
  explicit DynamoDbEmulator(EmulatorKind kind);
  ~DynamoDbEmulator();
  DynamoDbEmulator(const DynamoDbEmulator&) = delete;
  DynamoDbEmulator& operator=(const DynamoDbEmulator&) = delete;

  // Why the emulator cannot run here ("" when it can): node_modules/dynalite
  // or moto_server missing. Tests GTEST_SKIP with this message, which starts
  // with "needs <tool>" (scripts/skip-report.py checks that tool).
  std::string unavailableReason() const;

  // Starts on a free port (or the port of a previous start(), so a restart
  // keeps the endpoint). dynalite keeps its data on disk across restarts.
  // False when it did not accept connections within the deadline.
  bool start();
  // Kills the process group and waits for it.
  void stop();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  EmulatorKind kind_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string data_dir_;
};

// A free TCP port on 127.0.0.1 (bound then released).
int freeLoopbackPort();
// True when 127.0.0.1:port accepts a connection within `timeout_ms`.
bool waitForPort(int port, int timeout_ms);

// The python3 that imports boto3: `python3` on PATH when it does, else
// Debian's /usr/bin/python3 (python3-boto3); "" when neither does.
const std::string& boto3Python();
// True when boto3Python() found one.
bool boto3Available();
// Why boto3 tests skip when boto3Available() is false.
inline constexpr const char* kNeedsBoto3 = "needs python3:boto3 (apt-get install python3-boto3)";
// Runs boto3Python() with `script` (env carries endpoint and dummy
// credentials); returns its stdout, or sets ok=false.
std::string runPython(const std::string& script, const std::string& endpoint, bool& ok);

}  // namespace barrier::testing
