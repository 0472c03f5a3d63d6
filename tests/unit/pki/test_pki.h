// Throwaway CAs and certificates crafted at test time, one per failure a test needs.
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

namespace sc::pki::test {

using namespace std::chrono_literals;

inline TimePoint now() {
    return std::chrono::system_clock::now();
}

CertificateAuthority make_ca(const std::string& name = "Test CA",
                             crypto::KeyType type = crypto::KeyType::ed25519);

struct Leaf {
    Certificate cert;
    crypto::PrivateKey key;
};

struct LeafSpec {
    Profile profile = Profile::server;
    std::string name = "server";
    crypto::KeyType key_type = crypto::KeyType::ed25519;
    TimePoint not_before = now() - 1h;
    TimePoint not_after = now() + 24h;
    std::vector<std::string> sans{};  // defaults to DNS:<name>
};

Leaf issue(const CertificateAuthority& ca, const LeafSpec& spec = {});
Leaf issue_with_key(const CertificateAuthority& ca, crypto::PrivateKey key, const LeafSpec& spec);

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
