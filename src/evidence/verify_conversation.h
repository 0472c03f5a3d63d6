// Offline checking of a conversation transcript (docs/PROTOCOL.md §11): who sent each message,
// that the server stored each copy and each device delivered it, and when, and a disclosed
// message's text, with nothing but the root CA certificate (and its CRLs). Pure functions over
// texts; reading the files is the caller's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/result.h"
#include "evidence/verify_evidence.h"

namespace sc::evidence {

// What the server's signed stored statement (§10.6) says about one copy.
struct StoredProof {
    std::size_t line = 0;
    std::string server;  // CN of the server certificate that signed it
    std::uint64_t held = 0;
    std::uint64_t ts = 0;  // unix ms of the server's commit
    std::uint64_t expires = 0;
};

// What the recipient device's signed delivered statement (§10.5) says.
struct DeliveredProof {
    std::size_t line = 0;
    std::string device;    // the device name in its certificate
    std::uint64_t ts = 0;  // when it accepted the message
};

// One device copy of a message this transcript's device sent.
struct CopyProof {
    std::size_t line = 0;  // the sent line
    std::string to_user;   // as the sent line says, confirmed by a delivered statement's cert
    Fingerprint device;    // fp_R
    std::optional<StoredProof> stored;
    std::optional<DeliveredProof> delivered;
    std::optional<std::size_t> expired_line;  // the writer's unsigned note that it expired
};

struct ConversationMessage {
    std::size_t line = 0;  // its first sent or received line
    bool sent = true;      // sent by the transcript's device (else received by it)
    std::string from_user;
    std::string from_device;  // the device name in the signing certificate
    Fingerprint from_fp;
    MessageId mid;
    std::uint64_t seq = 0;
    std::uint64_t ts = 0;           // the sender's signed clock
    std::vector<CopyProof> copies;  // sent messages: one per device copy
    struct Commitment {
        std::size_t line = 0;
        Bytes commit;  // each copy has its own salt, so its own commitment
    };
    std::vector<Commitment> commitments;
};

struct ConversationSummary {
    std::string me;
    std::string peer;
    Fingerprint device;  // the writer's own device
    std::uint64_t created = 0;
    std::vector<ConversationMessage> messages;  // in the order of their first line
    std::size_t warnings = 0;                   // unsigned warning lines
    std::size_t lines = 0;                      // lines checked, the header included
    std::optional<std::size_t> torn_line;       // a last line left unfinished by a crash
    bool missing_final_newline = false;         // the last line checked has no '\n'
};

// Checks every line, stopping at the first problem, which the error names ("line 4 (stored):
// the signature does not verify with the server certificate 'server'"). What each kind of line
// must satisfy is §11.2. A last line that is not a JSON object (a write cut short) is reported
// in `torn_line` and not checked; the rest is.
Result<ConversationSummary> verify_conversation(std::string_view transcript_text,
                                                const EvidenceTrust& trust);

struct ConversationDisclosure {
    std::size_t message = 0;  // index into summary.messages
    std::size_t line = 0;     // the line whose commitment the text and salt open
    std::string text;
};

// Checks a disclosure file (conversation_transcript.h's disclosure()) against the commitments
// of the verified message with its mid. Run verify_conversation first: this trusts its summary.
Result<ConversationDisclosure> check_conversation_disclosure(const ConversationSummary& summary,
                                                             std::string_view disclosure_text);

}  // namespace sc::evidence
