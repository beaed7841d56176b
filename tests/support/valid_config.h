// Configurations for tests. A test builds its Config field by field and
// takes it through validate(), as every other caller does: no test sets
// what validation derives, and a Config that breaks a rule fails the test
// at once, saying which.
#pragma once

#include "core/config/config.h"

namespace barrier {

// A Config that validates, for tests to change what they are about:
// site https://www.example.com, one signing key (32 'k' bytes), a Cognito
// provider (eu-west-1_Test, auth.example.com, client id client123), the
// memory store.
Config testConfig();

// validate(config). Throws std::invalid_argument with the message when it
// fails; googletest reports that as the test's failure.
ValidConfig mustValidate(Config config);

}  // namespace barrier
