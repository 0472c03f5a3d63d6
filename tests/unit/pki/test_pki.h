// Throwaway CAs and certificates crafted at test time, one per failure a test needs. The CAs and
// leaves come from the testing library's PKI builder (tests/testing/test_pki.h); the hand-made
// shapes below (OpenSSL directly) are this suite's own.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/keys.h"
#include "pki/authority.h"
#include "pki/certificate.h"
#include "pki/verify.h"
#include "testing/test_pki.h"

namespace sc::pki::test {

using namespace std::chrono_literals;

inline TimePoint now() {
    return std::chrono::system_clock::now();
}

inline CertificateAuthority make_ca(const std::string& name = "Test CA",
                                    crypto::KeyType type = crypto::KeyType::ed25519) {
    return sc::test::make_root_ca(name, type);
}

using sc::test::expired;
using sc::test::issue;
using sc::test::issue_with_key;
using sc::test::Leaf;
using sc::test::LeafSpec;
using sc::test::make_crl;
using sc::test::make_intermediate_ca;
using sc::test::not_yet_valid;

VerifyPolicy policy_for(const CertificateAuthority& ca, const std::string& name = "server",
                        Purpose purpose = Purpose::server);

// A copy of `cert` changed with OpenSSL directly, the way a hand-made or hostile certificate
// would be, then signed by `signer` (for shapes our CA never issues).
struct Tweak {
    std::vector<int> remove_extensions{};  // NIDs, e.g. NID_authority_key_identifier
    // Replaces the subject with one CN of this ASN.1 type (V_ASN1_BMPSTRING...) and raw bytes.
    std::optional<std::pair<int, std::string>> common_name{};
};
Certificate tweak_and_resign(const Certificate& cert, const Tweak& tweak,
                             const crypto::PrivateKey& signer);

// A key of a type our tools never make, from `openssl genpkey` (e.g. {"-algorithm", "ED448"}).
crypto::PrivateKey openssl_key(const std::vector<std::string>& genpkey_args);

// The error of a verification that must fail (fails the test if it passed).
CertFailure expect_refused(const std::vector<Certificate>& chain, const VerifyPolicy& policy);

}  // namespace sc::pki::test
