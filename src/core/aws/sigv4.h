// AWS Signature Version 4: a pure signer. A request goes in, the same request
// with its signature (Authorization header or presigned query parameters)
// comes out. Hashing and MACs go through the Crypto port and the time is an
// explicit timestamp, so the signer runs unchanged natively, in tests with a
// fixed clock, and inside the WebAssembly checker at the edge.
//
// Path rules differ per service: most services normalise the path (remove
// "." and ".." segments, merge repeated slashes) and percent-encode it a
// second time for the canonical request; S3 does neither. SigV4Options says
// which applies; sigV4OptionsFor() picks the right defaults for a service.
//
// Not thread-affine: all functions are reentrant and keep no state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/http/message.h"
#include "core/ports/crypto.h"
#include "core/ports/http_client.h"
#include "core/status.h"

namespace barrier {

// A set of AWS credentials. Secret and token are secrets: never log them
// (the access key id may be logged masked).
struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  int64_t expires_at = 0;     // epoch seconds; 0 = does not expire
  std::string source;         // where they came from ("environment", ...), for messages

  bool complete() const { return !access_key_id.empty() && !secret_access_key.empty(); }
};

// The payload hash put into the canonical request.
enum class PayloadSigning {
  kHashed,    // hex SHA-256 of the body (what every JSON/query API expects)
  kUnsigned,  // the literal UNSIGNED-PAYLOAD (S3 uploads, presigned URLs)
};

struct SigV4Options {
  std::string region;     // e.g. "eu-west-1"
  std::string service;    // signing name, e.g. "dynamodb", "s3"
  int64_t timestamp = 0;  // epoch seconds of the signature (X-Amz-Date)
  // Remove dot segments and merge slashes before signing (all but S3).
  bool normalize_path = true;
  // Percent-encode the (already encoded) path once more (all but S3).
  bool double_encode_path = true;
  PayloadSigning payload = PayloadSigning::kHashed;
  // Add and sign an x-amz-content-sha256 header carrying the payload hash
  // (S3 requires it). Header signing only.
  bool content_sha256_header = false;
  // Attach the session token after signing instead of signing it (a few
  // services want this; the default signs it).
  bool omit_session_token = false;
  // Presigned requests only: X-Amz-Expires, seconds (1..604800).
  int64_t expires_in = 3600;
};

// Defaults for `service`: S3 gets no normalisation, no double encoding and
// the x-amz-content-sha256 header; every other service the standard rules.
SigV4Options sigV4OptionsFor(std::string_view service, std::string_view region, int64_t timestamp);

// The parts of a request SigV4 covers.
struct SigV4Request {
  std::string method = "GET";
  std::string path = "/";  // exactly as sent on the wire
  std::string query;       // raw, without '?'; any encoding, decoded once for signing
  Headers headers;         // must contain Host
  std::string body;
};

// The intermediate strings of one signature, for tests and debugging. They
// contain no secret (the session token, when signed, appears in the
// canonical request: do not log that one).
struct SigV4Result {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lowercase hex
};

// Header signing: sets X-Amz-Date, X-Amz-Security-Token (when the
// credentials carry one), x-amz-content-sha256 (when asked) and
// Authorization on `request.headers`, replacing earlier values so a request
// can be re-signed for a retry. Fails (kInvalidArgument) without a Host
// header, (kUnauthenticated) with incomplete credentials.
Result<SigV4Result> signHeaders(SigV4Request& request, const AwsCredentials& credentials,
                                const SigV4Options& options, Crypto& crypto);

// Presigning: appends X-Amz-Algorithm, -Credential, -Date, -Expires,
// -SignedHeaders, -Security-Token and -Signature to `request.query`.
// Headers are signed as they are (Host at least); none are added.
Result<SigV4Result> presignQuery(SigV4Request& request, const AwsCredentials& credentials,
                                 const SigV4Options& options, Crypto& crypto);

// Convenience for the HTTP client port: splits `request.url`, sets the Host
// header to the URL's authority and signs the headers in place. Only http
// and https URLs are accepted.
Result<SigV4Result> signHttpRequest(HttpClientRequest& request, const AwsCredentials& credentials,
                                    const SigV4Options& options, Crypto& crypto);

// Pieces of an absolute http(s) URL, as SigV4 and the AWS client need them.
struct UrlParts {
  std::string scheme;     // "http" | "https"
  std::string authority;  // host[:port], the port omitted when it is the default
  std::string path = "/";
  std::string query;  // without '?'
};
// false for anything that is not an absolute http(s) URL with a host.
bool splitUrl(std::string_view url, UrlParts& out);

// The canonical forms, exposed for tests and for the presigned-URL builders.
// AWS percent-encoding: everything but A-Z a-z 0-9 - . _ ~ becomes %XX
// (uppercase); '/' too unless `keep_slash`.
std::string awsUriEncode(std::string_view text, bool keep_slash);
std::string canonicalPath(std::string_view path, bool normalize, bool double_encode);
std::string canonicalQuery(std::string_view query);

// "20150830T123600Z" for epoch seconds (UTC).
std::string amzDate(int64_t epoch_seconds);
// "2015-08-30T12:36:00Z" for epoch seconds (UTC).
std::string formatIso8601(int64_t epoch_seconds);
// Parses "2015-08-30T12:36:00Z" (fraction and "+00:00" accepted, any other
// offset applied); false on anything else. Used for credential expiry.
bool parseIso8601(std::string_view text, int64_t& epoch_seconds);

// Lowercase hex SHA-256 of `data`.
std::string sha256Hex(Crypto& crypto, std::string_view data);

}  // namespace barrier
