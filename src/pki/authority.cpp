#include "pki/authority.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/ossl.h"
#include "crypto/random.h"
#include "pki/asn1_time.h"

namespace sc::pki {
namespace ossl = crypto::ossl;
namespace {

// Ed25519 signs the message itself; ECDSA and RSA certificates use SHA-256 (PKCS#1 v1.5 for
// RSA, which every X.509 implementation accepts; our protocol signatures use PSS).
const EVP_MD* certificate_digest(EVP_PKEY* key) {
    int id = EVP_PKEY_get_base_id(key);
    return (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) ? nullptr : EVP_sha256();
}

Status add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    ossl::X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
        return fail(ossl::error(std::string("cannot add ") + OBJ_nid2sn(nid) + " '" + value + "'"));
    }
    return {};
}

Result<ossl::Asn1IntPtr> to_asn1_integer(ByteView magnitude) {
    ossl::BnPtr bn(BN_bin2bn(magnitude.data(), static_cast<int>(magnitude.size()), nullptr));
    if (!bn) {
        return fail(ossl::error("cannot encode serial number"));
    }
    ossl::Asn1IntPtr value(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    if (!value) {
        return fail(ossl::error("cannot encode serial number"));
    }
    return value;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ",") + item;
    }
    return out;
}

Status add_profile_extensions(X509* cert, X509* issuer, const CertSpec& spec) {
    switch (spec.profile) {
        case Profile::root_ca:
            SC_TRY(add_extension(cert, issuer, NID_basic_constraints, "critical,CA:TRUE"));
            SC_TRY(add_extension(cert, issuer, NID_key_usage, "critical,keyCertSign,cRLSign"));
            break;
        case Profile::intermediate_ca:
            SC_TRY(
                add_extension(cert, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
            SC_TRY(add_extension(cert, issuer, NID_key_usage, "critical,keyCertSign,cRLSign"));
            break;
        case Profile::server:
        case Profile::client:
            SC_TRY(add_extension(cert, issuer, NID_basic_constraints, "critical,CA:FALSE"));
            SC_TRY(add_extension(cert, issuer, NID_key_usage, "critical,digitalSignature"));
            SC_TRY(add_extension(cert, issuer, NID_ext_key_usage,
                                 spec.profile == Profile::server ? "serverAuth" : "clientAuth"));
            break;
    }
    if (!spec.subject_alt_names.empty()) {
        SC_TRY(add_extension(cert, issuer, NID_subject_alt_name, join(spec.subject_alt_names)));
    }
    // The subject key identifier must exist before the authority key identifier of a
    // self-signed certificate can point at it.
    SC_TRY(add_extension(cert, issuer, NID_subject_key_identifier, "hash"));
    SC_TRY(add_extension(cert, issuer, NID_authority_key_identifier, "keyid:always"));
    return {};
}

// Builds and signs; `issuer` null means self-signed.
Result<Certificate> build_certificate(EVP_PKEY* subject_key, const CertSpec& spec, X509* issuer,
                                      EVP_PKEY* signing_key) {
    ossl::X509Ptr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
        return fail(ossl::error("cannot create certificate"));
    }
    Bytes serial;
    if (spec.serial) {
        serial = *spec.serial;
    } else {
        SC_TRY_ASSIGN(serial, random_serial());
    }
    SC_TRY_ASSIGN(auto serial_int, to_asn1_integer(serial));
    X509_NAME* subject = X509_get_subject_name(cert.get());
    auto not_before = detail::to_asn1(spec.not_before);
    auto not_after = detail::to_asn1(spec.not_after);
    if (X509_set_serialNumber(cert.get(), serial_int.get()) != 1 ||
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                   -1, -1, 0) != 1 ||
        !not_before || !not_after || X509_set1_notBefore(cert.get(), not_before.get()) != 1 ||
        X509_set1_notAfter(cert.get(), not_after.get()) != 1 ||
        X509_set_pubkey(cert.get(), subject_key) != 1) {
        return fail(ossl::error("cannot fill in certificate"));
    }
    X509* issuer_cert = issuer != nullptr ? issuer : cert.get();
    if (X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert)) != 1) {
        return fail(ossl::error("cannot set issuer"));
    }
    SC_TRY(add_profile_extensions(cert.get(), issuer_cert, spec));
    if (X509_sign(cert.get(), signing_key, certificate_digest(signing_key)) <= 0) {
        return fail(ossl::error("cannot sign certificate"));
    }
    return Certificate::adopt(cert.release());
}

}  // namespace

Result<Bytes> random_serial() {
    SC_TRY_ASSIGN(Bytes serial, crypto::random_bytes(16));
    serial[0] &= 0x7f;  // positive
    serial[0] |= 0x40;  // and a full 16 octets, so no serial is ever zero or short
    return serial;
}

CertificateAuthority::CertificateAuthority(Certificate certificate, crypto::PrivateKey key)
    : certificate_(std::move(certificate)), key_(std::move(key)) {}

Result<CertificateAuthority> CertificateAuthority::create_root(const std::string& common_name,
                                                               crypto::KeyType key_type,
                                                               TimePoint not_before,
                                                               TimePoint not_after) {
    SC_TRY_ASSIGN(auto key, crypto::PrivateKey::generate(key_type));
    return create_root(common_name, std::move(key), not_before, not_after);
}

Result<CertificateAuthority> CertificateAuthority::create_root(const std::string& common_name,
                                                               crypto::PrivateKey key,
                                                               TimePoint not_before,
                                                               TimePoint not_after) {
    CertSpec spec;
    spec.profile = Profile::root_ca;
    spec.common_name = common_name;
    spec.not_before = not_before;
    spec.not_after = not_after;
    SC_TRY_ASSIGN(auto cert, build_certificate(key.native(), spec, nullptr, key.native()));
    return CertificateAuthority(std::move(cert), std::move(key));
}

Result<Certificate> CertificateAuthority::sign(const crypto::PublicKey& subject_key,
                                               const CertSpec& spec) const {
    if (spec.profile == Profile::root_ca) {
        return fail("a root CA certificate is self-signed, not issued");
    }
    return build_certificate(subject_key.native(), spec, certificate_.native(), key_.native());
}

Result<Crl> CertificateAuthority::make_crl(const std::vector<RevokedEntry>& revoked,
                                           TimePoint this_update, TimePoint next_update,
                                           std::uint64_t crl_number) const {
    ossl::X509CrlPtr crl(X509_CRL_new());
    auto last = detail::to_asn1(this_update);
    auto next = detail::to_asn1(next_update);
    if (!crl || !last || !next || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
        X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(certificate_.native())) != 1 ||
        X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 ||
        X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
        return fail(ossl::error("cannot create CRL"));
    }
    for (const auto& entry : revoked) {
        ossl::X509RevokedPtr item(X509_REVOKED_new());
        SC_TRY_ASSIGN(auto serial, to_asn1_integer(entry.serial));
        auto when = detail::to_asn1(entry.revoked_at);
        if (!item || !when || X509_REVOKED_set_serialNumber(item.get(), serial.get()) != 1 ||
            X509_REVOKED_set_revocationDate(item.get(), when.get()) != 1 ||
            X509_CRL_add0_revoked(crl.get(), item.get()) != 1) {
            return fail(ossl::error("cannot add revoked certificate to CRL"));
        }
        item.release();  // owned by the CRL now
    }
    ossl::Asn1IntPtr number(ASN1_INTEGER_new());
    if (!number || ASN1_INTEGER_set_uint64(number.get(), crl_number) != 1 ||
        X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) != 1) {
        return fail(ossl::error("cannot add CRL number"));
    }
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, certificate_.native(), nullptr, nullptr, crl.get(), 0);
    ossl::X509ExtPtr akid(
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
    if (!akid || X509_CRL_add_ext(crl.get(), akid.get(), -1) != 1) {
        return fail(ossl::error("cannot add authority key identifier to CRL"));
    }
    X509_CRL_sort(crl.get());
    if (X509_CRL_sign(crl.get(), key_.native(), certificate_digest(key_.native())) <= 0) {
        return fail(ossl::error("cannot sign CRL"));
    }
    return Crl::adopt(crl.release());
}

}  // namespace sc::pki
