// Pure pieces of the deploy: stack parameters, the configuration documents
// baked into the two functions, content-addressed keys, signing-key
// rotation. No I/O here, so each is unit-tested directly.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/ports/random.h"
#include "deploy/assembly.h"
#include "deploy/cloudformation.h"

namespace barrier {

// The outputs of the regional stack the rest of the deploy needs.
struct ManagerOutputs {
  std::string api_domain;    // ApiDomainName: Session Manager Origin Host
  std::string api_path;      // ApiPath: Session Manager Origin Path
  std::string table;         // SessionTable
  std::string table_arn;     // SessionTableArn
  std::string table_region;  // SessionTableRegion
  std::string client_id;     // UserPoolClientId
};

// Reads them from DescribeStacks outputs; fails naming a missing output.
Result<ManagerOutputs> managerOutputs(const StackInfo& stack);

// The reference tool's table, printed by deploy and info.
struct BarrierInfo {
  std::string origin_host;  // Session Manager Origin Host
  std::string origin_path;  // Session Manager Origin Path
  std::string checker_arn;  // Session Checker Function Arn (the numbered version)
};
std::string formatInfoTable(const BarrierInfo& info);
// {"SessionManagerOriginHost":..,"SessionManagerOriginPath":..,"SessionCheckerFunctionArn":..}
std::string formatInfoJson(const BarrierInfo& info);

// "<S3Prefix>barrier-<what>-<sha256 hex>.zip": the hash in the key means an
// unchanged package is never uploaded twice and a changed one always gets a
// new key, which is what makes CloudFormation update the function.
std::string contentKey(const Assembly& a, const std::string& what, const std::string& sha256_hex);

// The SSM parameter holding the signing keys.
std::string signingKeyParameter(const Assembly& a);
// The SSM parameter naming the session table ("/barrier/<prefix>/session-table"):
// the table outlives its stack, and destroy --delete-data finds it there.
std::string sessionTableParameter(const Assembly& a);
// The parameter holds every table deploy created, comma-separated (no
// DynamoDB table name holds a comma): a deploy after a plain destroy makes
// a new table while the retained one still holds data, and --delete-data
// must find both.
// The SSM parameter naming the origin request policies deploy created
// ("/barrier/<prefix>/origin-request-policies", comma-separated ids), which
// destroy deletes.
std::string originRequestPolicyParameter(const Assembly& a);
// Such a record: `recorded` with `name` added last, unless already there
// (no table name or policy id holds a comma); and its names.
std::string addRecordedName(std::string_view recorded, const std::string& name);
std::vector<std::string> recordedNames(std::string_view recorded);
// A fresh key: 32 random bytes, standard base64.
std::string newSigningKey(Random& random);

// The session-signing keys deploy keeps: `keys` in signing order (the first
// signs, all verify). With `pending`, the last key is new: both functions
// verify it, neither signs with it yet. A rotation takes two deploys, so that
// no checker at the edge meets a cookie signed with a key it does not know:
// the first adds the key (pending), the second — once CloudFront has the
// checker that knows it — makes it sign.
struct SigningKeySet {
  std::vector<std::string> keys;
  bool pending = false;
};
// Keys kept at most: the signing key and two before it, so a cookie stays
// valid across two rotations within its lifetime.
constexpr size_t kMaxSigningKeys = 3;
// `current` with a new pending key last. Precondition: !current.pending.
SigningKeySet addPendingSigningKey(const SigningKeySet& current, Random& random);
// The pending key first, then the earlier keys, at most kMaxSigningKeys.
SigningKeySet promotePendingSigningKey(const SigningKeySet& current);
// The parameter's text: comma-separated base64, a pending key marked
// "pending:" (no base64 holds ':'). Decoding refuses an empty list and a
// marker anywhere but on the last key.
std::string encodeSigningKeys(const SigningKeySet& set);
Result<SigningKeySet> decodeSigningKeys(std::string_view text);

// BARRIER_CONFIG_JSON for the manager: barrier's optional settings (the
// identity and table come as individual variables from the template).
std::string managerConfigJson(const Assembly& a);

// The limits the manager's settings must fit: CloudFormation takes a
// parameter value of at most 4,096 bytes (ManagerConfigJson is one), and
// Lambda takes 4 KB of environment variables in all (BARRIER_CONFIG_JSON is
// one of them, beside the identity, the keys and the client secret).
constexpr size_t kMaxParameterBytes = 4096;
constexpr size_t kMaxEnvironmentBytes = 4096;
// The manager's environment as the template sets it, in bytes (names and
// values); what AWS generates (table name, client id and secret) counted
// at its largest usual size, the signing keys at their most (a rotation's).
size_t managerEnvironmentBytes(const Assembly& a);
// Checked before any AWS call: fails naming the assembly keys to shorten
// when ManagerConfigJson or the environment would not fit.
Status checkManagerSizes(const Assembly& a);

// `managed_login`: the pool's domain serves managed login (not the classic
// hosted UI), so the stack gives the app client a branding style.
std::vector<StackParameter> managerParameters(const Assembly& a, const std::string& code_bucket,
                                              const std::string& code_key,
                                              const std::vector<std::string>& signing_keys,
                                              bool managed_login);

// The name DescribeUserPoolDomain takes for the assembly's domain: the
// prefix alone for <prefix>.auth.<region>.amazoncognito.com, the whole host
// name for a custom domain.
std::string userPoolDomainKey(const Assembly& a);

// config.json baked into the checker zip (no client secret: the edge never
// talks to the provider; it needs the signing keys to refuse forged ids).
std::string checkerConfigJson(const Assembly& a, const ManagerOutputs& outputs,
                              const std::vector<std::string>& signing_keys);

std::vector<StackParameter> checkerParameters(const std::string& code_bucket,
                                              const std::string& code_key,
                                              const std::string& code_hash,
                                              const ManagerOutputs& outputs);

// "ApiPath=/prod, SigningKeys=****" — parameters for --dry-run, secrets masked.
std::string describeParameters(const std::vector<StackParameter>& parameters);

}  // namespace barrier
