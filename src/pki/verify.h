// Certificate verification: the one place that decides whether a peer's certificate is trusted.
// Policy (see docs/SECURITY.md): trust only the configured CA, never the system store.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "pki/certificate.h"
#include "pki/crl.h"
#include "pki/time_text.h"
#include "proto/limits.h"  // a leaf header: the defaults, not a dependency on sc_proto

namespace sc::pki {

enum class Purpose { server, client };
std::string_view purpose_name(Purpose purpose);

// Every way a certificate can be refused; each has its own name and message.
enum class CertError {
    malformed,              // not parseable, or a field OpenSSL cannot decode
    unknown_issuer,         // does not chain to the configured CA (self-signed, another CA)
    bad_signature,          // a signature in the chain does not verify
    expired,                // now > notAfter + skew (for any certificate in the chain)
    not_yet_valid,          // now < notBefore - skew
    revoked,                // listed on the CRL
    name_mismatch,          // the expected name is not among the SANs (or the CN, without SANs)
    wrong_purpose,          // EKU or keyUsage forbids this use, or an end-entity that is a CA
    weak_key_or_algorithm,  // RSA < 2048 bits, MD5/SHA-1 signatures
    issuer_not_ca,          // an issuer lacks basicConstraints CA:TRUE or keyCertSign
    crl_problem,            // the CRL is expired, not yet valid, badly signed or from another CA
    unsupported_key,        // a leaf key with no v1 signature scheme (Ed448, P-384, ...)
};

std::string_view cert_error_name(CertError code);  // "expired", "unknown_issuer", ...

struct CertFailure {
    CertError code;
    std::string detail;
    // "certificate expired: notAfter 2026-01-01 00:00:00 UTC is before now ..."
    std::string message() const;
};

struct VerifyPolicy {
    explicit VerifyPolicy(Certificate anchor) : trust_anchor(std::move(anchor)) {}

    Certificate trust_anchor;                  // the configured root CA
    std::vector<Crl> crls;                     // checked for the leaf when present
    std::optional<std::string> expected_name;  // DNS name or IP literal; none = any name
    Purpose purpose = Purpose::server;
    std::chrono::seconds clock_skew = proto::kDefaultCertificateSkew;
    TimePoint now = std::chrono::system_clock::now();
    // The seeds' hand-made certificates carry no extendedKeyUsage, which would let a client
    // certificate act as a server. By default a leaf must name serverAuth/clientAuth; an
    // operator who still runs seed certificates opts in (--allow-legacy-seed-certs).
    bool allow_legacy_seed_certs = false;
};

// A certificate chain that verify_certificate accepted. Only verify_certificate makes one.
class VerifiedCertificate {
  public:
    const Certificate& leaf() const { return chain_.front(); }
    const std::vector<Certificate>& chain() const { return chain_; }  // leaf ... root
    // The certificates as the peer presented them, leaf first (with its intermediates, and
    // whatever else it sent): what the evidence and the e2e certificate fields carry, so that
    // both ends of a session write the same bytes (Certificate::chain_to_der).
    const std::vector<Certificate>& presented() const { return presented_; }
    Bytes presented_der() const { return Certificate::chain_to_der(presented_); }

  private:
    friend Result<VerifiedCertificate, CertFailure> verify_certificate(
        const std::vector<Certificate>&, const VerifyPolicy&);
    VerifiedCertificate(std::vector<Certificate> chain, std::vector<Certificate> presented)
        : chain_(std::move(chain)), presented_(std::move(presented)) {}
    std::vector<Certificate> chain_;
    std::vector<Certificate> presented_;
};

// `presented` is the leaf followed by any intermediates (untrusted until chained to the anchor).
Result<VerifiedCertificate, CertFailure> verify_certificate(
    const std::vector<Certificate>& presented, const VerifyPolicy& policy);

}  // namespace sc::pki
