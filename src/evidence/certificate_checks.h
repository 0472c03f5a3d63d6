// The checks of a certificate and of the CRLs that every offline verifier shares (docs/PROTOCOL.md
// §7.1 and §11): a leaf issued by the trusted CA for a purpose, judged as of the times of what it
// signed, and revoked only if a current CRL of that CA says so at or before them.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "evidence/verify_evidence.h"
#include "pki/certificate.h"
#include "pki/verify.h"

namespace sc::evidence {

// Each CRL must be current at trust.now; one of the root must verify with the root's key.
Status check_crls(const EvidenceTrust& trust);

// How a failure names the time judged: "the session" and "the session's last message" for a
// session transcript (§7.1), one line's signed time for a conversation (§11.2).
struct SignedWhen {
    std::string time_of = "what it signed";
    std::string latest = "the time of what it signed";
};

// `presented` (a leaf, then its intermediates) chains to trust.ca for `purpose` (any name) as of
// both `from` and `to`, and, when CRLs are given, the CRL of each certificate's issuer is among
// them and does not list it as revoked at or before `to`; a CRL issued after the certificate
// expired proves nothing, so that fails too. Errors start with `who` ("line 1 (header): the
// client certificate 'alice'").
Status check_certificate(const std::vector<pki::Certificate>& presented, pki::Purpose purpose,
                         const EvidenceTrust& trust, pki::TimePoint from, pki::TimePoint to,
                         const std::string& who, const SignedWhen& when = {});

// A certificate's CN in quotes (or its subject when it has none), for messages.
std::string describe(const pki::Certificate& cert);

}  // namespace sc::evidence
