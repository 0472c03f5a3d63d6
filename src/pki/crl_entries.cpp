#include "pki/crl_entries.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include "pki/asn1_time.h"

namespace sc::pki {

Status check_crl_issued_by(const Crl& crl, const Certificate& ca) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl.native()), X509_get_subject_name(ca.native())) != 0) {
        return fail("CRL: it is issued by '" + crl.issuer() + "', not by the CA '" + ca.subject() +
                    "'");
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
    auto at = detail::to_time_point(X509_REVOKED_get0_revocationDate(entry));
    // An unreadable date is treated as "revoked since forever": the safe reading.
    return at.value_or(TimePoint::min());
}

}  // namespace sc::pki
