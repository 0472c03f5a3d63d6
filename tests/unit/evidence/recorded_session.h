// A real client-server session run in memory (tests/unit/proto/harness.h), with everything that
// becomes evidence collected: both transcripts, the four receipts and the disclosure material.
#pragma once

#include <string>
#include <vector>

#include "../proto/harness.h"

namespace sc::evidence::test {

struct SentMessage {
    proto::Direction dir;
    std::uint64_t seqno;
    std::string text;
    Bytes salt;
};

struct RecordedSession {
    SessionId session_id;
    pki::Certificate client_cert;
    pki::Certificate server_cert;
    std::string client_transcript;
    std::string server_transcript;
    proto::msg::Receipt client_receipt;  // signed by the client (its own; the server's peer copy)
    proto::msg::Receipt server_receipt;  // signed by the server
    std::vector<SentMessage> messages;   // in the order sent
    // The events each side saw, in order, to replay through SessionFiles.
    std::vector<proto::Event> client_events;
    std::vector<proto::Event> server_events;
};

// Chat in both directions with one rekey in the middle, then a proper close:
//   c2s 1 "hello server", s2c 1 "hello alice", c2s 2 "second | with a bar", rekey,
//   c2s 3 "after the rekey", s2c 2 "bye", c2s 4 "ünïcødé ✓"
// Any failure is reported with ADD_FAILURE.
RecordedSession record_session(const proto::test::TestPki& pki);

// Same, for a Pair the caller configured (other certificates, clocks).
RecordedSession record_session(proto::test::Pair& pair);

// The receipt file text for `receipt`, signed by `signer`.
std::string receipt_text(const RecordedSession& s, const proto::msg::Receipt& receipt,
                         const pki::Certificate& signer);

}  // namespace sc::evidence::test
