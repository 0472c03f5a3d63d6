#include "pki/crl_entries.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/asn1_time.h"

namespace sc::pki {

bool names_issuer(const Crl& crl, const Certificate& ca) {
    return X509_NAME_cmp(X509_CRL_get_issuer(crl.native()), X509_get_subject_name(ca.native())) ==
           0;
}

Status check_crl_issued_by(const Crl& crl, const Certificate& ca) {
    if (!names_issuer(crl, ca)) {
        return fail("CRL: it is issued by '" + crl.issuer() + "', not by the CA '" + ca.subject() +
                    "'");
    }
    // What OpenSSL's own CRL check refuses too: a CRL whose scope or kind we cannot judge
    // (a delta CRL, an issuingDistributionPoint: any critical extension), and a CA that may
    // not sign CRLs.
    if (X509_CRL_get_ext_by_critical(crl.native(), 1, -1) >= 0) {
        return fail(
            "CRL: it has a critical extension (a delta or partial CRL?), which is not "
            "supported");
    }
    if ((X509_get_extension_flags(ca.native()) & EXFLAG_KUSAGE) != 0 &&
        (X509_get_key_usage(ca.native()) & KU_CRL_SIGN) == 0) {
        return fail("CRL: the CA's keyUsage does not allow it to sign CRLs (no cRLSign)");
    }
    EVP_PKEY* key = X509_get0_pubkey(ca.native());
    if (key == nullptr || X509_CRL_verify(crl.native(), key) != 1) {
        ERR_clear_error();
        return fail("CRL: its signature does not verify with the CA's key");
    }
    return {};
}

std::optional<TimePoint> revocation_time(const Crl& crl, const Certificate& cert) {
    X509_REVOKED* entry = nullptr;
    if (X509_CRL_get0_by_serial(crl.native(), &entry, X509_get0_serialNumber(cert.native())) != 1 ||
        entry == nullptr) {
        ERR_clear_error();
        return std::nullopt;
    }
    // An entry with a critical extension (e.g. an invalidity date we would have to honour) or an
    // unreadable date is read as "revoked since forever": the safe reading.
    if (X509_REVOKED_get_ext_by_critical(entry, 1, -1) >= 0) {
        return TimePoint::min();
    }
    auto at = detail::to_time_point(X509_REVOKED_get0_revocationDate(entry));
    return at.value_or(TimePoint::min());
}

}  // namespace sc::pki
