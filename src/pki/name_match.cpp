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

bool leaf_has_name(const Certificate& leaf, const std::string& name) {
    int rc = looks_like_ip(name) ? X509_check_ip_asc(leaf.native(), name.c_str(), 0)
                                 : X509_check_host(leaf.native(), name.data(), name.size(),
                                                   X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr);
    if (rc != 1) {
        ERR_clear_error();
    }
    return rc == 1;
}

bool matches_any_name(const VerifiedCertificate& verified, const std::vector<std::string>& names) {
    for (const auto& name : names) {
        if (leaf_has_name(verified.leaf(), name)) {
            return true;
        }
    }
    return false;
}

}  // namespace sc::pki
