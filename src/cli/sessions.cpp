// `barrier sessions list [--json] [--limit N]`
// `barrier sessions revoke <key>`
// `barrier sessions revoke --user <sub>`
//
// Works on whatever store the configuration names (SQLite, Redis, DynamoDB,
// memory), through the same factory as the gateway. Keys are printed: they
// are SHA-256 hashes of cookie ids, useless as cookies. A login record's
// secret, PKCE verifier and nonce are never printed. A record the store
// cannot decode is listed by its key as `unreadable`, to be revoked.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "adapters/store_factory.h"
#include "adapters/yaml_config.h"
#include "cli/command.h"
#include "core/aws/sigv4.h"
#include "core/session/idle.h"

namespace barrier::cli {
namespace {

struct SessionsFlags {
  std::string config_path = "barrier.yaml";
  bool json = false;
  size_t limit = 1000;
  std::string key;
  std::string user;
};

std::unique_ptr<SessionStore> openStore(const SessionsFlags& flags) {
  Result<ValidConfig> config = loadConfigFile(flags.config_path);
  if (!config.isOk()) throw CliError(config.status().message(), 2);
  // Managing sessions never creates a store: an empty new database would
  // answer "0 sessions" (or "revoked 0") while the real ones stay live.
  if (config->store.type == StoreConfig::Type::kSqlite &&
      !std::filesystem::exists(config->store.path)) {
    throw CliError(flags.config_path + ": store.path " + config->store.path +
                       " does not exist (barrier serve creates it on its first start; a relative "
                       "path is read beside the configuration file)",
                   2);
  }
  auto store = makeStore(config->store);
  if (!store.isOk()) throw CliError(store.status().message());
  return std::move(*store);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

// Only what an operator needs; flow secrets stay out on purpose.
nlohmann::json recordJson(const SessionRecord& r, int64_t now) {
  nlohmann::json j = {{"key", r.key},
                      {"kind", recordKindName(r.kind)},
                      {"valid_until", r.valid_until},
                      {"created_at", r.created_at},
                      {"expired", r.valid_until <= now}};
  if (r.kind == RecordKind::kSession) {
    j["sub"] = r.sub;
    j["username"] = r.username;
    j["email"] = r.email;
    j["groups"] = r.groups;
    j["last_seen"] = IdlePolicy::lastActive(r);
    // The provider's session id (back-channel logout ends the sessions that
    // carry it); "" when the provider gave none.
    j["sid"] = r.sid;
  }
  return j;
}

void list(const SessionsFlags& flags) {
  auto store = openStore(flags);
  auto listed = store->list(flags.limit);
  if (!listed.isOk()) throw CliError(listed.status().message());
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (flags.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : listed->records) out.push_back(recordJson(r, now));
    for (const auto& key : listed->unreadable)
      out.push_back({{"key", key}, {"kind", "unreadable"}});
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("%-43s  %-10s  %-20s  %-20s  %-20s  %-36s  %s\n", "KEY", "KIND", "VALID UNTIL",
                "LAST SEEN", "USER", "PROVIDER SID", "GROUPS");
    for (const auto& r : listed->records) {
      std::string until = formatIso8601(r.valid_until) + (r.valid_until <= now ? "*" : "");
      bool session = r.kind == RecordKind::kSession;
      // A session never touched was last seen when it began.
      std::string seen = session ? formatIso8601(IdlePolicy::lastActive(r)) : "-";
      std::string user = session ? (r.username.empty() ? r.sub : r.username) : "-";
      std::string sid = session && !r.sid.empty() ? r.sid : "-";
      std::printf("%-43s  %-10s  %-20s  %-20s  %-20s  %-36s  %s\n", r.key.c_str(),
                  recordKindName(r.kind), until.c_str(), seen.c_str(), user.c_str(), sid.c_str(),
                  joined(r.groups).c_str());
    }
    for (const auto& key : listed->unreadable) {
      std::printf("%-43s  %-10s  %-20s  %-20s  %-20s  %s\n", key.c_str(), "unreadable", "-", "-",
                  "-", "-");
    }
  }
  std::fprintf(stderr, "%zu record(s)%s\n", listed->size(),
               listed->size() >= flags.limit ? " (limit reached; use --limit)" : "");
  if (!listed->unreadable.empty()) {
    std::fprintf(stderr,
                 "%zu unreadable: damaged, or not written by barrier; the checker never "
                 "accepts them (remove one with `barrier sessions revoke <key>`)\n",
                 listed->unreadable.size());
  }
}

void revoke(const SessionsFlags& flags) {
  if (flags.key.empty() == flags.user.empty()) {
    throw CliError("sessions revoke: give either a <key> or --user <sub>", 2);
  }
  auto store = openStore(flags);
  if (!flags.user.empty()) {
    auto n = store->removeUser(flags.user);
    if (!n.isOk()) throw CliError(n.status().message());
    std::printf("revoked %zu session(s) of %s\n", *n, flags.user.c_str());
    return;
  }
  // A record the store cannot read (malformed, or written by something
  // else) is still removed: revoking must not depend on decoding it.
  auto existing = store->get(flags.key);
  if (existing.isOk() && !existing->has_value()) {
    throw CliError("no record with key " + flags.key, 3);
  }
  if (Status s = store->remove(flags.key); !s) {
    throw CliError(existing.isOk() ? s.message()
                                   : existing.status().message() + "; " + s.message());
  }
  if (existing.isOk()) {
    std::printf("revoked %s\n", flags.key.c_str());
  } else {
    std::printf("revoked %s (its record could not be read: %s)\n", flags.key.c_str(),
                existing.status().message().c_str());
  }
}

CommandRegistrar reg(
    "sessions",
    [](CLI::App& app) {
      auto flags = std::make_shared<SessionsFlags>();
      auto* cmd = app.add_subcommand("sessions", "List or revoke sessions in the configured store");
      cmd->require_subcommand(1);
      cmd->add_option("-c,--config", flags->config_path, "Configuration file")
          ->capture_default_str();

      auto* ls = cmd->add_subcommand("list", "List sessions and login flows (keys are hashes)");
      ls->add_flag("--json", flags->json, "Print a JSON array");
      ls->add_option("--limit", flags->limit, "At most this many records")->capture_default_str();
      ls->add_option("-c,--config", flags->config_path, "Configuration file");
      ls->callback([flags] { list(*flags); });

      auto* rv = cmd->add_subcommand("revoke", "End one session by key, or all of a user's");
      rv->add_option("key", flags->key, "Store key of the session (from `sessions list`)");
      rv->add_option("--user", flags->user, "End every session of this subject (sub)");
      rv->add_option("-c,--config", flags->config_path, "Configuration file");
      rv->callback([flags] { revoke(*flags); });
    },
    40);

}  // namespace
}  // namespace barrier::cli
