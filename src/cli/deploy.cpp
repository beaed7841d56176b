// `barrier deploy`, `barrier info`, `barrier destroy`: assembly.yaml to a
// protected CloudFront distribution (docs/ARCHITECTURE.md, "Deploying to AWS";
// src/deploy/deployer.h).
// Progress goes to stderr, the result (the reference table or --json) to
// stdout; any failure is a CliError with a non-zero exit code.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "adapters/aws_client.h"
#include "adapters/aws_credentials.h"
#include "adapters/curl_http_client.h"
#include "adapters/system.h"
#include "cli/command.h"
#include "deploy/deployer.h"
#include "deploy/permissions.h"

namespace barrier::cli {
namespace {

struct CommonArgs {
  std::string file = "assembly.yaml";
  bool json = false;
};

struct DeployArgs {
  bool dry_run = false;
  bool print_policy = false;
  bool rotate = false;
  std::string manager_zip;
  std::string checker_code;
  std::string edge_dir;
  std::string wasm;
  std::string templates;
  int poll_seconds = 5;
};

Assembly loadOrThrow(const std::string& file) {
  auto assembly = loadAssembly(file);
  if (!assembly) throw CliError(assembly.status().message(), 2);
  return std::move(assembly).value();
}

// One AwsClient for every call: the barrier region by default, credentials
// from the assembly's profile through the standard chain.
std::unique_ptr<AwsClient> makeClient(const Assembly& assembly) {
  AwsClientDeps deps;
  deps.http = std::shared_ptr<HttpClient>(makeCurlHttpClient().release());
  CredentialChainOptions chain;
  chain.profile = assembly.aws_profile;
  chain.http = deps.http;
  deps.credentials =
      std::shared_ptr<CredentialsProvider>(makeDefaultCredentialChain(chain).release());
  AwsClientOptions options;
  options.region = assembly.region;
  options.attempt_timeout_ms = 30000;
  options.total_budget_ms = 120000;
  return std::make_unique<AwsClient>(options, deps);
}

std::string selfPath() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("barrier") : self.string();
}

void printInfo(const BarrierInfo& info, bool json) {
  if (json) {
    std::printf("%s\n", formatInfoJson(info).c_str());
  } else {
    std::printf("%s", formatInfoTable(info).c_str());
  }
  std::fflush(stdout);
}

void runDeploy(const CommonArgs& common, const DeployArgs& args) {
  Assembly assembly = loadOrThrow(common.file);
  if (args.print_policy) {  // no AWS call
    std::printf("%s", deployPolicyJson(assembly).c_str());
    return;
  }
  if (args.manager_zip.empty() != args.checker_code.empty()) {
    throw CliError("--manager-zip and --checker-code go together (prebuilt packages)", 2);
  }
  std::unique_ptr<Packager> packager =
      args.manager_zip.empty() ? makeCommandPackager({selfPath(), args.edge_dir, args.wasm})
                               : makePrebuiltPackager(args.manager_zip, args.checker_code);
  auto client = makeClient(assembly);
  auto random = makeOsRandom();
  Deployer deployer(assembly, *client, *packager, TemplateSource(args.templates), *random, stderr);
  DeployOptions options;
  options.dry_run = args.dry_run;
  options.rotate_signing_key = args.rotate;
  options.poll_ms = args.poll_seconds * 1000;
  auto report = deployer.deploy(options);
  if (!report) throw CliError("deploy failed: " + report.status().message());
  if (report->complete) printInfo(report->info, common.json);
}

void runInfo(const CommonArgs& common) {
  Assembly assembly = loadOrThrow(common.file);
  auto client = makeClient(assembly);
  auto random = makeOsRandom();
  auto packager = makePrebuiltPackager("", "");
  Deployer deployer(assembly, *client, *packager, TemplateSource(), *random, stderr);
  auto info = deployer.info();
  if (!info) throw CliError(info.status().message());
  printInfo(*info, common.json);
}

void runDestroy(const CommonArgs& common, bool delete_data, int poll_seconds) {
  Assembly assembly = loadOrThrow(common.file);
  auto client = makeClient(assembly);
  auto random = makeOsRandom();
  auto packager = makePrebuiltPackager("", "");
  Deployer deployer(assembly, *client, *packager, TemplateSource(), *random, stderr);
  DestroyOptions options;
  options.delete_data = delete_data;
  options.poll_ms = poll_seconds * 1000;
  if (Status s = deployer.destroy(options); !s) throw CliError("destroy failed: " + s.message());
}

CommandRegistrar deploy_reg(
    "deploy",
    [](CLI::App& app) {
      auto common = std::make_shared<CommonArgs>();
      auto args = std::make_shared<DeployArgs>();
      auto* cmd = app.add_subcommand(
          "deploy", "Deploy to AWS from assembly.yaml (both stacks, CloudFront wiring)");
      cmd->add_option("-f,--file", common->file, "Assembly file")->capture_default_str();
      cmd->add_flag("--dry-run", args->dry_run, "Validate and print the plan; change nothing");
      cmd->add_flag("--print-policy", args->print_policy,
                    "Print the IAM policy the deploying identity needs (deploy and destroy); "
                    "call nothing");
      cmd->add_flag("--json", common->json, "Print the result as JSON");
      cmd->add_flag("--rotate-signing-key", args->rotate,
                    "Rotate the session-signing key in two runs: the first adds a key every "
                    "function verifies, the second (once CloudFront has deployed) makes it sign");
      cmd->add_option("--manager-zip", args->manager_zip,
                      "Prebuilt manager zip (with --checker-code)")
          ->group("Advanced");
      cmd->add_option("--checker-code", args->checker_code,
                      "Folder with the checker's code (handler.mjs, barrier_checker.wasm); "
                      "config.json is added")
          ->group("Advanced");
      cmd->add_option("--edge-dir", args->edge_dir, "Passed to `barrier package checker`")
          ->group("Advanced");
      cmd->add_option("--wasm", args->wasm, "Passed to `barrier package checker`")
          ->group("Advanced");
      cmd->add_option("--templates", args->templates,
                      "Folder with the templates (default: built in)")
          ->group("Advanced");
      cmd->add_option("--poll-seconds", args->poll_seconds, "Seconds between stack status polls")
          ->capture_default_str()
          ->group("Advanced");
      cmd->callback([common, args] { runDeploy(*common, *args); });
    },
    30);

CommandRegistrar info_reg(
    "info",
    [](CLI::App& app) {
      auto common = std::make_shared<CommonArgs>();
      auto* cmd =
          app.add_subcommand("info", "Print the deployed barrier's origin and checker version");
      cmd->add_option("-f,--file", common->file, "Assembly file")->capture_default_str();
      cmd->add_flag("--json", common->json, "Print the result as JSON");
      cmd->callback([common] { runInfo(*common); });
    },
    31);

CommandRegistrar destroy_reg(
    "destroy",
    [](CLI::App& app) {
      auto common = std::make_shared<CommonArgs>();
      auto delete_data = std::make_shared<bool>(false);
      auto poll = std::make_shared<int>(5);
      auto* cmd = app.add_subcommand("destroy", "Remove the CloudFront wiring and both stacks");
      cmd->add_option("-f,--file", common->file, "Assembly file")->capture_default_str();
      cmd->add_flag("--delete-data", *delete_data,
                    "Also delete the session table and the signing keys");
      cmd->add_option("--poll-seconds", *poll, "Seconds between stack status polls")
          ->group("Advanced");
      cmd->callback([common, delete_data, poll] { runDestroy(*common, *delete_data, *poll); });
    },
    32);

}  // namespace
}  // namespace barrier::cli
