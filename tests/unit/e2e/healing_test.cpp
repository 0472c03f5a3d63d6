// Forward secrecy and post-compromise security (docs/PROTOCOL.md §10.4), with a thief who
// copies a device's ratchet state and runs it in a DeviceSessions of its own.
#include <gtest/gtest.h>

#include "e2e/device_sessions.h"
#include "unit/e2e/fixture.h"

namespace sc::e2e::test {
namespace {

struct Stolen {
    World w;
    std::unique_ptr<Party> a, b, thief;
    Stolen() {
        a = w.party(w.alice, "alice");
        b = w.published(w.bob, "bob");
        // The thief has bob's certificate and key (it stole the device), not its state file.
        thief = w.party(w.bob, "thief");
        auto bundle = w.server.bundle(w.bob);
        auto first = receive(*b, send(*a, w.bob, "hello", &bundle).sealed.body, w.alice);
        EXPECT_TRUE(first) << first.error().message;
    }
    void steal() {
        auto state = b->sessions->export_session_for_test(w.alice.verified.fp);
        ASSERT_TRUE(state) << state.error().message;
        thief->sessions->drop_sessions(w.alice.verified.fp);
        ASSERT_TRUE(thief->sessions->import_session_for_test(w.alice.verified.fp, *state));
    }
};

// The thief holds bob's current ratchet private key, so what is agreed with it stays readable
// (alice's chain that answers it included). The step that heals is bob's next one: on alice's
// new ratchet key, bob makes a fresh pair the thief never sees; from then on nothing opens
// for the thief — bob's new chain, and every chain alice makes after hearing from it.
TEST(E2eRatchet, AStolenStateReadsNothingAfterTheNextDhStep) {
    Stolen s;
    s.steal();
    // The current receiving chain: the thief reads what alice sends in it.
    auto in_chain = send(*s.a, s.w.bob, "still in the stolen chain", nullptr);
    auto read = receive(*s.thief, in_chain.sealed.body, s.w.alice);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->text, "still in the stolen chain");
    ASSERT_TRUE(receive(*s.b, in_chain.sealed.body, s.w.alice));

    // Bob replies with the ratchet key the thief holds; alice's answer agrees with it.
    auto reply = send(*s.b, s.w.alice, "reply", nullptr);
    ASSERT_TRUE(receive(*s.a, reply.sealed.body, s.w.bob));
    auto answer = send(*s.a, s.w.bob, "answer", nullptr);
    auto thief_answer = receive(*s.thief, answer.sealed.body, s.w.alice);
    ASSERT_TRUE(thief_answer) << "the stolen ratchet key still agrees with alice's new one";
    // Bob's DH step on it: a fresh ratchet key of bob's, which the thief does not take part in.
    ASSERT_TRUE(receive(*s.b, answer.sealed.body, s.w.alice));
    auto healed = send(*s.b, s.w.alice, "healed", nullptr);
    ASSERT_TRUE(receive(*s.a, healed.sealed.body, s.w.bob));
    for (int i = 0; i < 3; ++i) {
        auto next = send(*s.a, s.w.bob, "after the step " + std::to_string(i), nullptr);
        auto genuine = receive(*s.b, next.sealed.body, s.w.alice);
        ASSERT_TRUE(genuine) << genuine.error().message;
        auto stolen = receive(*s.thief, next.sealed.body, s.w.alice);
        ASSERT_FALSE(stolen) << "the thief read: " << stolen->text;
        EXPECT_EQ(stolen.error().code, "decrypt_failed");
    }
}

TEST(E2eRatchet, AStolenStateCannotOpenAMessageWhoseKeyWasUsed) {
    Stolen s;
    auto m1 = send(*s.a, s.w.bob, "one", nullptr);
    auto m2 = send(*s.a, s.w.bob, "two", nullptr);
    ASSERT_TRUE(receive(*s.b, m2.sealed.body, s.w.alice));
    ASSERT_TRUE(receive(*s.b, m1.sealed.body, s.w.alice));  // from a skipped key, then deleted
    s.steal();
    for (const auto* m : {&m1, &m2}) {
        auto stolen = receive(*s.thief, m->sealed.body, s.w.alice);
        ASSERT_FALSE(stolen) << "the thief read: " << stolen->text;
        EXPECT_EQ(stolen.error().code, "decrypt_failed");
    }
}

}  // namespace
}  // namespace sc::e2e::test
