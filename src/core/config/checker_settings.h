// The edge checker's settings: the Config fields the Lambda@Edge session
// checker reads, as a flat text its wasm module parses at cold start.
//
// Why: parsing config.json inside the module needs a JSON library and the
// whole ConfigReader, which V8 compiles lazily on the first call. The
// packagers (`barrier package checker`, the deployer's PrebuiltPackager)
// derive this text from the same, validated configuration and put it in the
// zip as `checker.settings` next to config.json; the module then needs only
// decodeCheckerSettings, a few hundred lines with no JSON, iostreams or
// printf.
//
// Format (UTF-8, every line ends in '\n', no '\r'):
//
//   barrier-checker-settings 1
//   site_url https%3A%2F%2Fwww.example.com
//   session.cookie_name barrier
//   session.signing_key <base64url of the raw key>   (one line a key, in order)
//   session.idle_timeout 0
//   session.touch_interval 0
//   cache.ttl 300
//   cache.negative_ttl 5
//   cache.max_entries 10000
//   store.type dynamodb                      (memory | sqlite | redis | dynamodb)
//   store.table barrier-sessions
//   store.region eu-west-1
//   store.endpoint                           (key, one space, empty value)
//   server.log_level info
//   retry_after 5
//   public_path %2Fassets%2F%2A              (zero or more, in order)
//   rule %2Fadmin%2F%2A admins,ops           (zero or more, in order)
//   ...                                      (access and api lines:
//                                             checker_settings_lines.h)
//   end
//
// A line is a key, then each ' ' starts one value (a value may be empty).
// Strings are percent-encoded (core/http/percent.h: only A-Z a-z 0-9 - . _ ~
// and %XX appear), integers are canonical decimal, signing keys base64url
// without padding. A rule is the pattern and, unless it has no groups, a
// second value: the groups, each percent-encoded, joined by ','. `end`
// closes the file, so a truncated file is refused rather than read short.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/config/config.h"
#include "core/status.h"

namespace barrier {

// The file's name in the checker zip; also the prefix of decode errors.
inline constexpr std::string_view kCheckerSettingsFile = "checker.settings";

// The settings text of `config`. The packagers pass a ValidConfig
// (checkerSettingsFromConfigJson); values outside validate()'s ranges encode
// to a text that decodeCheckerSettings refuses. Secrets other than the
// signing keys (client secret, store.url) are never written.
std::string encodeCheckerSettings(const Config& config);

// The inverse: a ValidConfig whose checker fields (those written above)
// come from `text`; every other field keeps its default. The checks
// validate() makes on these fields are made again (site_url, cookie name,
// key length, log level, ranges); patterns and group names are taken as
// they are. Never aborts; work is linear in the size of `text`. Errors are
// kInvalidArgument, "checker.settings line 4: retry_after: ...", for a bad
// header or version, an unknown or repeated single-valued key, a malformed
// value, a '\r', a missing required key or a missing `end` line.
Result<ValidConfig> decodeCheckerSettings(std::string_view text);

// The same, for the edge module: on success `out` holds the configuration,
// decoded in place on the heap (moving a Config would cost the module's
// cold start the engine's compiling of the move and the destructor); on
// error `out` is left as it was. (First declared in config.h: ValidConfig
// names it a friend.)
Status decodeCheckerSettingsInto(std::string_view text, std::unique_ptr<ValidConfig>& out);

// parseConfigJson(json_text, "config.json") (which validates), then encode:
// for the packagers. Errors are the configuration's own. Defined in
// checker_settings_json.cpp, apart from the decoder, so the wasm module
// links no JSON through it.
Result<std::string> checkerSettingsFromConfigJson(std::string_view json_text);

// The config.json a checker zip holds, for people and the handler to read
// (the handler takes its log level and Retry-After from it): `json_text`
// without what is secret or not the checker's — the client secret, the
// signing keys (the module reads them from checker.settings), a store URL
// or path (a Redis password), and the gateway's server settings but for
// log_level. Pretty-printed; kInvalidArgument when not a JSON object.
Result<std::string> checkerConfigForZip(std::string_view json_text);

}  // namespace barrier
