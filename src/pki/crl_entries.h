// What evidence checking needs of a CRL beyond verify_certificate's yes/no: who signed it and
// when a certificate was revoked (security review M5(d): a revocation after the session does not
// void the evidence from before it).
#pragma once

#include <optional>

#include "common/result.h"
#include "pki/certificate.h"
#include "pki/crl.h"
#include "pki/time_text.h"

namespace sc::pki {

// True when `crl` names `ca`'s subject as its issuer (its signature unchecked).
bool names_issuer(const Crl& crl, const Certificate& ca);

// Succeeds when `crl` names `ca` as its issuer and its signature verifies with the CA's key.
Status check_crl_issued_by(const Crl& crl, const Certificate& ca);

// The revocationDate of `cert` on `crl` (matched by serial; the caller has checked that the
// CRL and the certificate have the same issuer), or nullopt when it is not listed.
std::optional<TimePoint> revocation_time(const Crl& crl, const Certificate& cert);

}  // namespace sc::pki
