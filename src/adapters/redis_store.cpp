#include "adapters/redis_store.h"

#include <hiredis/hiredis.h>

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "core/config/redis_url.h"
#include "core/mutex.h"
#include "core/session/record_claims.h"

namespace barrier {

namespace {

// Error codes the store acts on (the first word of an error reply).
constexpr std::string_view kWrongType = "WRONGTYPE";
constexpr std::string_view kReadOnly = "READONLY";

constexpr char kRecordPrefix[] = "barrier:s:";
constexpr char kUserPrefix[] = "barrier:u:";
constexpr char kSidPrefix[] = "barrier:p:";

// Creates the record unless its key exists; indexes sessions by sub and by
// the provider's sid; sets the housekeeping expiry. KEYS: record, user set,
// sid set ('' for none). ARGV: valid_until, key, then field/value pairs.
constexpr char kPutNewScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIREAT', KEYS[1], ARGV[1])
for i = 2, 3 do
  if KEYS[i] ~= '' then
    redis.call('SADD', KEYS[i], ARGV[2])
    local want = tonumber(ARGV[1]) - tonumber(redis.call('TIME')[1])
    if want > 0 and redis.call('TTL', KEYS[i]) < want then redis.call('EXPIRE', KEYS[i], want) end
  end
end
return 1
)lua";

// Reads and deletes the record, and drops it from its user's and its sid's
// sets; a removal (not a take) announces the key on the revocation channel.
// KEYS: record. ARGV: key, user-set prefix, channel or '', sid-set prefix.
constexpr char kTakeScript[] = R"lua(
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return fields end
redis.call('DEL', KEYS[1])
if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[3], ARGV[1]) end
for i = 1, #fields, 2 do
  if fields[i + 1] ~= '' then
    if fields[i] == 'sub' then redis.call('SREM', ARGV[2] .. fields[i + 1], ARGV[1]) end
    if fields[i] == 'sid' then redis.call('SREM', ARGV[4] .. fields[i + 1], ARGV[1]) end
  end
end
return fields
)lua";

// Deletes every session of a user, announcing each key on the revocation
// channel. KEYS: user set. ARGV: sub, record prefix, channel.
constexpr char kRemoveUserScript[] = R"lua(
local n = 0
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local rec = ARGV[2] .. key
  local kind = redis.call('HGET', rec, 'kind')
  if kind == 'session' and redis.call('HGET', rec, 'sub') == ARGV[1] then
    n = n + redis.call('DEL', rec)
    redis.call('PUBLISH', ARGV[3], key)
  end
end
redis.call('DEL', KEYS[1])
return n
)lua";

// Deletes the sessions of a provider's sid (of that sub only, when ARGV[1]
// is not ''), announcing each key on the revocation channel; a session of
// another sub keeps its place in the set. KEYS: sid set. ARGV: sub or '',
// record prefix, channel, sid.
constexpr char kRemoveSidScript[] = R"lua(
local n = 0
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local rec = ARGV[2] .. key
  local kind, sub, sid = unpack(redis.call('HMGET', rec, 'kind', 'sub', 'sid'))
  if kind == 'session' and sid == ARGV[4] and (ARGV[1] == '' or sub == ARGV[1]) then
    n = n + redis.call('DEL', rec)
    redis.call('SREM', KEYS[1], key)
    redis.call('PUBLISH', ARGV[3], key)
  elseif sid ~= ARGV[4] then
    redis.call('SREM', KEYS[1], key)
  end
end
return n
)lua";

// Sets last_seen of a session record that exists (never creates one: a
// record removed meanwhile stays removed). KEYS: record. ARGV: last_seen.
constexpr char kTouchScript[] = R"lua(
if redis.call('HGET', KEYS[1], 'kind') ~= 'session' then return 0 end
redis.call('HSET', KEYS[1], 'last_seen', ARGV[1])
return 1
)lua";

using Reply = RedisReply;
using Context = std::unique_ptr<RedisConnection>;

std::string field(const std::vector<std::pair<std::string, std::string>>& fields,
                  std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return v;
  }
  return {};
}

// At most 18 digits (as the DynamoDB codec): no overflow, and far past any
// time a record holds.
bool parseInt64(const std::string& text, int64_t& out) {
  if (text.empty() || text.size() > 19 || (text[0] != '-' && text.size() > 18)) return false;
  int64_t n = 0;
  size_t i = text[0] == '-' ? 1 : 0;
  if (i == text.size()) return false;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    n = n * 10 + (text[i] - '0');
  }
  out = text[0] == '-' ? -n : n;
  return true;
}

std::vector<std::string> recordFields(const SessionRecord& r) {
  nlohmann::json groups = r.groups;
  return {"kind",          recordKindName(r.kind),
          "valid_until",   std::to_string(r.valid_until),
          "created_at",    std::to_string(r.created_at),
          "sub",           r.sub,
          "username",      r.username,
          "email",         r.email,
          "groups",        groups.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
          "secret",        r.secret,
          "code_verifier", r.code_verifier,
          "nonce",         r.nonce,
          "path",          r.path,
          "claims",        encodeRecordClaims(r.claims),
          "last_seen",     std::to_string(r.last_seen),
          "sid",           r.sid};
}

// A flat [field, value, ...] reply -> record. A record that does not parse
// is an error (503), never a guess: it must not let anyone in.
Result<std::optional<SessionRecord>> recordFromReply(std::string_view key,
                                                     const redisReply* reply) {
  if (reply->type != REDIS_REPLY_ARRAY) return Status::internal("redis: unexpected reply type");
  if (reply->elements == 0) return std::optional<SessionRecord>();
  std::vector<std::pair<std::string, std::string>> fields;
  for (size_t i = 0; i + 1 < reply->elements; i += 2) {
    const redisReply* k = reply->element[i];
    const redisReply* v = reply->element[i + 1];
    if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) {
      return Status::internal("redis: malformed record");
    }
    fields.emplace_back(std::string(k->str, k->len), std::string(v->str, v->len));
  }
  SessionRecord r;
  r.key = std::string(key);
  if (!parseRecordKind(field(fields, "kind"), r.kind) ||
      !parseInt64(field(fields, "valid_until"), r.valid_until) ||
      !parseInt64(field(fields, "created_at"), r.created_at)) {
    return Status::internal("redis: malformed record (kind or times)");
  }
  r.sub = field(fields, "sub");
  r.username = field(fields, "username");
  r.email = field(fields, "email");
  std::string groups_text = field(fields, "groups");
  if (!groups_text.empty()) {
    auto groups = nlohmann::json::parse(groups_text, nullptr, false);
    if (!groups.is_array()) return Status::internal("redis: malformed record (groups)");
    for (const auto& g : groups) {
      if (!g.is_string()) return Status::internal("redis: malformed record (groups)");
      r.groups.push_back(g.get<std::string>());
    }
  }
  r.secret = field(fields, "secret");
  r.code_verifier = field(fields, "code_verifier");
  r.nonce = field(fields, "nonce");
  r.path = field(fields, "path");
  r.sid = field(fields, "sid");
  if (!decodeRecordClaims(field(fields, "claims"), r.claims)) {
    return Status::internal("redis: malformed record (claims)");
  }
  // Absent in records written before the idle timeout existed.
  std::string last_seen = field(fields, "last_seen");
  if (!last_seen.empty() && !parseInt64(last_seen, r.last_seen)) {
    return Status::internal("redis: malformed record (last_seen)");
  }
  return std::optional<SessionRecord>(std::move(r));
}

class RedisStore : public SessionStore {
 public:
  // `tls`: set exactly when the URL is rediss:// (or rediss-sentinel://).
  RedisStore(RedisTarget target, RedisStoreOptions options, std::shared_ptr<const RedisTls> tls)
      : target_(std::move(target)), options_(std::move(options)), tls_(std::move(tls)) {}

  Result<std::optional<SessionRecord>> get(std::string_view key) override {
    Result<Reply> reply = run({"HGETALL", recordKey(key)});
    if (!reply.isOk()) return reply.status();
    return recordFromReply(key, reply->get());
  }

  Status putNew(const SessionRecord& record) override {
    bool session = record.kind == RecordKind::kSession;
    std::string user_set = session && !record.sub.empty() ? kUserPrefix + record.sub : "";
    std::string sid_set = session && !record.sid.empty() ? kSidPrefix + record.sid : "";
    std::vector<std::string> args = {"EVAL",
                                     kPutNewScript,
                                     "3",
                                     recordKey(record.key),
                                     user_set,
                                     sid_set,
                                     std::to_string(record.valid_until),
                                     record.key};
    for (auto& f : recordFields(record)) args.push_back(std::move(f));
    Result<Reply> reply = run(args);
    if (!reply.isOk()) return reply.status();
    if ((*reply)->type != REDIS_REPLY_INTEGER)
      return Status::internal("redis: unexpected reply to putNew");
    if ((*reply)->integer == 0) return Status::alreadyExists("record exists");
    return Status::ok();
  }

  Result<std::optional<SessionRecord>> take(std::string_view key) override {
    Result<Reply> reply = run(
        {"EVAL", kTakeScript, "1", recordKey(key), std::string(key), kUserPrefix, "", kSidPrefix});
    if (!reply.isOk()) return reply.status();
    return recordFromReply(key, reply->get());
  }

  // The take script deletes the record (and its user-index entry) before
  // answering with its fields: whether those decode does not matter here, so
  // a malformed record can be removed too.
  Status remove(std::string_view key) override {
    Result<Reply> reply = run({"EVAL", kTakeScript, "1", recordKey(key), std::string(key),
                               kUserPrefix, kRedisRevokedChannel, kSidPrefix});
    if (!reply.isOk() && reply.status().hasReason(kWrongType)) {
      // Not even a hash (nothing barrier wrote): no user index to update.
      reply = run({"DEL", recordKey(key)});
    }
    return reply.isOk() ? Status::ok() : reply.status();
  }

  Result<size_t> removeUser(std::string_view sub) override {
    Result<Reply> reply = run({"EVAL", kRemoveUserScript, "1", kUserPrefix + std::string(sub),
                               std::string(sub), kRecordPrefix, kRedisRevokedChannel});
    if (!reply.isOk()) return reply.status();
    if ((*reply)->type != REDIS_REPLY_INTEGER) return Status::internal("redis: unexpected reply");
    return static_cast<size_t>((*reply)->integer);
  }

  Result<size_t> removeProviderSession(std::string_view sid, std::string_view sub) override {
    if (sid.empty()) return static_cast<size_t>(0);
    Result<Reply> reply =
        run({"EVAL", kRemoveSidScript, "1", kSidPrefix + std::string(sid), std::string(sub),
             kRecordPrefix, kRedisRevokedChannel, std::string(sid)});
    if (!reply.isOk()) return reply.status();
    if ((*reply)->type != REDIS_REPLY_INTEGER) return Status::internal("redis: unexpected reply");
    return static_cast<size_t>((*reply)->integer);
  }

  Status touch(std::string_view key, int64_t last_seen) override {
    Result<Reply> reply =
        run({"EVAL", kTouchScript, "1", recordKey(key), std::to_string(last_seen)});
    return reply.isOk() ? Status::ok() : reply.status();
  }

  Result<RecordList> list(size_t limit) override {
    RecordList out;
    std::string cursor = "0";
    do {
      Result<Reply> reply =
          run({"SCAN", cursor, "MATCH", std::string(kRecordPrefix) + "*", "COUNT", "200"});
      if (!reply.isOk()) return reply.status();
      const redisReply* r = reply->get();
      if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
          r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
        return Status::internal("redis: unexpected SCAN reply");
      }
      cursor.assign(r->element[0]->str, r->element[0]->len);
      const redisReply* keys = r->element[1];
      for (size_t i = 0; i < keys->elements && out.size() < limit; ++i) {
        std::string_view full(keys->element[i]->str, keys->element[i]->len);
        std::string_view key = full.substr(sizeof(kRecordPrefix) - 1);
        Result<std::optional<SessionRecord>> record = get(key);
        if (!record.isOk() && record.status().code() == Code::kInternal) {
          out.unreadable.emplace_back(key);  // does not decode
        } else if (!record.isOk()) {
          return record.status();
        } else if (record->has_value()) {
          out.records.push_back(std::move(**record));  // gone meanwhile: skip
        }
      }
    } while (cursor != "0" && out.size() < limit);
    return out;
  }

  Status ping() override {
    Result<Reply> reply = run({"PING"});
    return reply.isOk() ? Status::ok() : reply.status();
  }

 private:
  // A subscriber's connection is made as the pool's are.
  friend Result<std::unique_ptr<RedisConnection>> barrier::openRedisConnection(
      const std::string& url, const RedisStoreOptions& options);

  static std::string recordKey(std::string_view key) { return kRecordPrefix + std::string(key); }

  // A pooled connection, or a new one (connected, authenticated, db selected).
  // A pooled one the server has closed meanwhile (a restart, or sentinels
  // disconnecting clients after a failover) is dropped, not used: a command
  // sent on it would fail although it never reached the server.
  Result<Context> acquire() {
    while (true) {
      Context c;
      {
        MutexLock lock(mu_);
        if (idle_.empty()) break;
        c = std::move(idle_.back());
        idle_.pop_back();
      }
      if (c->reusable()) return c;
    }
    return connect();
  }

  void release(Context c) {
    MutexLock lock(mu_);
    if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(c));
  }

  // A connection to the server, or in sentinel mode to the master the first
  // answering sentinel names (and that says it is the master: a sentinel
  // may not have seen a failover yet).
  Result<Context> connect() {
    if (target_.sentinels.empty()) return connectTo(target_.host, target_.port);
    std::string tried;
    for (const RedisHostPort& sentinel : target_.sentinels) {
      std::string where = sentinel.host + ":" + std::to_string(sentinel.port);
      tried += (tried.empty() ? "" : "; ") + where;
      Result<Context> asked = open(sentinel.host, sentinel.port);
      if (!asked.isOk()) {
        tried += " " + asked.status().message();
        continue;
      }
      Result<Reply> named =
          command(asked->get(), {"SENTINEL", "get-master-addr-by-name", target_.master_name});
      const redisReply* r = named.isOk() ? named->get() : nullptr;
      if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
          r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING) {
        tried += " knows no master " + target_.master_name;
        continue;
      }
      RedisHostPort master;
      master.host.assign(r->element[0]->str, r->element[0]->len);
      if (!parseRedisNumber(std::string_view(r->element[1]->str, r->element[1]->len), 65535,
                            master.port)) {
        tried += " named a master with a bad port";
        continue;
      }
      Result<Context> c = connectTo(master.host, master.port);
      if (!c.isOk()) {
        tried += " named " + master.host + ":" + std::to_string(master.port) + ": " +
                 c.status().message();
        continue;
      }
      Result<Reply> role = command(c->get(), {"ROLE"});
      const redisReply* rr = role.isOk() ? role->get() : nullptr;
      if (rr != nullptr && rr->type == REDIS_REPLY_ARRAY && rr->elements > 0 &&
          rr->element[0]->type == REDIS_REPLY_STRING &&
          std::string_view(rr->element[0]->str, rr->element[0]->len) == "master") {
        return c;
      }
      tried += " named " + master.host + ":" + std::to_string(master.port) + ", not a master";
    }
    return Status::unavailable("redis: no sentinel named a master " + target_.master_name + " (" +
                               tried + ")");
  }

  // A connected socket (with TLS, verified) with the command timeout set.
  Result<Context> open(const std::string& host, int port) {
    return RedisConnection::open({host, port, target_.unix_path}, tls_,
                                 {options_.connect_timeout_ms, options_.command_timeout_ms});
  }

  // open(), then AUTH and SELECT as configured.
  Result<Context> connectTo(const std::string& host, int port) {
    Result<Context> opened = open(host, port);
    if (!opened.isOk()) return opened.status();
    Context c = std::move(*opened);
    if (!target_.password.empty()) {
      std::vector<std::string> auth = {"AUTH"};
      if (!target_.user.empty()) auth.push_back(target_.user);
      auth.push_back(target_.password);
      Result<Reply> reply = command(c.get(), auth);
      if (!reply.isOk()) {
        // A lost connection says why (a TLS refusal surfaces here); a
        // refusal by the server gives its code only.
        const Status& s = reply.status();
        return s.reason().empty() ? s : Status(s.code(), "redis: AUTH failed (" + s.reason() + ")");
      }
    }
    if (target_.db != 0) {
      Result<Reply> reply = command(c.get(), {"SELECT", std::to_string(target_.db)});
      if (!reply.isOk()) return reply.status();
    }
    return c;
  }

  // One command on one connection. An exchange that fails marks the
  // connection failed (never pooled again); a Redis error reply is
  // kUnavailable too, but for WRONGTYPE (kInternal).
  static Result<Reply> command(RedisConnection* c, const std::vector<std::string>& args) {
    Result<Reply> sent = c->command(args);
    if (!sent.isOk()) {
      return Status(sent.status().code(), sent.status().message() + " (" + args.front() + ")");
    }
    Reply reply = std::move(*sent);
    if (reply->type == REDIS_REPLY_ERROR) {
      std::string_view text(reply->str, reply->len);
      // An error reply starts with its code ("WRONGTYPE Operation against
      // ...", "READONLY You can't write ..."): the Status's reason.
      std::string code(text.substr(0, text.find(' ')));
      std::string error = "redis: " + args.front() + ": " + std::string(text);
      // A key holding another type is damaged data, like a malformed
      // record (kInternal); other errors are the server's.
      Code kind = code == kWrongType ? Code::kInternal : Code::kUnavailable;
      return Status(kind, std::move(error), std::move(code));
    }
    return reply;
  }

  Result<Reply> run(const std::vector<std::string>& args) {
    Result<Context> c = acquire();
    if (!c.isOk()) return c.status();
    Result<Reply> reply = command(c->get(), args);
    if (!reply.isOk() && isDemoted(reply.status())) {
      // A failover made our server a replica: every pooled connection
      // points at it. Start over with the master the sentinels name now.
      {
        MutexLock lock(mu_);
        idle_.clear();
      }
      c = connect();
      if (!c.isOk()) return c.status();
      reply = command(c->get(), args);
    }
    // Only a healthy connection goes back: after an I/O error or timeout the
    // stream may hold a late reply that would answer the next command.
    if (!(*c)->failed() && (reply.isOk() || !isDemoted(reply.status()))) release(std::move(*c));
    return reply;
  }

  // "READONLY You can't write against a read only replica."
  static bool isDemoted(const Status& status) { return status.hasReason(kReadOnly); }

  const RedisTarget target_;
  const RedisStoreOptions options_;
  const std::shared_ptr<const RedisTls> tls_;
  Mutex mu_;
  std::vector<Context> idle_ GUARDED_BY(mu_);
};

// The store for `url`, with its TLS context when the URL asks for TLS (the
// files are read here, so a missing CA file stops the start, not a request).
Result<std::unique_ptr<RedisStore>> makeStoreFor(const std::string& url,
                                                 const RedisStoreOptions& options) {
  Result<RedisTarget> target = parseRedisUrl(url);
  if (!target.isOk()) return target.status();
  std::shared_ptr<const RedisTls> tls;
  if (target->tls) {
    Result<std::shared_ptr<const RedisTls>> made = makeRedisTls(options.tls);
    if (!made.isOk()) return made.status();
    tls = std::move(*made);
  }
  return std::make_unique<RedisStore>(std::move(*target), options, std::move(tls));
}

}  // namespace

Result<std::unique_ptr<RedisConnection>> openRedisConnection(const std::string& url,
                                                             const RedisStoreOptions& options) {
  Result<std::unique_ptr<RedisStore>> store = makeStoreFor(url, options);
  if (!store.isOk()) return store.status();
  return (*store)->connect();
}

Result<std::unique_ptr<SessionStore>> makeRedisStore(const std::string& url,
                                                     const RedisStoreOptions& options) {
  Result<std::unique_ptr<RedisStore>> store = makeStoreFor(url, options);
  if (!store.isOk()) return store.status();
  return std::unique_ptr<SessionStore>(std::move(*store));
}

}  // namespace barrier
