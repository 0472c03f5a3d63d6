// A certificate revocation list, parsed but not trusted (verify_certificate checks it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "pki/time_text.h"

struct X509_crl_st;  // OpenSSL's X509_CRL

namespace sc::pki {

class Crl {
  public:
    static Result<Crl> from_pem(std::string_view pem);
    // One or more PEM CRLs, as a bundle holds the root's and each intermediate CA's.
    static Result<std::vector<Crl>> all_from_pem(std::string_view pem);
    Crl(const Crl& other) noexcept;
    Crl(Crl&& other) noexcept;
    Crl& operator=(Crl other) noexcept;
    ~Crl();

    std::string to_pem() const;
    std::string issuer() const;
    TimePoint this_update() const;
    TimePoint next_update() const;  // TimePoint::min() when absent
    int revoked_count() const;

    X509_crl_st* native() const noexcept { return crl_; }  // for src/pki only
    static Crl adopt(X509_crl_st* crl) noexcept;           // takes ownership

  private:
    explicit Crl(X509_crl_st* crl) noexcept : crl_(crl) {}
    X509_crl_st* crl_ = nullptr;
};

}  // namespace sc::pki
