// The test vectors of docs/PROTOCOL.md §9, checked byte for byte. A full session runs with fixed
// inputs (the Ed25519 PKI in tests/vectors, made by the openssl CLI; RFC 7748's X25519 keys;
// fixed nonces, salt and clock), and every value is recomputed here from the spec's formulas
// with the crypto primitives alone, then compared with the session's actual bytes and with
// tests/vectors/protocol_v1.json. Set SECURECHAT_PRINT_VECTORS=1 to print the values.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <deque>
#include <iostream>

#include "common/base64.h"
#include "common/byte_writer.h"
#include "common/files.h"
#include "crypto/hkdf.h"
#include "crypto/internal/aead_raw.h"
#include "pki/ca_directory.h"
#include "proto/client_session.h"
#include "proto/record_layer.h"
#include "proto/server_session.h"
#include "proto/transcript.h"
#include "support/temp_dir.h"
#include "testing/deterministic_entropy.h"
#include "testing/fixed_clock.h"
#include "testing/storing_owner.h"

namespace sc::proto {
namespace {

using crypto::SecretAccess;
using crypto::SecretBytes;

const std::string kDir = SECURECHAT_VECTORS_DIR;

Bytes hex(std::string_view h) {
    return *from_hex(h);
}

template <class T>
T take(Result<T> r) {
    EXPECT_TRUE(r.ok());
    return std::move(r).value();
}

Bytes counting(std::uint8_t from, std::size_t n) {
    Bytes out(n);
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = static_cast<std::uint8_t>(from + i);
    }
    return out;
}

// RFC 7748 §6.1.
const char* kAlicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
const char* kBobPrivate = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";

constexpr std::int64_t kNowMs = 1798761600000;  // 2027-01-01T00:00:00Z

Identity load_identity(const std::string& name) {
    auto chain = pki::load_certificate_chain(kDir + "/vector-" + name + ".crt");
    auto pem = read_file(kDir + "/vector-" + name + ".key");
    EXPECT_TRUE(chain && pem);
    auto key = crypto::PrivateKey::from_pem(SecretBytes(as_bytes(*pem)));
    EXPECT_TRUE(key);
    return Identity{*chain, std::make_shared<const crypto::PrivateKey>(std::move(key).value())};
}

SecretBytes label(const SecretBytes& secret, const std::string& l, ByteView context,
                  std::size_t n) {
    return *crypto::hkdf_expand_label(secret, l, context, n);
}

std::string hexs(const SecretBytes& s) {
    return to_hex(s.reveal(SecretAccess{}));
}

struct SessionRun {
    std::vector<Bytes> c2s, s2c;  // frames as sent
    std::vector<Event> client_events, server_events;
};

SessionRun run_session() {
    sc::test::FixedClock clock{
        std::chrono::system_clock::time_point{std::chrono::milliseconds{kNowMs}}};
    sc::test::DeterministicEntropy ce, se;
    ce.script_random(counting(0x00, 32));     // nonce_c
    ce.script_random(counting(0x40, 16));     // msg salt
    se.script_random(counting(0x20, 32));     // nonce_s
    ce.script_ephemeral(hex(kAlicePrivate));  // DH #1
    ce.script_ephemeral(Bytes(32, 0x11));     // DH #2
    se.script_ephemeral(hex(kBobPrivate));
    se.script_ephemeral(Bytes(32, 0x22));
    auto ca = pki::load_certificate_chain(kDir + "/vector-ca.crt")->front();
    Trust trust{ca, {}, std::chrono::seconds(300)};
    ClientSession client(ClientConfig{.identity = load_identity("client"),
                                      .trust = trust,
                                      .server_name = "server",
                                      .groups = {crypto::DhGroup::x25519}},
                         clock, ce);
    ServerSession server(ServerConfig{.identity = load_identity("server"), .trust = trust}, clock,
                         se);
    SessionRun run;
    auto pump = [&](Output out, bool from_client) {
        std::deque<std::pair<Output, bool>> q;
        q.emplace_back(std::move(out), from_client);
        while (!q.empty()) {
            auto [o, c] = std::move(q.front());
            q.pop_front();
            for (auto& e : o.events) {
                if (!c) {
                    if (auto* l = std::get_if<event::LoginRequested>(&e)) {
                        q.emplace_back(server.accept_auth(proto::Principal{.username = l->username},
                                                          proto::msg::AuthAction::logged_in),
                                       false);
                    }
                }
                (c ? run.client_events : run.server_events).push_back(e);
            }
            for (auto& f : o.send) {
                (c ? run.c2s : run.s2c).push_back(f);
                q.emplace_back(c ? ::sc::test::receive_storing(server, f) : client.receive(f), !c);
            }
        }
    };
    pump(client.start(), true);
    pump(client.login("alice", SecretBytes(as_bytes("correct horse battery staple"))), true);
    pump(client.send_text("Hello, SecureChat"), true);
    pump(client.close(), true);
    EXPECT_TRUE(ce.script_used_up() && se.script_used_up());
    return run;
}

TEST(ProtocolVectors, SessionMatchesTheSpecByteForByte) {
    SessionRun run = run_session();
    ASSERT_EQ(run.c2s.size(), 6u);  // hello, dh_client, login, dh_client #2, msg, receipt
    ASSERT_GE(run.s2c.size(), 6u);
    const Bytes& hello = run.c2s[0];
    const Bytes& server_hello = run.s2c[0];
    const Bytes& dh_server = run.s2c[1];
    const Bytes& dh_client = run.c2s[1];

    // §3.2 handshake hash.
    Bytes all;
    for (const Bytes* f : {&hello, &server_hello, &dh_server, &dh_client}) {
        all.insert(all.end(), f->begin(), f->end());
    }
    auto hh = crypto::sha256(all);
    SessionId session_id(hh);  // §3.2: the session is named by HH

    // §4.1 k_auth from DH #1 (RFC 7748's shared secret).
    auto dh1 = SecretBytes(hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"));
    auto auth_secret = *crypto::hkdf_extract(
        ByteWriter().raw(counting(0x00, 32)).raw(counting(0x20, 32)).bytes(), dh1);
    auto auth_c2s_key = label(auth_secret, "auth c2s key", hh, 32);
    auto auth_c2s_iv = label(auth_secret, "auth c2s iv", hh, 12);

    // The first record (login), opened with the spec-derived key.
    auto login_frame = nlohmann::json::parse(run.c2s[2].begin() + 4, run.c2s[2].end());
    Bytes login_ct = *base64_decode(login_frame["ct"].get<std::string>());
    std::array<std::uint8_t, 12> iv{};
    std::copy_n(auth_c2s_iv.reveal(SecretAccess{}).begin(), 12, iv.begin());
    auto key = take(crypto::Aes256GcmKey::create(auth_c2s_key));
    auto login_pt =
        crypto::internal::open(key, nonce_for(iv, 0), login_ct, record_ad(Direction::c2s, 0, 0));
    ASSERT_TRUE(login_pt) << "the login record does not open with the spec's k_auth";
    EXPECT_EQ(std::string(login_pt->begin(), login_pt->end()),
              R"({"password":"correct horse battery staple","type":"login","username":"alice"})");

    // §4.2 epoch 1 from DH #2.
    auto c2 = take(
        crypto::EphemeralKeyPair::from_private_for_test(crypto::DhGroup::x25519, Bytes(32, 0x11)));
    auto s2 = take(
        crypto::EphemeralKeyPair::from_private_for_test(crypto::DhGroup::x25519, Bytes(32, 0x22)));
    Bytes s2_share = s2.public_share();
    auto dh2 = *std::move(c2).derive(s2_share);
    auto next_salt = label(auth_secret, "next", hh, 32);
    auto epoch1 = *crypto::hkdf_extract(next_salt.reveal(SecretAccess{}), dh2);
    Bytes ctx1 = ByteWriter().raw(hh).u32(1).bytes();
    auto chat_c2s_key = label(epoch1, "chat c2s key", ctx1, 32);
    auto chat_c2s_iv = label(epoch1, "chat c2s iv", ctx1, 12);
    // M7: the msg keys are per epoch, with the same context as the record keys.
    auto msg_c2s_key = label(epoch1, "msg c2s key", ctx1, 32);
    auto msg_c2s_iv = label(epoch1, "msg c2s iv", ctx1, 12);
    auto chat_s2c_key = label(epoch1, "chat s2c key", ctx1, 32);
    auto chat_s2c_iv = label(epoch1, "chat s2c iv", ctx1, 12);

    // The msg record is c2s record 2 (after login and dh_client #2), sealed with epoch 1.
    auto msg_frame = nlohmann::json::parse(run.c2s[4].begin() + 4, run.c2s[4].end());
    ASSERT_EQ(msg_frame["seq"], 2);
    Bytes msg_record = *base64_decode(msg_frame["ct"].get<std::string>());
    std::copy_n(chat_c2s_iv.reveal(SecretAccess{}).begin(), 12, iv.begin());
    auto chat_key = take(crypto::Aes256GcmKey::create(chat_c2s_key));
    auto inner = crypto::internal::open(chat_key, nonce_for(iv, 2), msg_record,
                                        record_ad(Direction::c2s, 2, 1));
    ASSERT_TRUE(inner) << "the msg record does not open with the spec's epoch-1 key";
    auto msg = nlohmann::json::parse(inner->begin(), inner->end());
    EXPECT_EQ(msg["type"], "msg");
    EXPECT_EQ(msg["seqno"], 1);
    std::uint64_t ts = msg["ts"];
    EXPECT_EQ(ts, static_cast<std::uint64_t>(kNowMs));
    Bytes ct = *base64_decode(msg["ct"].get<std::string>());
    Bytes sig = *base64_decode(msg["sig"].get<std::string>());

    // §6: ct opens with the msg key to salt ‖ text; commit and signature per the spec.
    std::copy_n(msg_c2s_iv.reveal(SecretAccess{}).begin(), 12, iv.begin());
    auto mkey = take(crypto::Aes256GcmKey::create(msg_c2s_key));
    auto body = crypto::internal::open(mkey, nonce_for(iv, 1), ct,
                                       message_ad(session_id, Direction::c2s, 1, ts, 1));
    ASSERT_TRUE(body);
    EXPECT_EQ(Bytes(body->begin(), body->begin() + 16), counting(0x40, 16));
    EXPECT_EQ(std::string(body->begin() + 16, body->end()), "Hello, SecureChat");
    auto commit = commitment(counting(0x40, 16), "Hello, SecureChat");
    auto client_id = load_identity("client");
    auto server_id = load_identity("server");
    auto client_fp = client_id.chain.front().fingerprint();
    auto server_fp = server_id.chain.front().fingerprint();
    auto signed_msg = message_signed(1, SessionParties{session_id, client_fp, server_fp},
                                     Direction::c2s, 1, ts, ct, commit);
    EXPECT_TRUE(client_id.chain.front().public_key().verify(signed_msg, sig));

    // §6 the server's signed ack: s2c record 2 (after auth_ok and dh_server #2), epoch 1.
    auto ack_frame = nlohmann::json::parse(run.s2c[4].begin() + 4, run.s2c[4].end());
    ASSERT_EQ(ack_frame["seq"], 2);
    Bytes ack_record = *base64_decode(ack_frame["ct"].get<std::string>());
    std::copy_n(chat_s2c_iv.reveal(SecretAccess{}).begin(), 12, iv.begin());
    auto s2c_key = take(crypto::Aes256GcmKey::create(chat_s2c_key));
    auto ack_pt = crypto::internal::open(s2c_key, nonce_for(iv, 2), ack_record,
                                         record_ad(Direction::s2c, 2, 1));
    ASSERT_TRUE(ack_pt) << "the ack record does not open with the spec's epoch-1 s2c key";
    auto ack = nlohmann::json::parse(ack_pt->begin(), ack_pt->end());
    EXPECT_EQ(ack["type"], "ack");
    EXPECT_EQ(ack["seqno"], 1);
    Bytes ack_sig = *base64_decode(ack["sig"].get<std::string>());

    // §7 transcript (msg line, then its ack line) and the client's receipt.
    auto header = transcript_header(session_id, client_id.chain.front().to_der(),
                                    server_id.chain.front().to_der());
    TranscriptLine line{1, ts, Direction::c2s, ct, commit, sig, client_fp};
    auto running = crypto::sha256(as_bytes(line.format()));
    auto ack_bytes =
        ack_signed(session_id, Direction::c2s, 1, crypto::sha256(as_bytes(header)), running);
    EXPECT_TRUE(server_id.chain.front().public_key().verify(ack_bytes, ack_sig));
    AckLine ack_line{1, Direction::c2s, ack_sig, server_fp};
    TranscriptHasher th(header);
    th.append(Direction::c2s, line.format());
    th.append(Direction::c2s, ack_line.format());
    auto digest = th.digest();
    auto receipts = std::get_if<event::ReceiptsExchanged>(&run.client_events.back());
    ASSERT_NE(receipts, nullptr);
    EXPECT_EQ(receipts->transcript_sha256, digest);
    auto receipt_bytes = receipt_signed(session_id, server_fp, 0, 0, digest);
    EXPECT_TRUE(client_id.chain.front().public_key().verify(receipt_bytes, receipts->own.sig));

    nlohmann::json values = {
        {"hello_frame", to_hex(hello)},
        {"server_hello_frame", to_hex(server_hello)},
        {"dh_server_frame", to_hex(dh_server)},
        {"dh_client_frame", to_hex(dh_client)},
        {"handshake_hash", to_hex(hh)},
        {"dh1_shared_secret", hexs(dh1)},
        {"auth_secret", hexs(auth_secret)},
        {"auth_c2s_key", hexs(auth_c2s_key)},
        {"auth_c2s_iv", hexs(auth_c2s_iv)},
        {"login_record_ct", to_hex(login_ct)},
        {"dh2_shared_secret", hexs(dh2)},
        {"epoch1_secret", hexs(epoch1)},
        {"chat_c2s_key", hexs(chat_c2s_key)},
        {"chat_c2s_iv", hexs(chat_c2s_iv)},
        {"msg_c2s_key", hexs(msg_c2s_key)},
        {"msg_c2s_iv", hexs(msg_c2s_iv)},
        {"msg_record_ct", to_hex(msg_record)},
        {"msg_ct", to_hex(ct)},
        {"msg_commit", to_hex(commit)},
        {"msg_signed", to_hex(signed_msg)},
        {"msg_sig", to_hex(sig)},
        {"transcript_header", header},
        {"transcript_line", line.format()},
        {"ack_record_ct", to_hex(ack_record)},
        {"ack_signed", to_hex(ack_bytes)},
        {"ack_sig", to_hex(ack_sig)},
        {"transcript_ack_line", ack_line.format()},
        {"transcript_sha256", to_hex(digest)},
        {"client_receipt_signed", to_hex(receipt_bytes)},
        {"client_receipt_sig", to_hex(receipts->own.sig)},
    };
    if (std::getenv("SECURECHAT_PRINT_VECTORS") != nullptr) {
        std::cout << values.dump(2) << "\n";
    }
    auto text = read_file(kDir + "/protocol_v1.json");
    ASSERT_TRUE(text) << "missing tests/vectors/protocol_v1.json";
    auto expected = nlohmann::json::parse(*text);
    for (auto it = values.begin(); it != values.end(); ++it) {
        EXPECT_EQ(expected["values"][it.key()], it.value()) << it.key();
    }
}

}  // namespace
}  // namespace sc::proto
