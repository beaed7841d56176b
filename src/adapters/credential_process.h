// credential_process, as the AWS shared config defines it: a profile names
// a command, barrier runs it and reads the credentials it prints on stdout:
//
//   {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
//    "SessionToken": "...", "Expiration": "2026-12-02T07:00:00Z"}
//
// (SessionToken and Expiration optional; without Expiration the
// credentials never expire.) Like the AWS CLI, the command line is split
// into words as a POSIX shell would split it (quotes, backslashes) but no
// shell runs it: no pipes, variables or globs. The program is found on
// PATH; stdin is inherited (a tool may prompt on the terminal), stdout and
// stderr are captured. At most 64 KiB of output, and the process must have
// exited, within the timeout; else it is killed (SIGKILL) with everything
// it started: it runs in a process group of its own, except when barrier
// is in the foreground of a terminal (the tool may prompt there, which it
// cannot from another group), where only the process itself is killed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/aws/sigv4.h"
#include "core/status.h"

namespace barrier {

// The command's credentials, marked as coming from `source`. Errors name
// `source`, the command's first word, the exit status and the first line
// of stderr; never the output or the command's other words. kTimeout when
// the command has not exited within `timeout_ms` (it is then killed, see
// above, so the call returns shortly after the deadline).
Result<AwsCredentials> credentialsFromProcess(std::string_view command_line, int timeout_ms,
                                              const std::string& source);

// Words of a command line: whitespace separates; '...' is literal; "..."
// keeps \" \\ \$ \` as the character; a backslash outside quotes escapes
// the next character. kInvalidArgument for an unterminated quote or an
// empty line.
Result<std::vector<std::string>> splitCommandLine(std::string_view line);

// The JSON above; kUnavailable (naming `source`) when it is not that.
Result<AwsCredentials> parseProcessCredentials(std::string_view json, const std::string& source);

}  // namespace barrier
