#include "unit/e2e/fixture.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "e2e/prekeys.h"

namespace sc::e2e::test {

Device make_device(const pki::CertificateAuthority& ca, const std::string& user,
                   const std::string& name, crypto::KeyType type) {
    sc::test::LeafSpec spec;
    spec.profile = pki::Profile::client;
    spec.name = user;
    spec.key_type = type;
    spec.sans = {"URI:urn:securechat:device:" + name};
    auto leaf = sc::test::issue(ca, spec);
    VerifiedDevice verified{user, name, leaf.cert.fingerprint(), leaf.cert.to_der(),
                            leaf.cert.public_key()};
    return Device{std::move(leaf), std::move(verified)};
}

namespace {

std::unique_ptr<DeviceSessions> open_sessions(const Party& party,
                                              sc::test::DeterministicEntropy& entropy) {
    auto opened =
        DeviceSessions::open(party.file, party.device.verified, party.device.leaf.key, entropy);
    if (!opened) {
        std::cerr << "cannot open the device state: " << opened.error().message << "\n";
        std::abort();
    }
    return std::make_unique<DeviceSessions>(std::move(opened).value());
}

}  // namespace

Party::Party(const Device& d, std::filesystem::path f, const std::string& label)
    : device(d), file(std::move(f)), entropy(label) {
    sessions = open_sessions(*this, entropy);
}

void Party::reload() {
    auto saved = sessions->save();
    ASSERT_TRUE(saved) << saved.error().message;
    sessions.reset();
    sessions = open_sessions(*this, entropy);
}

void PrekeyServer::publish(Party& party, std::uint64_t now_ms) {
    const auto& device = party.device.verified;
    auto status = this->status(device.fp);
    auto publish = party.sessions->prekeys_to_publish(status, now_ms);
    ASSERT_TRUE(publish) << publish.error().message;
    if (!*publish) {
        return;
    }
    auto& held = held_[device.fp.hex()];
    const auto& p = **publish;
    if (p.spk_id != 0) {
        ASSERT_TRUE(verify_prekey(device.key, PrekeyKind::signed_prekey, device.fp, p.spk_id, p.spk,
                                  p.spk_ts, p.spk_sig));
        held.spk_id = p.spk_id;
        held.spk_ts = p.spk_ts;
        held.spk = p.spk;
    }
    ASSERT_LE(p.one_time.size(), proto::kMaxOneTimePrekeysPerPublish);
    for (const auto& k : p.one_time) {
        ASSERT_TRUE(verify_prekey(device.key, PrekeyKind::one_time, device.fp, k.key_id, k.key,
                                  k.ts, k.sig));
        held.one_time.push_back(k);
    }
    ASSERT_LE(held.one_time.size(), proto::kMaxOneTimePrekeys);
}

proto::msg::PrekeyStatus PrekeyServer::status(const Fingerprint& device) const {
    proto::msg::PrekeyStatus status;
    auto it = held_.find(device.hex());
    if (it != held_.end()) {
        status.spk_id = it->second.spk_id;
        status.spk_ts = it->second.spk_ts;
        status.one_time_left = it->second.one_time.size();
    }
    return status;
}

VerifiedBundle PrekeyServer::bundle(const Device& device, bool with_one_time) {
    auto& held = held_[device.verified.fp.hex()];
    VerifiedBundle bundle{device.verified, held.spk_id, held.spk, 0, {}};
    if (with_one_time && !held.one_time.empty()) {
        bundle.otk_id = held.one_time.front().key_id;
        bundle.otk = held.one_time.front().key;
        held.one_time.pop_front();
    }
    return bundle;
}

MessageId next_mid() {
    static std::uint64_t counter = 0;
    ++counter;
    std::array<std::uint8_t, kMessageIdBytes> bytes{};
    for (int i = 0; i < 8; ++i) {
        bytes[15 - static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(counter >> (8 * i));
    }
    bytes[0] = 0x6d;
    return MessageId(bytes);
}

Sent send(Party& from, const Device& to, const std::string& text, const VerifiedBundle* bundle,
          std::uint64_t ts, const std::string& other_user) {
    const auto& peer_user = other_user.empty() ? to.verified.user : other_user;
    auto conv = Conversation::between(from.device.verified.user, peer_user);
    EXPECT_TRUE(conv);
    OutgoingMessage message{*conv, next_mid(), from.sessions->next_seq(*conv), ts, text};
    auto sealed = from.sessions->seal(to.verified, bundle, message);
    if (!sealed) {
        ADD_FAILURE() << "seal: " << sealed.error().message;
        return Sent{{}, message};
    }
    return Sent{std::move(sealed).value(), message};
}

Result<OpenedMessage, OpenError> receive(Party& to, ByteView body, const Device& from,
                                         std::uint64_t now_ms) {
    auto parsed = parse_envelope(body);
    if (!parsed) {
        return fail(OpenError{"malformed", parsed.error().message});
    }
    return to.sessions->open(*parsed, from.verified, now_ms);
}

World::World(crypto::KeyType type)
    : ca(sc::test::make_root_ca()),
      alice(make_device(ca, "alice", "laptop", type)),
      alice_phone(make_device(ca, "alice", "phone", type)),
      bob(make_device(ca, "bob", "default", type)),
      carol(make_device(ca, "carol", "default", type)) {}

std::unique_ptr<Party> World::party(const Device& device, const std::string& name) {
    return std::make_unique<Party>(device, dir / (name + ".e2e"), "entropy of " + name);
}

std::unique_ptr<Party> World::published(const Device& device, const std::string& name) {
    auto p = party(device, name);
    server.publish(*p, kNow);
    return p;
}

}  // namespace sc::e2e::test
