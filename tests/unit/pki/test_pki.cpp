#include "test_pki.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdlib>

#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sc::pki::test {

VerifyPolicy policy_for(const CertificateAuthority& ca, const std::string& name, Purpose purpose) {
    VerifyPolicy policy(ca.certificate());
    policy.expected_name = name;
    policy.purpose = purpose;
    return policy;
}

Certificate tweak_and_resign(const Certificate& cert, const Tweak& tweak,
                             const crypto::PrivateKey& signer) {
    X509* x = X509_dup(cert.native());
    for (int nid : tweak.remove_extensions) {
        int at = X509_get_ext_by_NID(x, nid, -1);
        if (at >= 0) {
            X509_EXTENSION_free(X509_delete_ext(x, at));
        }
    }
    if (tweak.common_name) {
        const auto& [type, bytes] = *tweak.common_name;
        X509_NAME* name = X509_NAME_new();
        // A type that is not MBSTRING_*: OpenSSL stores the bytes as they are, with that tag.
        X509_NAME_add_entry_by_NID(name, NID_commonName, type,
                                   reinterpret_cast<const unsigned char*>(bytes.data()),
                                   static_cast<int>(bytes.size()), -1, 0);
        X509_set_subject_name(x, name);
        X509_NAME_free(name);
    }
    int id = EVP_PKEY_get_base_id(signer.native());
    const EVP_MD* md = (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) ? nullptr : EVP_sha256();
    if (X509_sign(x, signer.native(), md) <= 0) {
        ADD_FAILURE() << "X509_sign failed";
        std::abort();
    }
    return Certificate::adopt(x);
}

crypto::PrivateKey openssl_key(const std::vector<std::string>& genpkey_args) {
    sc::test::TempDir dir;
    std::vector<std::string> argv{"openssl", "genpkey"};
    argv.insert(argv.end(), genpkey_args.begin(), genpkey_args.end());
    argv.insert(argv.end(), {"-out", (dir / "k.pem").string()});
    auto gen = sc::test::run_command(argv);
    if (gen.exit_code != 0) {
        ADD_FAILURE() << gen.output;
        std::abort();
    }
    auto pem = sc::test::read_text(dir / "k.pem");
    auto key = crypto::PrivateKey::from_pem(crypto::SecretBytes(as_bytes(pem)));
    if (!key) {
        ADD_FAILURE() << key.error().message;
        std::abort();
    }
    return std::move(key).value();
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
