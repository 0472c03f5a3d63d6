// What the protocol core needs from the outside world, injected so that tests (and test
// vectors) can fix time and randomness: the core never reads a clock or an RNG on its own.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/key_exchange.h"
#include "crypto/keys.h"
#include "pki/certificate.h"
#include "pki/crl.h"
#include "proto/limits.h"

namespace sc::proto {

class Clock {
  public:
    virtual ~Clock() = default;
    virtual std::chrono::system_clock::time_point now() const = 0;
};

class Entropy {
  public:
    virtual ~Entropy() = default;
    virtual Result<Bytes> random(std::size_t count) = 0;
    virtual Result<crypto::EphemeralKeyPair> ephemeral(crypto::DhGroup group) = 0;
};

class SystemClock final : public Clock {
  public:
    std::chrono::system_clock::time_point now() const override;
};

class SystemEntropy final : public Entropy {
  public:
    Result<Bytes> random(std::size_t count) override;
    Result<crypto::EphemeralKeyPair> ephemeral(crypto::DhGroup group) override;
};

std::uint64_t unix_millis(std::chrono::system_clock::time_point t);

// Our certificate chain (leaf first) and its private key, shared by all sessions of a server.
struct Identity {
    std::vector<pki::Certificate> chain;
    std::shared_ptr<const crypto::PrivateKey> key;
};

// Whom we trust: exactly one CA, optionally its CRL, and the clock skew we tolerate.
struct Trust {
    pki::Certificate ca;
    std::vector<pki::Crl> crls;
    std::chrono::seconds clock_skew = kDefaultCertificateSkew;
    // Accept peer leaves without an extendedKeyUsage, as the seeds' `openssl x509 -req`
    // certificates are (review L11: off by default; docs/PKI.md).
    bool allow_legacy_seed_certs = false;
};

}  // namespace sc::proto
