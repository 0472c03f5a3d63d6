#include "evidence/certificate_checks.h"

#include "evidence/transcript_lines.h"
#include "pki/crl_entries.h"
#include "pki/time_text.h"

namespace sc::evidence {

std::string describe(const pki::Certificate& cert) {
    auto cn = cert.common_name();
    return quoted(cn.empty() ? cert.subject() : cn);
}

// Each CRL must be current now (the checker's clock). One that names the root as its issuer
// must verify with the root's key now; one of an intermediate CA is checked against that CA
// when a chain in the evidence shows it (check_certificate).
Status check_crls(const EvidenceTrust& trust) {
    for (const auto& crl : trust.crls) {
        if (pki::names_issuer(crl, trust.ca)) {
            SC_TRY(pki::check_crl_issued_by(crl, trust.ca));
        }
        if (crl.next_update() == pki::TimePoint::min()) {
            return fail("CRL: it has no next-update time");
        }
        if (crl.next_update() < crl.this_update()) {
            return fail("CRL: its next update is before its own issue time");
        }
        if (trust.now > crl.next_update() + trust.clock_skew) {
            return fail("CRL: it is out of date: its next update was due " +
                        pki::format_utc(crl.next_update()) + "; use the CA's current CRL");
        }
        if (trust.now + trust.clock_skew < crl.this_update()) {
            return fail("CRL: it is issued in the future (" + pki::format_utc(crl.this_update()) +
                        ")");
        }
    }
    return {};
}

namespace {

// `cert`, issued by `issuer` (the next certificate of a verified path), against the CRLs of
// that issuer. With CRLs given, each certificate of the path must be covered by one: a CRL of
// the root says nothing about a leaf of an intermediate CA.
Status check_revocation(const pki::Certificate& cert, const pki::Certificate& issuer,
                        const EvidenceTrust& trust, pki::TimePoint to, const std::string& who,
                        const SignedWhen& when) {
    bool covered = false;
    for (const auto& crl : trust.crls) {
        if (!pki::names_issuer(crl, issuer)) {
            continue;
        }
        if (auto issued = pki::check_crl_issued_by(crl, issuer); !issued) {
            return fail(who + ": the CRL of " + describe(issuer) + ": " + issued.error().message);
        }
        covered = true;
        if (cert.not_after() + trust.clock_skew < crl.this_update()) {
            return fail(who + ": the CRL issued " + pki::format_utc(crl.this_update()) +
                        " cannot show whether it was revoked at the time of " + when.time_of +
                        " (the certificate had expired " + pki::format_utc(cert.not_after()) + ")");
        }
        auto revoked = pki::revocation_time(crl, cert);
        if (revoked && *revoked <= to) {
            return fail(who + ": certificate is revoked [revoked]: revoked " +
                        pki::format_utc(*revoked) + ", at or before " + when.latest + " (" +
                        pki::format_utc(to) + ")");
        }
    }
    if (!covered) {
        return fail(who + ": no CRL of its issuer " + describe(issuer) +
                    " was given, so whether it was revoked cannot be told (add that CA's CRL "
                    "with --crl)");
    }
    return {};
}

}  // namespace

// Validity, chain and purpose are judged at both `from` and `to` (a session's earliest and latest
// `ts`; one message's own), so the order in which a holder interleaves lines changes nothing.
// Revocation compares each CRL entry's revocationDate with `to`: a certificate revoked later
// does not void what it signed before (M5(d)). A CRL issued after the certificate expired
// proves nothing (a CA may drop expired certificates from its CRLs). Every certificate of the
// path but the root is checked, the leaf and each intermediate CA.
Status check_certificate(const std::vector<pki::Certificate>& presented, pki::Purpose purpose,
                         const EvidenceTrust& trust, pki::TimePoint from, pki::TimePoint to,
                         const std::string& who, const SignedWhen& when) {
    pki::VerifyPolicy policy(trust.ca);
    policy.purpose = purpose;
    policy.clock_skew = trust.clock_skew;
    policy.allow_legacy_seed_certs = trust.allow_legacy_seed_certs;
    std::vector<pki::Certificate> path;
    for (auto at : {from, to}) {
        policy.now = at;
        auto verified = pki::verify_certificate(presented, policy);
        if (!verified) {
            return fail(who + ": " + verified.error().message() + " (judged as of " +
                        pki::format_utc(at) + ")");
        }
        path = verified->chain();
    }
    if (trust.crls.empty()) {
        return {};
    }
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        auto whose = i == 0 ? who : who + ": its issuing CA " + describe(path[i]);
        SC_TRY(check_revocation(path[i], path[i + 1], trust, to, whose, when));
    }
    return {};
}

}  // namespace sc::evidence
