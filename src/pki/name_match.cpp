#include "pki/name_match.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace sc::pki {
namespace {

bool looks_like_ip(const std::string& name) {
    return name.find(':') != std::string::npos ||
           name.find_first_not_of("0123456789.") == std::string::npos;
}

}  // namespace

bool matches_any_name(const VerifiedCertificate& verified, const std::vector<std::string>& names) {
    auto* leaf = verified.leaf().native();
    for (const auto& name : names) {
        int rc = looks_like_ip(name)
                     ? X509_check_ip_asc(leaf, name.c_str(), 0)
                     : X509_check_host(leaf, name.data(), name.size(),
                                       X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr);
        if (rc == 1) {
            return true;
        }
    }
    ERR_clear_error();
    return false;
}

}  // namespace sc::pki
