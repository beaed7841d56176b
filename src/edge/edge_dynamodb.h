// The edge checker's one store read: DynamoDB GetItem, built and signed
// inside the WebAssembly module (DESIGN §2) and carried out by the host.
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

#include <nlohmann/json.hpp>

#include "core/aws/sigv4.h"
#include "core/config/config.h"
#include "core/ports/crypto.h"
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

// Parses {"accessKeyId":..,"secretAccessKey":..,"sessionToken":..,
// "region":..}. Missing fields are empty; only a non-object is an error.
// Incomplete credentials are accepted here and refused per request (503),
// so a misconfigured function fails closed instead of failing to start.
Result<EdgeCredentials> parseEdgeCredentials(std::string_view text);

// Every GetItem gets this long, connect included: a viewer-request function
// has 5 s in all, and a slow answer is better turned into a quick 503.
inline constexpr int kEdgeFetchTimeoutMs = 2000;

// The host's instruction for reading `key`:
//   {"method":"POST","url":"https://dynamodb.<region>.amazonaws.com/",
//    "headers":{"Host":..,"Content-Type":..,"X-Amz-Target":..,"X-Amz-Date":..,
//               ["X-Amz-Security-Token":..,] "Authorization":..},
//    "body":"<GetItem JSON>","timeout_ms":2000,"ticket":N}
// The host must send exactly these headers (Host included: it is signed).
// Fails on incomplete credentials, a missing region or a bad endpoint URL.
Result<nlohmann::json> edgeGetItemFetch(const StoreConfig& store, const EdgeCredentials& creds,
                                        std::string_view key, uint32_t ticket, int64_t now,
                                        Crypto& crypto);

// The host's report: {"status":N,"body":"..."} for any HTTP answer, or
// {"error":"<text>"} when none came (refused, DNS, TLS, timeout). Only a
// 200 with a well-formed body is an ok Result (the record, or nullopt when
// the table has no such item).
Result<std::optional<SessionRecord>> parseEdgeFetchAnswer(std::string_view text);

}  // namespace barrier
