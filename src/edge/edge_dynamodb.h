// The edge checker's one store read: DynamoDB GetItem, built and signed
// inside the WebAssembly module and carried out by the host
// (docs/ARCHITECTURE.md, "The edge checker").
//
// At the edge the module cannot open sockets, and the Node.js side must stay
// transport only (no AWS SDK: its load time would dominate a cold start). So
// the module turns "read key K" into a complete, SigV4-signed HTTP request —
// method, URL, headers, body — that the host sends verbatim, and turns the
// host's report of the answer (status and body, or a transport error) back
// into the store port's Result. Everything here is pure: the signature time
// and Crypto come from the caller.
//
// Failure model (fail closed): incomplete credentials, no region, a
// transport error, a non-200 status or a malformed body are all non-ok
// Results, which the checker answers with 503 — never a pass, never "absent".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/aws/sigv4.h"
#include "core/config/config.h"
#include "core/ports/crypto.h"
#include "core/ports/http_client.h"
#include "core/session/record.h"
#include "core/status.h"

namespace barrier {

// What the host told the module about its environment: the Lambda runtime's
// credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)
// and AWS_REGION, used when the configuration names no store.region.
// Holds secrets: never logged.
struct EdgeCredentials {
  AwsCredentials aws;
  std::string fallback_region;
};

// Every GetItem gets this long, connect included: a viewer-request function
// has 5 s in all, and a slow answer is better turned into a quick 503.
inline constexpr int kEdgeFetchTimeoutMs = 2000;

// The signed GetItem reading `key`: method, URL, headers (Host included:
// it is signed; the host must send exactly these), body and timeout.
// Fails on incomplete credentials, a missing region or a bad endpoint URL.
Result<HttpClientRequest> edgeGetItemFetch(const StoreConfig& store, const EdgeCredentials& creds,
                                           std::string_view key, int64_t now, Crypto& crypto);

// The signed UpdateItem that touches `key` (last_seen = `last_seen`, on the
// condition that the item is a session: session.idle_timeout). Its answer
// never changes a decision; fails as edgeGetItemFetch does.
Result<HttpClientRequest> edgeTouchFetch(const StoreConfig& store, const EdgeCredentials& creds,
                                         std::string_view key, int64_t last_seen, int64_t now,
                                         Crypto& crypto);

// The host's report of the fetch: the HTTP status and body of the answer,
// or `error` (refused, DNS, TLS, timeout) when none came. Only a 200 with a
// well-formed body is an ok Result (the record, or nullopt when the table
// has no such item).
struct EdgeFetchAnswer {
  int status = 0;  // 0: no answer, see error
  std::string_view body;
  std::string_view error;
};
Result<std::optional<SessionRecord>> parseEdgeFetchAnswer(const EdgeFetchAnswer& answer);

// Retries. DynamoDB asks a client to come back later with HTTP 429, a 5xx
// or a throttling code (ProvisionedThroughputExceededException,
// ThrottlingException, ...: isRetryableAwsError); AWS SDKs then retry, up
// to 3 attempts in all, after a jittered back-off, and so does the edge.
// Only an answer that says so is retried: no answer at all (refused,
// timeout) is not, the host having already retried a dead keep-alive
// socket, and neither is any attempt that would start more than
// kEdgeRetryWindowMs after the first: a viewer-request function has 5 s in
// all and each attempt may take kEdgeFetchTimeoutMs.
inline constexpr int kEdgeMaxAttempts = 3;
inline constexpr int kEdgeRetryWindowMs = 1000;
bool isRetryableEdgeAnswer(const EdgeFetchAnswer& answer);
// The wait before attempt `failures` + 1: half of 25 ms * 2^(failures - 1)
// plus up to as much again, picked by `seed` (the module has no random
// source; the clock's milliseconds spread containers well enough).
int edgeRetryDelayMs(int failures, uint32_t seed);

}  // namespace barrier
