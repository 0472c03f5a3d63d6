#include "testing/test_pki.h"

#include <memory>
#include <string_view>
#include <utility>

#include "common/base64.h"
#include "common/files.h"
#include "crypto/sha256.h"
#include "pki/cert_index.h"
#include "testing/test_keys.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_days;
using std::chrono::system_clock;
using std::chrono::year;

TimePoint now() {
    return system_clock::now();
}

// The fuzz CA, made once with pki::CertificateAuthority::create_root (Ed25519, 2020-01-01 to
// 2099-12-31) and frozen here so that every process has the same one. The key is a test key and
// protects nothing.
constexpr std::string_view kDeterministicCaKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIGb/awClFMwpssXy/rMffCOeDr0TKLxoQg2kZIasqfu+\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::string_view kDeterministicCaCertPem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBXTCCAQ+gAwIBAgIQYpZMbst3P4maUahsaXlVljAFBgMrZXAwHTEbMBkGA1UE\n"
    "AwwSU2VjdXJlQ2hhdCBGdXp6IENBMCAXDTIwMDEwMTAwMDAwMFoYDzIwOTkxMjMx\n"
    "MDAwMDAwWjAdMRswGQYDVQQDDBJTZWN1cmVDaGF0IEZ1enogQ0EwKjAFBgMrZXAD\n"
    "IQAW89m4N9vXVel1EMAl3fjedk2x1cwyAf6SIEARd/DwHqNjMGEwDwYDVR0TAQH/\n"
    "BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFFZxW+YQytP/3DcoWf0j\n"
    "bmkyTkp8MB8GA1UdIwQYMBaAFFZxW+YQytP/3DcoWf0jbmkyTkp8MAUGAytlcANB\n"
    "AAsLhzjtU8h4NHU6PQ+syDYheMay/dTf3nYTHTE7CDZdrk+DTPYl7xanRrWJ94UD\n"
    "H28tzJ+S03Iwgfsc91bTgAA=\n"
    "-----END CERTIFICATE-----\n";

// An Ed25519 key from a seed: the 32 bytes after the fixed PKCS#8 (RFC 8410) prefix.
crypto::PrivateKey ed25519_from_label(std::string_view label) {
    static constexpr std::uint8_t kPrefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                               0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
    auto seed = crypto::sha256(as_bytes(label));
    crypto::SecretBytes der(ByteView(kPrefix, sizeof kPrefix));
    der.append(seed);
    std::string pem = "-----BEGIN PRIVATE KEY-----\n" +
                      base64_encode(der.reveal(crypto::SecretAccess{})) +
                      "\n-----END PRIVATE KEY-----\n";
    auto key = crypto::PrivateKey::from_pem(crypto::SecretBytes(as_bytes(pem)));
    crypto::secure_wipe(pem.data(), pem.size());
    return must(std::move(key), "cannot load a deterministic key");
}

TestPki build_deterministic_pki() {
    auto key =
        must(crypto::PrivateKey::from_pem(crypto::SecretBytes(as_bytes(kDeterministicCaKeyPem))),
             "deterministic CA key");
    auto cert = must(pki::Certificate::from_pem(kDeterministicCaCertPem), "deterministic CA cert");
    pki::CertificateAuthority ca(std::move(cert), std::move(key));
    auto leaf = [&](pki::Profile profile, const std::string& name, std::uint8_t serial) {
        LeafSpec spec{.profile = profile,
                      .name = name,
                      .not_before = system_clock::time_point(sys_days{year{2020} / 1 / 1}),
                      .not_after = system_clock::time_point(sys_days{year{2099} / 12 / 31}),
                      .serial = Bytes{0x40, 0x00, 0x00, serial}};
        // The label is the one the fuzz corpus was recorded with.
        return identity(
            issue_with_key(ca, ed25519_from_label("securechat fuzz key " + name), spec));
    };
    auto server = leaf(pki::Profile::server, "server", 1);
    auto client = leaf(pki::Profile::client, "alice", 2);
    return TestPki(std::move(ca), std::move(server), std::move(client));
}

}  // namespace

LeafSpec expired(LeafSpec spec) {
    spec.not_before = now() - 48h;
    spec.not_after = now() - 24h;
    return spec;
}

LeafSpec not_yet_valid(LeafSpec spec) {
    spec.not_before = now() + 24h;
    spec.not_after = now() + 48h;
    return spec;
}

proto::Identity identity(Leaf leaf) {
    return proto::Identity{{std::move(leaf.cert)},
                           std::make_shared<const crypto::PrivateKey>(std::move(leaf.key))};
}

pki::CertificateAuthority make_root_ca(const std::string& name, crypto::KeyType type,
                                       TimePoint not_before, TimePoint not_after) {
    return must(pki::CertificateAuthority::create_root(name, test_key(type), not_before, not_after),
                "cannot create a test CA");
}

pki::CertificateAuthority make_root_ca(const std::string& name, crypto::KeyType type) {
    return make_root_ca(name, type, now() - 1h, now() + 24h * 365);
}

pki::CertificateAuthority make_intermediate_ca(const pki::CertificateAuthority& parent,
                                               const std::string& name, crypto::KeyType type) {
    auto key = test_key(type);
    pki::CertSpec spec;
    spec.profile = pki::Profile::intermediate_ca;
    spec.common_name = name;
    spec.not_before = now() - 1h;
    spec.not_after = now() + 24h * 30;
    auto cert = must(parent.sign(key.public_key(), spec), "cannot issue an intermediate CA");
    return pki::CertificateAuthority(std::move(cert), std::move(key));
}

Leaf issue_with_key(const pki::CertificateAuthority& ca, crypto::PrivateKey key,
                    const LeafSpec& spec) {
    pki::CertSpec cs;
    cs.profile = spec.profile;
    cs.common_name = spec.name;
    cs.subject_alt_names =
        spec.sans.empty() ? std::vector<std::string>{"DNS:" + spec.name} : spec.sans;
    cs.not_before = spec.not_before;
    cs.not_after = spec.not_after;
    cs.serial = spec.serial;
    auto cert = must(ca.sign(key.public_key(), cs), "cannot issue a test certificate");
    return Leaf{std::move(cert), std::move(key)};
}

Leaf issue(const pki::CertificateAuthority& ca, const LeafSpec& spec) {
    return issue_with_key(ca, test_key(spec.key_type), spec);
}

pki::Crl make_crl(const pki::CertificateAuthority& ca,
                  const std::vector<const pki::Certificate*>& revoked, std::uint64_t crl_number) {
    std::vector<pki::RevokedEntry> entries;
    for (const auto* cert : revoked) {
        entries.push_back({*from_hex(cert->serial_hex()), now() - 1h});
    }
    return must(ca.make_crl(entries, now() - 1h, now() + 24h * 7, crl_number),
                "cannot make a test CRL");
}

TestPki::TestPki(crypto::KeyType type) : ca(make_root_ca("Test CA", type)) {
    server = issue(pki::Profile::server, "server", type, now() - 1h, now() + 24h * 30);
    client = issue(pki::Profile::client, "alice", type, now() - 1h, now() + 24h * 30);
}

TestPki::TestPki(pki::CertificateAuthority c, proto::Identity s, proto::Identity cl)
    : ca(std::move(c)), server(std::move(s)), client(std::move(cl)) {}

proto::Identity TestPki::issue(pki::Profile profile, const std::string& name, crypto::KeyType type,
                               TimePoint not_before, TimePoint not_after) const {
    return identity(sc::test::issue(ca, {.profile = profile,
                                         .name = name,
                                         .key_type = type,
                                         .not_before = not_before,
                                         .not_after = not_after}));
}

proto::Trust TestPki::trust() const {
    return proto::Trust{ca.certificate(), {}, std::chrono::seconds(300)};
}

const TestPki& deterministic_pki() {
    static const TestPki pki = build_deterministic_pki();
    return pki;
}

void write_ca_directory(const std::filesystem::path& dir, const pki::CertificateAuthority& ca,
                        const std::vector<NamedLeaf>& leaves) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
    if (ec) {
        fixture_failed("cannot create " + dir.string() + ": " + ec.message());
    }
    auto write = [](const std::filesystem::path& path, ByteView data, FileMode mode) {
        auto written = write_file_atomically(path, data, mode, Replace::no);
        if (!written) {
            fixture_failed(written.error().message);
        }
    };
    auto write_pair = [&](const std::string& name, const crypto::PrivateKey& key,
                          const pki::Certificate& cert) {
        auto pem = must(key.to_pem(), "cannot write a test key");
        write(dir / (name + ".key"), pem.reveal(crypto::SecretAccess{}), FileMode::private_0600);
        write(dir / (name + ".crt"), as_bytes(cert.to_pem()), FileMode::public_0644);
    };
    write_pair("ca", ca.key(), ca.certificate());
    pki::CertIndex index;
    for (const auto& [name, leaf] : leaves) {
        write_pair(name, leaf->key, leaf->cert);
        index.add_issued(leaf->cert, name + ".crt");
    }
    auto saved = index.save(dir / "index.txt");
    if (!saved) {
        fixture_failed(saved.error().message);
    }
}

}  // namespace sc::test
