// tests/vectors/e2e_v1.json (made from docs/PROTOCOL.md §10 alone by an independent Python
// implementation, tools/e2e_spec.py) recomputed with this implementation: first value by value
// with the lower-level functions, then by two real DeviceSessions exchanging the same
// messages, whose envelopes must be the vectors' byte for byte.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "common/files.h"
#include "crypto/key_file.h"
#include "crypto/sha256.h"
#include "e2e/device_sessions.h"
#include "e2e/device_state.h"
#include "e2e/envelope.h"
#include "e2e/prekeys.h"
#include "e2e/ratchet.h"
#include "e2e/x3dh.h"
#include "pki/certificate.h"
#include "support/hex.h"
#include "support/temp_dir.h"
#include "testing/deterministic_entropy.h"

namespace sc::e2e {
namespace {

using crypto::SecretAccess;
using crypto::SecretBytes;
using crypto::X25519KeyPair;
using nlohmann::json;
using sc::test::hex;

const std::filesystem::path kDir = SECURECHAT_VECTORS_DIR;

json load() {
    return json::parse(sc::test::read_text(kDir / "e2e_v1.json"));
}

Bytes h(const json& j) {
    return hex(j.get<std::string>());
}

std::string hx(ByteView bytes) {
    return to_hex(bytes);
}
std::string hx(const SecretBytes& s) {
    return to_hex(s.reveal(SecretAccess{}));
}

X25519KeyPair pair_of(const json& private_hex) {
    return X25519KeyPair::from_private(SecretBytes(h(private_hex))).value();
}

struct VectorDevice {
    VerifiedDevice verified;
    crypto::PrivateKey key;
};

VectorDevice device_of(const json& d) {
    auto cert =
        pki::Certificate::from_pem(sc::test::read_text(kDir / d["cert"].get<std::string>()));
    EXPECT_TRUE(cert) << cert.error().message;
    auto key = crypto::load_private_key(kDir / d["key"].get<std::string>());
    EXPECT_TRUE(key) << key.error().message;
    return VectorDevice{VerifiedDevice{d["user"], d["device"], cert->fingerprint(), cert->to_der(),
                                       cert->public_key()},
                        std::move(key).value()};
}

struct Vectors {
    json v = load();
    const json& in = v["inputs"];
    const json& out = v["values"];
    std::map<std::string, VectorDevice> devices;
    Vectors() {
        devices.emplace("alice", device_of(in["devices"]["alice"]));
        devices.emplace("bob", device_of(in["devices"]["bob"]));
    }
    const VectorDevice& dev(const json& name) { return devices.at(name.get<std::string>()); }
    Conversation conv() { return Conversation::between("alice", "bob").value(); }
};

TEST(E2eVectors, MatchTheSpecByteForByte) {
    Vectors t;
    const auto& in = t.in;
    const auto& out = t.out;
    const auto& alice = t.devices.at("alice");
    const auto& bob = t.devices.at("bob");
    EXPECT_EQ(alice.verified.fp.hex(), out["fingerprints"]["alice"]);
    EXPECT_EQ(bob.verified.fp.hex(), out["fingerprints"]["bob"]);
    EXPECT_EQ(hx(t.conv().encode()), out["conv"]);

    // §10.2 prekeys.
    auto spk = pair_of(in["bob_spk"]["private"]);
    auto otk = pair_of(in["bob_otk"]["private"]);
    const std::uint64_t spk_id = in["bob_spk"]["key_id"], otk_id = in["bob_otk"]["key_id"];
    for (auto [kind, pair, name] : {std::tuple{PrekeyKind::signed_prekey, &spk, "bob_spk"},
                                    std::tuple{PrekeyKind::one_time, &otk, "bob_otk"}}) {
        const std::uint64_t id = in[name]["key_id"], ts = in[name]["ts"];
        EXPECT_EQ(hx(pair->public_key()), out[name]["public"]) << name;
        EXPECT_EQ(hx(prekey_signed(kind, bob.verified.fp, id, pair->public_key(), ts)),
                  out[name]["prekey_signed"])
            << name;
        auto sig = sign_prekey(bob.key, kind, bob.verified.fp, id, pair->public_key(), ts);
        ASSERT_TRUE(sig);
        EXPECT_EQ(hx(*sig), out[name]["sig"]) << name;
        EXPECT_TRUE(verify_prekey(bob.verified.key, kind, bob.verified.fp, id, pair->public_key(),
                                  ts, h(out[name]["sig"])));
    }

    // §10.3 X3DH, with and without the one-time prekey, both sides.
    auto ek = pair_of(in["alice_ek_private"]);
    EXPECT_EQ(hx(ek.public_key()), out["x3dh"]["ek_public"]);
    EXPECT_EQ(hx(ek.agree(spk.public_key()).value()), out["x3dh"]["dh1"]);
    EXPECT_EQ(hx(ek.agree(otk.public_key()).value()), out["x3dh"]["dh2"]);
    X3dhContext ctx{alice.verified.fp, bob.verified.fp, spk_id, otk_id, ek.public_key()};
    auto sk = x3dh_initiator(ctx, ek, spk.public_key(), otk.public_key()).value();
    EXPECT_EQ(hx(sk), out["x3dh"]["sk"]);
    EXPECT_EQ(hx(x3dh_responder(ctx, spk, &otk).value()), out["x3dh"]["sk"]);
    auto ek2 = pair_of(in["no_otk"]["ek_private"]);
    X3dhContext ctx2{alice.verified.fp, bob.verified.fp, in["no_otk"]["spk_id"], 0,
                     ek2.public_key()};
    EXPECT_EQ(hx(ek2.public_key()), out["x3dh_no_otk"]["ek_public"]);
    EXPECT_EQ(hx(x3dh_initiator(ctx2, ek2, spk.public_key(), {}).value()),
              out["x3dh_no_otk"]["sk"]);
    EXPECT_EQ(hx(x3dh_responder(ctx2, spk, nullptr).value()), out["x3dh_no_otk"]["sk"]);

    // §10.4 initialisation.
    auto dhs0 = pair_of(in["alice_ratchet_private"][0]);
    EXPECT_EQ(hx(dhs0.public_key()), out["ratchet_init"]["dhs_public"]);
    auto dh_out = dhs0.agree(spk.public_key()).value();
    EXPECT_EQ(hx(dh_out), out["ratchet_init"]["dh_out"]);
    auto root = kdf_rk(sk, dh_out).value();
    EXPECT_EQ(hx(root.rk), out["ratchet_init"]["rk"]);
    EXPECT_EQ(hx(root.ck), out["ratchet_init"]["cks"]);

    // The messages, through two Ratchets; their DH steps draw the vectors' ratchet keys.
    std::map<std::string, Ratchet> ratchets;
    ratchets.emplace("alice", Ratchet::initiator(sk, spk.public_key(), dhs0).value());
    ratchets.emplace("bob", Ratchet::responder(sk, spk));
    std::map<std::string, sc::test::DeterministicEntropy> entropy;
    for (std::size_t i = 1; i < in["alice_ratchet_private"].size(); ++i) {
        entropy["alice"].script_random(h(in["alice_ratchet_private"][i]));
    }
    for (const auto& key : in["bob_ratchet_private"]) {
        entropy["bob"].script_random(h(key));
    }
    // The root and chain keys as §10.4 makes them, independently of the Ratchet class: each new
    // sending chain of P, on the peer's key Q, is KDF_RK(rk of Q's chain, DH(P's new key, Q)).
    std::map<std::string, std::vector<X25519KeyPair>> ratchet_keys{{"alice", {dhs0}},
                                                                   {"bob", {spk}}};
    for (std::size_t i = 1; i < in["alice_ratchet_private"].size(); ++i) {
        ratchet_keys["alice"].push_back(pair_of(in["alice_ratchet_private"][i]));
    }
    for (const auto& key : in["bob_ratchet_private"]) {
        ratchet_keys["bob"].push_back(pair_of(key));
    }
    std::map<std::string, std::size_t> key_index{{"alice", 0}, {"bob", 0}};
    for (std::size_t i = 0; i < out["messages"].size(); ++i) {
        const auto& want = out["messages"][i];
        const std::string from = in["messages"][i]["from"];
        if (i == 0) {
            EXPECT_EQ(want["rk"], out["ratchet_init"]["rk"]);
            EXPECT_EQ(want["ck"], out["ratchet_init"]["cks"]);
        } else if (want["n"] != 0) {
            const auto& prev = out["messages"][i - 1];
            EXPECT_EQ(want["rk"], prev["rk"]);
            EXPECT_EQ(hx(kdf_ck(SecretBytes(h(prev["ck"]))).value().ck), want["ck"]);
        } else {
            const auto& prev = out["messages"][i - 1];
            auto& keys = ratchet_keys[from];
            auto& idx = key_index[from];
            const Bytes q = h(prev["dh"]);
            // The receiving step, KDF_RK(rk, DH(P's old key, Q)), made prev's own (rk, ck).
            auto send = kdf_rk(SecretBytes(h(prev["rk"])), keys[idx + 1].agree(q).value()).value();
            ++idx;
            EXPECT_EQ(hx(send.rk), want["rk"]) << i;
            EXPECT_EQ(hx(send.ck), want["ck"]) << i;
            EXPECT_EQ(hx(keys[idx].public_key()), want["dh"]) << i;
        }
    }

    bool alice_received = false;
    Bytes a1_envelope;
    for (std::size_t i = 0; i < in["messages"].size(); ++i) {
        const auto& m = in["messages"][i];
        const auto& want = out["messages"][i];
        const std::string name = m["name"];
        ASSERT_EQ(want["name"], m["name"]);
        const auto& from = t.dev(m["from"]);
        const auto& to = t.dev(m["to"]);
        auto& sender = ratchets.at(m["from"]);
        auto& receiver = ratchets.at(m["to"]);

        auto sending = sender.next_send();
        ASSERT_TRUE(sending) << name;
        EXPECT_EQ(hx(sending->header.dh), want["dh"]) << name;
        EXPECT_EQ(sending->header.pn, want["pn"]) << name;
        EXPECT_EQ(sending->header.n, want["n"]) << name;
        EXPECT_EQ(hx(sending->mk), want["mk"]) << name;
        auto step = kdf_ck(SecretBytes(h(want["ck"]))).value();
        EXPECT_EQ(hx(step.mk), want["mk"]) << name;
        auto keys = message_key(sending->mk).value();
        EXPECT_EQ(hx(keys.key), want["key"]) << name;
        EXPECT_EQ(hx(keys.nonce), want["nonce"]) << name;

        MessageHead head{t.conv(),        from.verified.fp,
                         to.verified.fp,  MessageId::from_hex(m["mid"].get<std::string>()).value(),
                         m["seq"],        m["ts"],
                         sending->header, std::nullopt};
        const bool init = m["from"] == "alice" && !alice_received;
        EXPECT_EQ(init ? 1 : 0, want["init"]) << name;
        if (init) {
            head.init = InitFields{spk_id, otk_id, ek.public_key()};
        }
        auto head_bytes = encode_head(head);
        EXPECT_EQ(hx(head_bytes), want["head"]) << name;
        const Bytes salt = h(m["salt"]);
        const std::string text = m["text"];
        auto commit = message_commitment(salt, text);
        EXPECT_EQ(hx(commit), want["commit"]) << name;
        SecretBytes plaintext(salt);
        plaintext.append(as_bytes(text));
        auto ct = seal_with_message_key(sending->mk, plaintext, head_bytes).value();
        EXPECT_EQ(hx(ct), want["ct"]) << name;
        auto signed_bytes = message_signed(head_bytes, ct, commit);
        EXPECT_EQ(hx(signed_bytes), want["signed"]) << name;
        auto sig = from.key.sign(signed_bytes).value();
        EXPECT_EQ(hx(sig), want["sig"]) << name;
        auto envelope =
            encode_message_envelope(head_bytes, commit, from.verified.cert_der, ct, sig);
        EXPECT_EQ(hx(envelope), want["envelope"]) << name;
        if (name == "a1") {
            a1_envelope = envelope;
        }

        auto opened = receiver.decrypt(sending->header, ct, head_bytes, entropy[m["to"]]);
        ASSERT_TRUE(opened) << name << ": " << opened.error().message;
        EXPECT_TRUE(*opened == plaintext) << name;
        alice_received = alice_received || m["to"] == "alice";
    }
    EXPECT_TRUE(entropy["alice"].script_used_up());
    EXPECT_TRUE(entropy["bob"].script_used_up());

    // §10.5 kind 2.
    const auto& d = in["delivered"];
    ASSERT_EQ(d["of"], "a1");
    auto digest = crypto::sha256(a1_envelope);
    EXPECT_EQ(hx(digest), out["delivered"]["envelope_sha256"]);
    const auto& a1 = in["messages"][0];
    Delivered statement{t.conv(),        alice.verified.fp,
                        bob.verified.fp, MessageId::from_hex(a1["mid"].get<std::string>()).value(),
                        a1["seq"],       Bytes(digest.begin(), digest.end()),
                        d["ts"]};
    auto delivered = encode_delivered(statement);
    EXPECT_EQ(hx(delivered), out["delivered"]["delivered"]);
    EXPECT_EQ(hx(delivered_signed(delivered)), out["delivered"]["dsigned"]);
    auto dsig = bob.key.sign(delivered_signed(delivered)).value();
    EXPECT_EQ(hx(dsig), out["delivered"]["sig"]);
    EXPECT_EQ(hx(encode_delivered_envelope(delivered, bob.verified.cert_der, dsig)),
              out["delivered"]["envelope"]);
}

// The same exchange by two DeviceSessions: alice seals from bob's bundle, bob's state holds the
// vectors' prekeys (written as its state file), and every envelope is the vectors' own.
TEST(E2eVectors, DeviceSessionsMakeAndOpenTheVectorEnvelopes) {
    Vectors t;
    const auto& in = t.in;
    const auto& out = t.out;
    const auto& alice = t.devices.at("alice");
    const auto& bob = t.devices.at("bob");
    sc::test::TempDir dir;

    detail::StateData bob_state;
    bob_state.own_fp = bob.verified.fp;
    bob_state.next_key_id = 100;
    bob_state.spk = detail::OwnedPrekey{in["bob_spk"]["key_id"], in["bob_spk"]["ts"],
                                        pair_of(in["bob_spk"]["private"])};
    bob_state.one_time.push_back(detail::OwnedPrekey{in["bob_otk"]["key_id"], in["bob_otk"]["ts"],
                                                     pair_of(in["bob_otk"]["private"])});
    ASSERT_TRUE(write_file_atomically(dir / "bob.e2e",
                                      detail::serialize_state(bob_state).reveal(SecretAccess{}),
                                      FileMode::private_0600, Replace::yes));

    std::map<std::string, sc::test::DeterministicEntropy> entropy;
    entropy["alice"].script_random(h(in["alice_ek_private"]));
    entropy["alice"].script_random(h(in["alice_ratchet_private"][0]));
    auto a = DeviceSessions::open(dir / "alice.e2e", alice.verified, alice.key, entropy["alice"]);
    auto b = DeviceSessions::open(dir / "bob.e2e", bob.verified, bob.key, entropy["bob"]);
    ASSERT_TRUE(a && b);
    std::map<std::string, DeviceSessions*> sessions{{"alice", &*a}, {"bob", &*b}};

    VerifiedBundle bundle{bob.verified, in["bob_spk"]["key_id"], h(out["bob_spk"]["public"]),
                          in["bob_otk"]["key_id"], h(out["bob_otk"]["public"])};
    // Each receiver's DH step draws its next ratchet key; each sender draws the salt.
    const Bytes alice_r1 = h(in["alice_ratchet_private"][1]);
    const std::uint64_t now = in["messages"][in["messages"].size() - 1]["ts"];
    std::size_t bob_steps = 0;
    std::optional<OpenedMessage> a1_opened;
    for (std::size_t i = 0; i < in["messages"].size(); ++i) {
        const auto& m = in["messages"][i];
        const std::string name = m["name"], from = m["from"], to = m["to"];
        auto conv = t.conv();
        EXPECT_EQ(sessions[from]->next_seq(conv), m["seq"]) << name;
        entropy[from].script_random(h(m["salt"]));
        OutgoingMessage message{conv, MessageId::from_hex(m["mid"].get<std::string>()).value(),
                                m["seq"], m["ts"], m["text"]};
        auto sealed = sessions[from]->seal(t.devices.at(to).verified,
                                           from == "alice" ? &bundle : nullptr, message);
        ASSERT_TRUE(sealed) << name << ": " << sealed.error().message;
        EXPECT_EQ(hx(sealed->body), out["messages"][i]["envelope"]) << name;

        const auto& want = out["messages"][i];
        const bool new_chain = want["n"] == 0;
        if (to == "bob" && new_chain) {
            entropy["bob"].script_random(h(in["bob_ratchet_private"][bob_steps++]));
        }
        if (to == "alice" && new_chain) {
            entropy["alice"].script_random(alice_r1);
        }
        auto parsed = parse_envelope(h(want["envelope"]));
        ASSERT_TRUE(parsed) << name;
        auto opened = sessions[to]->open(*parsed, t.devices.at(from).verified, now);
        ASSERT_TRUE(opened) << name << ": " << opened.error().code << " " << opened.error().message;
        EXPECT_EQ(opened->text, m["text"].get<std::string>()) << name;
        if (name == "a1") {
            a1_opened = *opened;
        }
    }
    EXPECT_TRUE(entropy["alice"].script_used_up());
    EXPECT_TRUE(entropy["bob"].script_used_up());
    ASSERT_TRUE(a1_opened);
    auto delivered = b->make_delivered(*a1_opened, in["delivered"]["ts"]);
    ASSERT_TRUE(delivered);
    EXPECT_EQ(hx(*delivered), out["delivered"]["envelope"]);
    auto parsed = parse_envelope(*delivered).value();
    const auto sent_sha256 = h(out["delivered"]["envelope_sha256"]);
    auto checked = a->check_delivered(parsed, bob.verified,
                                      SentCopy{sent_sha256, a1_opened->mid, a1_opened->seq});
    EXPECT_TRUE(checked) << checked.error().message;
}

}  // namespace
}  // namespace sc::e2e
