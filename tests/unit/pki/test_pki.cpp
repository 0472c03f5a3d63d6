#include "test_pki.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace sc::pki::test {

CertificateAuthority make_ca(const std::string& name, crypto::KeyType type) {
    auto ca = CertificateAuthority::create_root(name, type, now() - 1h, now() + 24h * 365);
    if (!ca) {
        ADD_FAILURE() << ca.error().message;
        std::abort();
    }
    return std::move(ca).value();
}

Leaf issue_with_key(const CertificateAuthority& ca, crypto::PrivateKey key, const LeafSpec& spec) {
    CertSpec cs;
    cs.profile = spec.profile;
    cs.common_name = spec.name;
    cs.subject_alt_names =
        spec.sans.empty() ? std::vector<std::string>{"DNS:" + spec.name} : spec.sans;
    cs.not_before = spec.not_before;
    cs.not_after = spec.not_after;
    auto cert = ca.sign(key.public_key(), cs);
    if (!cert) {
        ADD_FAILURE() << cert.error().message;
        std::abort();
    }
    return Leaf{std::move(cert).value(), std::move(key)};
}

Leaf issue(const CertificateAuthority& ca, const LeafSpec& spec) {
    auto key = crypto::PrivateKey::generate(spec.key_type);
    if (!key) {
        ADD_FAILURE() << key.error().message;
        std::abort();
    }
    return issue_with_key(ca, std::move(key).value(), spec);
}

VerifyPolicy policy_for(const CertificateAuthority& ca, const std::string& name, Purpose purpose) {
    VerifyPolicy policy(ca.certificate());
    policy.expected_name = name;
    policy.purpose = purpose;
    return policy;
}

CertFailure expect_refused(const std::vector<Certificate>& chain, const VerifyPolicy& policy) {
    auto result = verify_certificate(chain, policy);
    if (result) {
        ADD_FAILURE() << "verification passed but should have failed";
        return CertFailure{CertError::malformed, "unexpected success"};
    }
    return result.error();
}

}  // namespace sc::pki::test
