#include "pki/crl.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <utility>

#include "crypto/ossl.h"
#include "pki/asn1_time.h"

namespace sc::pki {
namespace ossl = crypto::ossl;

Result<Crl> Crl::from_pem(std::string_view pem) {
    auto bio = ossl::memory_reader(pem);
    X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
    if (crl == nullptr) {
        return fail(ossl::error("not a PEM CRL"));
    }
    return Crl(crl);
}

Result<std::vector<Crl>> Crl::all_from_pem(std::string_view pem) {
    constexpr std::size_t kMaxCrlsInBundle = 8;  // a root and its intermediates
    auto bio = ossl::memory_reader(pem);
    std::vector<Crl> crls;
    ossl::clear_errors();
    while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
        crls.push_back(Crl(crl));
        if (crls.size() > kMaxCrlsInBundle) {
            return fail("more than " + std::to_string(kMaxCrlsInBundle) + " CRLs in one file");
        }
    }
    // Running out of PEM blocks ends the loop with PEM_R_NO_START_LINE; anything else is damage.
    unsigned long err = ERR_peek_last_error();
    bool clean_end = ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
    if (crls.empty() || !clean_end) {
        return fail(ossl::error("not a PEM CRL"));
    }
    ossl::clear_errors();
    return crls;
}

Crl Crl::adopt(X509_crl_st* crl) noexcept {
    return Crl(crl);
}

Crl::Crl(const Crl& other) noexcept : crl_(other.crl_) {
    if (crl_ != nullptr) {
        X509_CRL_up_ref(crl_);
    }
}

Crl::Crl(Crl&& other) noexcept : crl_(std::exchange(other.crl_, nullptr)) {}

Crl& Crl::operator=(Crl other) noexcept {
    std::swap(crl_, other.crl_);
    return *this;
}

Crl::~Crl() {
    X509_CRL_free(crl_);
}

std::string Crl::to_pem() const {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl_) != 1) {
        return {};
    }
    return ossl::bio_text(bio.get());
}

std::string Crl::issuer() const {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), X509_CRL_get_issuer(crl_), 0, XN_FLAG_RFC2253) < 0) {
        return {};
    }
    return ossl::bio_text(bio.get());
}

TimePoint Crl::this_update() const {
    return detail::to_time_point(X509_CRL_get0_lastUpdate(crl_)).value_or(TimePoint::max());
}

TimePoint Crl::next_update() const {
    return detail::to_time_point(X509_CRL_get0_nextUpdate(crl_)).value_or(TimePoint::min());
}

int Crl::revoked_count() const {
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl_);
    return revoked == nullptr ? 0 : sk_X509_REVOKED_num(revoked);
}

}  // namespace sc::pki
