#include "unit/evidence/conversation_builder.h"

#include <gtest/gtest.h>

#include <chrono>

#include "evidence/conversation_transcript.h"

namespace sc::evidence::test {
namespace {

namespace line = conversation;
constexpr std::uint64_t kWeekMs = 7ull * 24 * 3600 * 1000;

std::uint64_t unix_ms_now() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

template <typename T, typename E>
T value_of(Result<T, E> result, const char* what) {
    if (!result) {
        ADD_FAILURE() << what << " failed";
        std::abort();  // a broken fixture is a bug in the test
    }
    return std::move(result).value();
}

}  // namespace

std::string BuiltConversation::text() const {
    std::string out;
    for (const auto& l : lines) {
        out += l + "\n";
    }
    return out;
}

ConversationWorld::ConversationWorld()
    : server_leaf(sc::test::issue(ca, sc::test::LeafSpec{})), now_ms(unix_ms_now()) {}

std::string ConversationWorld::stored_line(const std::string& to,
                                           const e2e::StoredStatement& statement,
                                           const sc::test::Leaf& signer) const {
    auto sig = value_of(signer.key.sign(e2e::stored_signed(e2e::encode_stored(statement))),
                        "signing a stored statement");
    return line::stored_line(statement.ts + 1, to, statement, sig, signer.cert.to_der());
}

BuiltConversation ConversationWorld::build() {
    BuiltConversation out;
    auto a = party(alice, "alice");
    auto b = published(bob, "bob");
    auto phone = published(alice_phone, "alice-phone");
    auto conv = value_of(e2e::Conversation::between("alice", "bob"), "the conversation");

    out.lines.push_back(line::header_line("alice", alice.verified.fp.hex(), "bob", now_ms));

    // One message, two copies (bob's device and alice's phone): one mid, one seq, one ts.
    e2e::OutgoingMessage hello{conv, e2e::test::next_mid(), a->sessions->next_seq(conv), now_ms,
                               "hello bob"};
    out.first_mid = hello.mid;
    out.first_seq = hello.seq;
    auto bob_bundle = server.bundle(bob);
    auto phone_bundle = server.bundle(alice_phone);
    auto to_bob = value_of(a->sessions->seal(bob.verified, &bob_bundle, hello), "seal for bob");
    auto to_phone = value_of(a->sessions->seal(alice_phone.verified, &phone_bundle, hello),
                             "seal for the phone");
    out.envelope_to_bob = to_bob.body;
    out.envelope_to_phone = to_phone.body;
    out.sent_bob = out.lines.size();
    out.lines.push_back(line::sent_line(now_ms, "bob", bob.verified.fp.hex(), to_bob.body));
    out.sent_phone = out.lines.size();
    out.lines.push_back(
        line::sent_line(now_ms, "alice", alice_phone.verified.fp.hex(), to_phone.body));

    out.stored_for_bob = e2e::StoredStatement{
        alice.verified.fp, bob.verified.fp,      hello.mid, to_bob.envelope_sha256, 1,
        now_ms + 10,       now_ms + 10 + kWeekMs};
    out.stored_for_phone = e2e::StoredStatement{
        alice.verified.fp, alice_phone.verified.fp, hello.mid, to_phone.envelope_sha256, 2,
        now_ms + 11,       now_ms + 11 + kWeekMs};
    out.stored_bob = out.lines.size();
    out.lines.push_back(stored_line("bob", out.stored_for_bob, server_leaf));
    out.stored_phone = out.lines.size();
    out.lines.push_back(stored_line("alice", out.stored_for_phone, server_leaf));

    // Bob opens his copy and signs that he has it.
    auto opened = value_of(e2e::test::receive(*b, to_bob.body, alice, now_ms + 20), "bob opens");
    out.delivered_envelope =
        value_of(b->sessions->make_delivered(opened, now_ms + 20), "bob's delivered statement");
    out.delivered_bob = out.lines.size();
    out.lines.push_back(
        line::delivered_line(now_ms + 21, "bob", bob.verified.fp.hex(), out.delivered_envelope));

    // Bob answers in the session alice started; its salt is scripted so it can be disclosed.
    out.reply_salt = Bytes(16, 0x5a);
    out.reply_text = "hi alice";
    b->entropy.script_random(out.reply_salt);
    e2e::OutgoingMessage reply{conv, e2e::test::next_mid(), b->sessions->next_seq(conv),
                               now_ms + 30, out.reply_text};
    out.reply_mid = reply.mid;
    out.reply_seq = reply.seq;
    auto sealed = value_of(b->sessions->seal(alice.verified, nullptr, reply), "bob's reply");
    EXPECT_TRUE(b->entropy.script_used_up());
    out.reply_envelope = sealed.body;
    auto got = value_of(e2e::test::receive(*a, sealed.body, bob, now_ms + 31), "alice opens");
    EXPECT_EQ(got.text, out.reply_text);
    out.received = out.lines.size();
    out.lines.push_back(
        line::received_line(now_ms + 31, "bob", bob.verified.fp.hex(), sealed.body));

    out.warning = out.lines.size();
    out.lines.push_back(line::warning_line(now_ms + 40, "device_added", "alice", "phone", "",
                                           alice_phone.verified.fp.hex(), "a new device"));
    return out;
}

}  // namespace sc::evidence::test
