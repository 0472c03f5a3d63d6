// Name checks on a certificate that is already verified, so that a list of accepted names costs
// one chain verification, not one per name (security review L9).
#pragma once

#include <string>
#include <vector>

#include "pki/verify.h"

namespace sc::pki {

// True when the verified leaf carries one of `names` (DNS name or IP literal), by the same rule
// as VerifyPolicy::expected_name: SANs, and the subject CN only when there is no DNS SAN.
bool matches_any_name(const VerifiedCertificate& verified, const std::vector<std::string>& names);

// The one rule both use (and VerifyPolicy::expected_name): an IP literal against the IP SANs,
// anything else against the DNS SANs, the subject CN only without a DNS SAN (RFC 6125 6.4.4),
// no partial wildcards. Clears OpenSSL's error queue when it answers false.
bool leaf_has_name(const Certificate& leaf, const std::string& name);

}  // namespace sc::pki
