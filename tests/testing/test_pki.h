// The one PKI builder of the tests: CAs (root and intermediate), server and client leaves of
// every key type, the variants tests need (expired, not yet valid, another name, revoked), CRLs,
// in memory or written to files as a `securechat pki` CA directory. No GoogleTest: a fixture
// that cannot be built aborts with the reason (it is a bug in the test, not a test failure).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "crypto/keys.h"
#include "pki/authority.h"
#include "pki/certificate.h"
#include "pki/crl.h"
#include "proto/environment.h"

namespace sc::test {

using TimePoint = std::chrono::system_clock::time_point;

struct LeafSpec {
    pki::Profile profile = pki::Profile::server;
    std::string name = "server";
    crypto::KeyType key_type = crypto::KeyType::ed25519;
    TimePoint not_before = std::chrono::system_clock::now() - std::chrono::hours(1);
    TimePoint not_after = std::chrono::system_clock::now() + std::chrono::hours(24);
    std::vector<std::string> sans{};  // defaults to DNS:<name>
    std::optional<Bytes> serial{};    // random when absent
};

// The variants, as changes to a spec (another name is just `.name`; revoked is make_crl).
LeafSpec expired(LeafSpec spec);        // ended a day ago (beyond any clock skew)
LeafSpec not_yet_valid(LeafSpec spec);  // starts in a day

struct Leaf {
    pki::Certificate cert;
    crypto::PrivateKey key;
};
proto::Identity identity(Leaf leaf);  // the leaf alone as its chain

// A root CA valid from an hour ago for a year, with a key from test_key() (fixed for RSA).
pki::CertificateAuthority make_root_ca(const std::string& name = "Test CA",
                                       crypto::KeyType type = crypto::KeyType::ed25519);
pki::CertificateAuthority make_root_ca(const std::string& name, crypto::KeyType type,
                                       TimePoint not_before, TimePoint not_after);
// An intermediate CA (pathlen 0) signed by `parent`, valid from an hour ago for 30 days.
pki::CertificateAuthority make_intermediate_ca(const pki::CertificateAuthority& parent,
                                               const std::string& name,
                                               crypto::KeyType type = crypto::KeyType::ed25519);

Leaf issue(const pki::CertificateAuthority& ca, const LeafSpec& spec = {});
Leaf issue_with_key(const pki::CertificateAuthority& ca, crypto::PrivateKey key,
                    const LeafSpec& spec);

// A CRL of `ca` revoking `revoked` (revoked an hour ago), valid from an hour ago for a week.
pki::Crl make_crl(const pki::CertificateAuthority& ca,
                  const std::vector<const pki::Certificate*>& revoked,
                  std::uint64_t crl_number = 1);

// A CA with a server "server" and a client "alice", the shape most protocol tests need.
struct TestPki {
    explicit TestPki(crypto::KeyType type = crypto::KeyType::ed25519);
    TestPki(pki::CertificateAuthority ca, proto::Identity server, proto::Identity client);

    pki::CertificateAuthority ca;
    proto::Identity server;
    proto::Identity client;

    proto::Identity issue(pki::Profile profile, const std::string& name, crypto::KeyType type,
                          TimePoint not_before, TimePoint not_after) const;
    proto::Trust trust() const;  // this CA, no CRL, 300 s of clock skew
};

// Identical in every process: the fuzz targets' CA (a frozen Ed25519 key and certificate),
// with a server "server" and a client "alice" whose Ed25519 keys derive from their names,
// all valid from 2020 to 2099, with fixed serials. Replayed sessions need nothing random.
const TestPki& deterministic_pki();

// Writes `ca` and `leaves` as the CA directory `pki/ca_directory.h` reads: ca.key, ca.crt,
// NAME.key and NAME.crt for each leaf (keys 0600, directory 0700), and index.txt listing the
// leaves, so `pki revoke` and `pki crl` work on it.
struct NamedLeaf {
    std::string file_name;
    const Leaf* leaf;
};
void write_ca_directory(const std::filesystem::path& dir, const pki::CertificateAuthority& ca,
                        const std::vector<NamedLeaf>& leaves);

}  // namespace sc::test
