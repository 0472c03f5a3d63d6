// Devices, a prekey "server" and message helpers for the e2e tests: real certificates from the
// tests/testing PKI builder, real DeviceSessions on state files in a temporary directory, and
// deterministic entropy per device.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "crypto/keys.h"
#include "e2e/device_sessions.h"
#include "pki/authority.h"
#include "support/temp_dir.h"
#include "testing/deterministic_entropy.h"
#include "testing/test_pki.h"

namespace sc::e2e::test {

inline constexpr std::uint64_t kNow = 1798761600000;  // 2027-01-01T00:00:00Z

struct Device {
    sc::test::Leaf leaf;
    VerifiedDevice verified;
};
// A client certificate of `user` naming device `name`.
Device make_device(const pki::CertificateAuthority& ca, const std::string& user,
                   const std::string& name, crypto::KeyType type = crypto::KeyType::ed25519);

// One device at work: its entropy, its DeviceSessions on `file`.
struct Party {
    Party(const Device& device, std::filesystem::path file, const std::string& label);
    Party(const Party&) = delete;
    Party& operator=(const Party&) = delete;
    void reload();  // save, then open the state file again

    const Device& device;
    std::filesystem::path file;
    sc::test::DeterministicEntropy entropy;
    std::unique_ptr<DeviceSessions> sessions;
};

// What the server keeps of each device's prekeys (§2.4), checking every signature (§10.2).
class PrekeyServer {
  public:
    // Asks `party` what to publish after the status the server would send, and stores it.
    void publish(Party& party, std::uint64_t now_ms);
    proto::msg::PrekeyStatus status(const Fingerprint& device) const;
    // One bundle: the signed prekey and one one-time prekey (handed out once), or none.
    VerifiedBundle bundle(const Device& device, bool with_one_time = true);

  private:
    struct Held {
        std::uint64_t spk_id = 0, spk_ts = 0;
        Bytes spk;
        std::deque<proto::msg::OneTimePrekey> one_time;
    };
    std::map<std::string, Held> held_;  // by fingerprint hex
};

struct Sent {
    SealedEnvelope sealed;
    OutgoingMessage message;
};
// Seals `text` from `from` for device `to`, in the conversation of their two users (or of
// `other_user` when `from` and `to` are the same user's devices).
Sent send(Party& from, const Device& to, const std::string& text, const VerifiedBundle* bundle,
          std::uint64_t ts = kNow, const std::string& other_user = "");
Result<OpenedMessage, OpenError> receive(Party& to, ByteView body, const Device& from,
                                         std::uint64_t now_ms = kNow);

// A fresh mid from a counter (distinct in one test run).
MessageId next_mid();

// A CA, alice's laptop and phone, bob and carol, a state directory and a prekey server.
struct World {
    explicit World(crypto::KeyType type = crypto::KeyType::ed25519);
    std::unique_ptr<Party> party(const Device& device, const std::string& name);
    // A party whose prekeys the server holds.
    std::unique_ptr<Party> published(const Device& device, const std::string& name);

    pki::CertificateAuthority ca;
    Device alice, alice_phone, bob, carol;
    sc::test::TempDir dir;
    PrekeyServer server;
};

}  // namespace sc::e2e::test
