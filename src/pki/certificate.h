// An X.509 certificate, parsed but not trusted: trust comes only from pki::verify_certificate,
// which returns a VerifiedCertificate.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/result.h"
#include "crypto/keys.h"
#include "crypto/sha256.h"
#include "pki/time_text.h"

struct x509_st;  // OpenSSL's X509

namespace sc::pki {

class Certificate {
  public:
    // Exactly one PEM certificate.
    static Result<Certificate> from_pem(std::string_view pem);
    // One or more PEM certificates, leaf first (a leaf followed by its intermediates).
    static Result<std::vector<Certificate>> chain_from_pem(std::string_view pem);
    static Result<Certificate> from_der(ByteView der);
    // A chain field of the protocol (docs/PROTOCOL.md §2.1): the leaf's DER followed by each
    // intermediate's, concatenated, at most proto::kMaxCertsInChain in all. A leaf alone is
    // just its DER, so a chain field with no intermediates is byte for byte a certificate field.
    static Result<std::vector<Certificate>> chain_from_der(ByteView der);
    static Bytes chain_to_der(const std::vector<Certificate>& chain);

    Certificate(const Certificate& other) noexcept;
    Certificate(Certificate&& other) noexcept;
    Certificate& operator=(Certificate other) noexcept;
    ~Certificate();

    std::string to_pem() const;
    Bytes to_der() const;

    std::string subject() const;      // RFC 2253 form: "CN=server,O=SecureChat"
    std::string common_name() const;  // "" when there is none
    std::string issuer() const;
    Bytes serial() const;            // big-endian magnitude
    std::string serial_hex() const;  // upper-case hex, as `openssl x509 -serial` and index.txt
    TimePoint not_before() const;
    TimePoint not_after() const;
    crypto::PublicKey public_key() const;
    Fingerprint fingerprint() const;          // SHA-256 of the DER encoding
    std::string fingerprint_text() const;     // "AB:CD:..."
    std::string signature_algorithm() const;  // "ED25519", "sha256WithRSAEncryption", ...

    std::vector<std::string> subject_alt_names() const;    // "DNS:server", "IP:127.0.0.1"
    std::vector<std::string> extended_key_usages() const;  // "serverAuth", "clientAuth", OIDs
    std::vector<std::string> key_usages() const;           // "digitalSignature", ...
    bool is_ca() const;                                    // basicConstraints CA:TRUE

    bool same_as(const Certificate& other) const;  // identical DER

    x509_st* native() const noexcept { return cert_; }  // for src/pki only
    static Certificate adopt(x509_st* cert) noexcept;   // takes ownership

  private:
    // Fills OpenSSL's lazily computed caches (extensions, key identifiers) at once, while the
    // certificate is still ours alone: a Certificate shared by threads (the CA of the trust
    // every connection verifies against) is then only read (a ThreadSanitizer race otherwise).
    explicit Certificate(x509_st* cert) noexcept;
    x509_st* cert_ = nullptr;
};

}  // namespace sc::pki
