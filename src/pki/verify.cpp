#include "pki/verify.h"
#include "pki/name_match.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "common/display_text.h"
#include "crypto/ossl.h"

namespace sc::pki {
namespace ossl = crypto::ossl;
namespace {

// Longest chain accepted: leaf, intermediates, root.
constexpr int kMaxVerifyDepth = 4;
// OpenSSL security level 2: 112-bit security, so RSA >= 2048 and no MD5 or SHA-1 signatures.
constexpr int kAuthLevel = 2;

struct StackDeleter {
    void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
using CertStackPtr = std::unique_ptr<STACK_OF(X509), StackDeleter>;

CertError classify(int openssl_error) {
    switch (openssl_error) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_CERT_UNTRUSTED:
        case X509_V_ERR_CERT_REJECTED:
            return CertError::unknown_issuer;
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
        case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
            return CertError::bad_signature;
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return CertError::expired;
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return CertError::not_yet_valid;
        case X509_V_ERR_CERT_REVOKED:
            return CertError::revoked;
        case X509_V_ERR_INVALID_CA:
        case X509_V_ERR_PATH_LENGTH_EXCEEDED:
        case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
            return CertError::issuer_not_ca;
        case X509_V_ERR_EE_KEY_TOO_SMALL:
        case X509_V_ERR_CA_KEY_TOO_SMALL:
        case X509_V_ERR_CA_MD_TOO_WEAK:
            return CertError::weak_key_or_algorithm;
        case X509_V_ERR_INVALID_PURPOSE:
            return CertError::wrong_purpose;
        case X509_V_ERR_UNABLE_TO_GET_CRL:
        case X509_V_ERR_CRL_SIGNATURE_FAILURE:
        case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
        case X509_V_ERR_CRL_NOT_YET_VALID:
        case X509_V_ERR_CRL_HAS_EXPIRED:
        case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
        case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
        case X509_V_ERR_DIFFERENT_CRL_SCOPE:
        case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
        case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
            return CertError::crl_problem;
        default:
            return CertError::malformed;
    }
}

Failure<CertFailure> refuse(CertError code, std::string detail) {
    return fail(CertFailure{code, std::move(detail)});
}

// Certificate names are chosen by whoever made the certificate (an attacker, for a refused one)
// and end up on terminals and in logs: they pass through display_text (review M1).
std::string describe(const Certificate& cert) {
    auto cn = cert.common_name();
    return "'" + display_text(cn.empty() ? cert.subject() : cn) + "'";
}

// OpenSSL looks issuers up by name, so a leaf from a look-alike CA (our CA's name, another key,
// no authorityKeyIdentifier) reaches a signature check against our anchor and fails it. That
// failure means "not issued by our CA", not "damaged": a signature failure is bad_signature only
// when the certificate names the very key it was checked against (its AKID keyIdentifier equals
// the issuer's SKID), i.e. it claims to come from that key and does not. Every certificate our
// CA issues carries that AKID, so a changed byte in one of ours is still bad_signature.
bool names_issuer_key(X509* cert, X509* issuer) {
    const ASN1_OCTET_STRING* akid = X509_get0_authority_key_id(cert);
    const ASN1_OCTET_STRING* skid = X509_get0_subject_key_id(issuer);
    return akid != nullptr && skid != nullptr && ASN1_OCTET_STRING_cmp(akid, skid) == 0;
}

CertError classify_failure(X509_STORE_CTX* ctx, int err, int depth) {
    CertError code = classify(err);
    if (code != CertError::bad_signature || err == X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY) {
        return code;
    }
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx);
    X509* cert = X509_STORE_CTX_get_current_cert(ctx);
    if (chain == nullptr || cert == nullptr || depth < 0) {
        return code;
    }
    // The issuer it was checked against is the next one up (itself, at the top of the chain).
    int above = depth + 1 < sk_X509_num(chain) ? depth + 1 : depth;
    X509* issuer = sk_X509_value(chain, above);
    return issuer != nullptr && names_issuer_key(cert, issuer) ? CertError::bad_signature
                                                               : CertError::unknown_issuer;
}

// OpenSSL builds the chain and checks signatures, CA constraints, revocation and key strength;
// times are ours (OpenSSL has no clock-skew allowance).
Result<std::vector<Certificate>, CertFailure> build_chain(const std::vector<Certificate>& presented,
                                                          const VerifyPolicy& policy) {
    ossl::X509StorePtr store(X509_STORE_new());
    ossl::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    CertStackPtr untrusted(sk_X509_new_null());
    if (!store || !ctx || !untrusted ||
        X509_STORE_add_cert(store.get(), policy.trust_anchor.native()) != 1) {
        return refuse(CertError::malformed, ossl::error("cannot set up verification").message);
    }
    for (const auto& crl : policy.crls) {
        if (X509_STORE_add_crl(store.get(), crl.native()) != 1) {
            return refuse(CertError::crl_problem, ossl::error("cannot load CRL").message);
        }
    }
    for (std::size_t i = 1; i < presented.size(); ++i) {
        X509_up_ref(presented[i].native());
        if (sk_X509_push(untrusted.get(), presented[i].native()) <= 0) {
            X509_free(presented[i].native());
            return refuse(CertError::malformed, "out of memory");
        }
    }
    if (X509_STORE_CTX_init(ctx.get(), store.get(), presented.front().native(), untrusted.get()) !=
        1) {
        return refuse(CertError::malformed, ossl::error("cannot set up verification").message);
    }
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    unsigned long flags = X509_V_FLAG_NO_CHECK_TIME;
    if (!policy.crls.empty()) {
        // With intermediates, every certificate of the path is checked against its issuer's
        // CRL (so the root's CRL must be given for the intermediate, and the intermediate's
        // for the leaf); a leaf issued by the root needs only the root's.
        flags |= X509_V_FLAG_CRL_CHECK;
        if (presented.size() > 1) {
            flags |= X509_V_FLAG_CRL_CHECK_ALL;
        }
    }
    X509_VERIFY_PARAM_set_flags(param, flags);
    X509_VERIFY_PARAM_set_auth_level(param, kAuthLevel);
    X509_VERIFY_PARAM_set_depth(param, kMaxVerifyDepth);

    if (X509_verify_cert(ctx.get()) != 1) {
        int err = X509_STORE_CTX_get_error(ctx.get());
        int depth = X509_STORE_CTX_get_error_depth(ctx.get());
        X509* at = X509_STORE_CTX_get_current_cert(ctx.get());
        std::string where =
            depth == 0 ? "the certificate" : "the issuer at depth " + std::to_string(depth);
        if (at != nullptr) {
            X509_up_ref(at);
            where += " " + describe(Certificate::adopt(at));
        }
        CertError code = classify_failure(ctx.get(), err, depth);
        std::string reason = X509_verify_cert_error_string(err);
        if (code == CertError::unknown_issuer && classify(err) == CertError::bad_signature) {
            reason = "the trusted issuer of that name did not sign it (a look-alike CA)";
        }
        ossl::clear_errors();
        return refuse(code, reason + " (" + where + ")");
    }
    CertStackPtr built(X509_STORE_CTX_get1_chain(ctx.get()));
    std::vector<Certificate> chain;
    for (int i = 0; built && i < sk_X509_num(built.get()); ++i) {
        X509* cert = sk_X509_value(built.get(), i);
        X509_up_ref(cert);
        chain.push_back(Certificate::adopt(cert));
    }
    return chain;
}

Result<void, CertFailure> check_times(const std::vector<Certificate>& chain,
                                      const VerifyPolicy& policy) {
    for (std::size_t i = 0; i < chain.size(); ++i) {
        const auto& cert = chain[i];
        std::string who = (i == 0 ? "certificate " : "issuer ") + describe(cert);
        if (policy.now > cert.not_after() + policy.clock_skew) {
            return refuse(CertError::expired, who + " expired at " + format_utc(cert.not_after()) +
                                                  " (now " + format_utc(policy.now) + ")");
        }
        if (policy.now + policy.clock_skew < cert.not_before()) {
            return refuse(CertError::not_yet_valid, who + " is valid only from " +
                                                        format_utc(cert.not_before()) + " (now " +
                                                        format_utc(policy.now) + ")");
        }
    }
    return {};
}

Result<void, CertFailure> check_crl_times(const VerifyPolicy& policy) {
    for (const auto& crl : policy.crls) {
        if (crl.next_update() == TimePoint::min()) {
            return refuse(CertError::crl_problem, "the CRL has no next-update time");
        }
        if (policy.now > crl.next_update() + policy.clock_skew) {
            return refuse(CertError::crl_problem,
                          "the CRL is out of date: its next update was due " +
                              format_utc(crl.next_update()) + "; publish a new one");
        }
        if (policy.now + policy.clock_skew < crl.this_update()) {
            return refuse(CertError::crl_problem, "the CRL is issued in the future (" +
                                                      format_utc(crl.this_update()) + ")");
        }
    }
    return {};
}

Result<void, CertFailure> check_issuers(const std::vector<Certificate>& chain) {
    for (std::size_t i = 1; i < chain.size(); ++i) {
        const auto& issuer = chain[i];
        if (!issuer.is_ca()) {
            return refuse(CertError::issuer_not_ca,
                          "issuer " + describe(issuer) + " lacks basicConstraints CA:TRUE");
        }
        bool has_usage = (X509_get_extension_flags(issuer.native()) & EXFLAG_KUSAGE) != 0;
        if (has_usage && (X509_get_key_usage(issuer.native()) & KU_KEY_CERT_SIGN) == 0) {
            return refuse(CertError::issuer_not_ca,
                          "issuer " + describe(issuer) + " keyUsage lacks keyCertSign");
        }
    }
    return {};
}

// The leaf signs the handshake, so its key must have a scheme in PROTOCOL.md §3.2 (review L11).
// Issuers only sign certificates; OpenSSL's security level judges their keys.
Result<void, CertFailure> check_strength(const std::vector<Certificate>& chain) {
    auto key = chain.front().public_key().describe();
    if (auto usable = crypto::check_protocol_key(key); !usable) {
        bool small_rsa = key.algorithm == crypto::KeyAlgorithm::rsa;
        return refuse(small_rsa ? CertError::weak_key_or_algorithm : CertError::unsupported_key,
                      usable.error().message);
    }
    // Every signature we rely on (all but the anchor's own self-signature).
    for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
        int md_nid = NID_undef;
        if (X509_get_signature_info(chain[i].native(), &md_nid, nullptr, nullptr, nullptr) == 1 &&
            (md_nid == NID_md5 || md_nid == NID_sha1 || md_nid == NID_md4)) {
            return refuse(CertError::weak_key_or_algorithm,
                          describe(chain[i]) + " is signed with " + OBJ_nid2sn(md_nid));
        }
    }
    return {};
}

Result<void, CertFailure> check_purpose(const Certificate& leaf, const VerifyPolicy& policy) {
    X509* x = leaf.native();
    const Purpose purpose = policy.purpose;
    if (leaf.is_ca()) {
        return refuse(CertError::wrong_purpose,
                      describe(leaf) + " is a CA certificate, not an end-entity certificate");
    }
    const char* eku_name = purpose == Purpose::server ? "serverAuth" : "clientAuth";
    std::uint32_t flags = X509_get_extension_flags(x);
    if ((flags & EXFLAG_XKUSAGE) != 0) {
        std::uint32_t needed = purpose == Purpose::server ? XKU_SSL_SERVER : XKU_SSL_CLIENT;
        if ((X509_get_extended_key_usage(x) & needed) == 0) {
            return refuse(CertError::wrong_purpose,
                          describe(leaf) + " is not for " + std::string(purpose_name(purpose)) +
                              " use (extendedKeyUsage lacks " + eku_name + ")");
        }
    } else if (!policy.allow_legacy_seed_certs) {
        // Without EKU a certificate would serve either purpose (review L11).
        return refuse(CertError::wrong_purpose,
                      describe(leaf) + " has no extendedKeyUsage; v1 needs " + eku_name +
                          " (the seeds' certificates lack it: --allow-legacy-seed-certs " +
                          "accepts them)");
    }
    if ((flags & EXFLAG_KUSAGE) != 0 && (X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE) == 0) {
        return refuse(
            CertError::wrong_purpose,
            describe(leaf) + " keyUsage lacks digitalSignature, which the handshake needs");
    }
    return {};
}

Result<void, CertFailure> check_name(const Certificate& leaf, const std::string& name) {
    if (leaf_has_name(leaf, name)) {
        return {};
    }
    std::string names;
    for (const auto& san : leaf.subject_alt_names()) {
        names += (names.empty() ? "" : ", ") + san;
    }
    if (names.empty()) {
        names = "CN=" + leaf.common_name();
    }
    return refuse(CertError::name_mismatch, "expected '" + display_text(name) +
                                                "', the certificate names " + display_text(names));
}

}  // namespace

std::string_view purpose_name(Purpose purpose) {
    return purpose == Purpose::server ? "server" : "client";
}

std::string_view cert_error_name(CertError code) {
    switch (code) {
        case CertError::malformed:
            return "malformed";
        case CertError::unknown_issuer:
            return "unknown_issuer";
        case CertError::bad_signature:
            return "bad_signature";
        case CertError::expired:
            return "expired";
        case CertError::not_yet_valid:
            return "not_yet_valid";
        case CertError::revoked:
            return "revoked";
        case CertError::name_mismatch:
            return "name_mismatch";
        case CertError::wrong_purpose:
            return "wrong_purpose";
        case CertError::weak_key_or_algorithm:
            return "weak_key_or_algorithm";
        case CertError::issuer_not_ca:
            return "issuer_not_ca";
        case CertError::crl_problem:
            return "crl_problem";
        case CertError::unsupported_key:
            return "unsupported_key";
    }
    return "unknown";
}

std::string CertFailure::message() const {
    static constexpr std::pair<CertError, const char*> kHeadlines[] = {
        {CertError::malformed, "certificate is malformed"},
        {CertError::unknown_issuer, "certificate is not issued by the trusted CA"},
        {CertError::bad_signature, "certificate signature is invalid"},
        {CertError::expired, "certificate has expired"},
        {CertError::not_yet_valid, "certificate is not yet valid"},
        {CertError::revoked, "certificate is revoked"},
        {CertError::name_mismatch, "certificate name does not match"},
        {CertError::wrong_purpose, "certificate is not valid for this purpose"},
        {CertError::weak_key_or_algorithm, "certificate uses a weak key or algorithm"},
        {CertError::issuer_not_ca, "certificate issuer is not a valid CA"},
        {CertError::crl_problem, "revocation status cannot be checked"},
        {CertError::unsupported_key, "certificate key type is not supported"},
    };
    for (const auto& [c, headline] : kHeadlines) {
        if (c == code) {
            return std::string(headline) + " [" + std::string(cert_error_name(code)) +
                   "]: " + detail;
        }
    }
    return detail;
}

Result<VerifiedCertificate, CertFailure> verify_certificate(
    const std::vector<Certificate>& presented, const VerifyPolicy& policy) {
    if (presented.empty()) {
        return refuse(CertError::malformed, "no certificate presented");
    }
    SC_TRY_ASSIGN(auto chain, build_chain(presented, policy));
    SC_TRY(check_times(chain, policy));
    SC_TRY(check_crl_times(policy));
    SC_TRY(check_issuers(chain));
    SC_TRY(check_strength(chain));
    SC_TRY(check_purpose(chain.front(), policy));
    if (policy.expected_name) {
        SC_TRY(check_name(chain.front(), *policy.expected_name));
    }
    return VerifiedCertificate(std::move(chain), presented);
}

}  // namespace sc::pki
