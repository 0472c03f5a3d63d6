// A certificate authority in memory: its certificate and key, and the signing of certificates
// and CRLs. The CA directory on disk (files, index, locking) is pki/ca_directory.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/keys.h"
#include "pki/certificate.h"
#include "pki/crl.h"
#include "pki/time_text.h"

namespace sc::pki {

enum class Profile {
    root_ca,          // self-signed, CA:TRUE, keyCertSign + cRLSign
    intermediate_ca,  // CA:TRUE pathlen:0, keyCertSign + cRLSign
    server,           // CA:FALSE, digitalSignature, EKU serverAuth
    client,           // CA:FALSE, digitalSignature, EKU clientAuth
};

struct CertSpec {
    Profile profile = Profile::server;
    std::string common_name{};
    std::vector<std::string> subject_alt_names{};  // "DNS:x" / "IP:x", already validated
    TimePoint not_before{};
    TimePoint not_after{};
    std::optional<Bytes> serial{};  // a random 128-bit serial when absent
};

struct RevokedEntry {
    Bytes serial{};
    TimePoint revoked_at{};
};

// A random positive 128-bit serial number (RFC 5280 4.1.2.2 allows up to 20 octets).
Result<Bytes> random_serial();

class CertificateAuthority {
  public:
    CertificateAuthority(Certificate certificate, crypto::PrivateKey key);

    // A new self-signed root.
    static Result<CertificateAuthority> create_root(const std::string& common_name,
                                                    crypto::KeyType key_type, TimePoint not_before,
                                                    TimePoint not_after);
    // A new self-signed root with a key the caller already has (tests reuse fixed keys).
    static Result<CertificateAuthority> create_root(const std::string& common_name,
                                                    crypto::PrivateKey key, TimePoint not_before,
                                                    TimePoint not_after);

    const Certificate& certificate() const { return certificate_; }
    const crypto::PrivateKey& key() const { return key_; }

    // Signs a certificate for `subject_key` under this CA. The caller chooses every field, so
    // tests can craft expired or not-yet-valid certificates; pki/ca_directory.h applies policy.
    Result<Certificate> sign(const crypto::PublicKey& subject_key, const CertSpec& spec) const;

    Result<Crl> make_crl(const std::vector<RevokedEntry>& revoked, TimePoint this_update,
                         TimePoint next_update, std::uint64_t crl_number) const;

  private:
    Certificate certificate_;
    crypto::PrivateKey key_;
};

}  // namespace sc::pki
