// A real conversation transcript for the verifier's tests: alice's laptop writes to bob (with a
// copy for alice's phone) through real DeviceSessions and the test CA, the server's stored
// statements are signed with a real server certificate, bob's delivered statement and reply are
// made by bob's own DeviceSessions. Lines are kept apart so tests can change any one of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "e2e/envelope.h"
#include "testing/test_pki.h"
#include "unit/e2e/fixture.h"

namespace sc::evidence::test {

struct BuiltConversation {
    std::vector<std::string> lines;  // without their '\n'; lines[0] is the header (line 1)
    std::string text() const;        // each line with its '\n'

    // Indices into `lines` (line number = index + 1).
    std::size_t sent_bob = 0, sent_phone = 0, stored_bob = 0, stored_phone = 0, delivered_bob = 0,
                received = 0, warning = 0;
    Bytes envelope_to_bob, envelope_to_phone, delivered_envelope, reply_envelope;
    e2e::StoredStatement stored_for_bob, stored_for_phone;
    MessageId first_mid, reply_mid;
    std::uint64_t first_seq = 0, reply_seq = 0;
    Bytes reply_salt;
    std::string reply_text;
};

class ConversationWorld : public e2e::test::World {
  public:
    ConversationWorld();

    // Alice's laptop's transcript of its conversation with bob.
    BuiltConversation build();
    // A stored line for `statement`, signed by `signer` (the server, or whoever a test picks).
    std::string stored_line(const std::string& to, const e2e::StoredStatement& statement,
                            const sc::test::Leaf& signer) const;

    sc::test::Leaf server_leaf;
    std::uint64_t now_ms;
};

}  // namespace sc::evidence::test
