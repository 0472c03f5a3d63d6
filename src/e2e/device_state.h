// What DeviceSessions keeps (docs/PROTOCOL.md §10.2–§10.5) and its state file's bytes: private
// prekeys, ratchet sessions per peer device, counters per conversation, and the message ids
// accepted. Internal to src/e2e. The file is binary, written straight into wiped memory
// (secret_codec.h), because nearly every field of it is a secret:
//   "securechat/v1 e2e state" ‖ 0x00 ‖ u8 1 ‖ own fp ‖ u64 next_key_id ‖ u8 topping_up
//   ‖ u8 has_spk [spk] ‖ u8 has_previous [spk ‖ u64 retired_at] ‖ u32 n ‖ n × otk
//   ‖ u32 n ‖ n × (conv ‖ u64 next_seq) ‖ u32 n ‖ n × (peer fp ‖ u32 m ‖ m × blob(session))
//   ‖ u32 n ‖ n × (sender fp ‖ conv ‖ u64 last_seq ‖ u32 m ‖ m × mid)
// with a prekey = u64 id ‖ u64 ts ‖ private (32), conv = text(first) ‖ text(second), and a
// session = blob(init_ek) ‖ u8 pending [u64 spk_id ‖ u64 opk_id ‖ ek (32)] ‖ blob(ratchet).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/result.h"
#include "crypto/secret.h"
#include "crypto/x25519.h"
#include "e2e/conversation.h"
#include "e2e/device_sessions.h"
#include "e2e/envelope.h"
#include "e2e/ratchet.h"

namespace sc::e2e::detail {

struct OwnedPrekey {
    std::uint64_t id = 0;
    std::uint64_t ts = 0;
    crypto::X25519KeyPair pair;
};

struct RetiredPrekey {
    OwnedPrekey key;
    std::uint64_t retired_at = 0;  // its private half goes kSignedPrekeyGraceMs after this
};

struct Session {
    Ratchet ratchet;
    Bytes init_ek;  // EK_A.pub of the X3DH that made it: names it in init messages
    // The init fields we repeat until we receive a message in this session (initiator only).
    std::optional<InitFields> pending_init;
};

struct Received {  // from one sender device in one conversation
    std::uint64_t last_seq = 0;
    std::deque<MessageId> mids;  // oldest first, at most kMaxSeenMessageIds
};

struct StateData {
    Fingerprint own_fp;
    std::uint64_t next_key_id = 1;  // shared by both kinds of prekey: no id is reused
    bool topping_up = false;        // one-time prekeys: filling up to kMaxOneTimePrekeys
    std::optional<OwnedPrekey> spk;
    std::optional<RetiredPrekey> previous_spk;
    std::vector<OwnedPrekey> one_time;  // oldest first
    std::map<Conversation, std::uint64_t> next_seq;
    std::unordered_map<Fingerprint, std::vector<Session>> sessions;  // newest first
    std::map<std::pair<Bytes, Conversation>, Received> received;     // (sender fp, conv)
};

// One-time private keys kept (published, or handed out and not yet used); the oldest go first.
inline constexpr std::size_t kMaxOneTimePrivateKeys = 200;
// The largest state file read back.
inline constexpr std::size_t kMaxStateFileBytes = 64 * 1024 * 1024;

crypto::SecretBytes serialize_session(const Session& session);
Result<Session> parse_session(ByteView bytes);

crypto::SecretBytes serialize_state(const StateData& state);
Result<StateData> parse_state(ByteView bytes);

// A fresh X25519 pair from the device's entropy (so tests can fix it).
Result<crypto::X25519KeyPair> fresh_pair(proto::Entropy& entropy);
// Keeps at most kMaxSessionsPerPeerDevice sessions, dropping the oldest (the last).
void trim_sessions(std::vector<Session>& sessions);
// What /details shows of one message (never a key).
MessageDetails details_of(const MessageHead& head, ByteView ct, ByteView sig, ByteView commit);

}  // namespace sc::e2e::detail

namespace sc::e2e {

struct DeviceSessions::State {
    std::filesystem::path path;
    VerifiedDevice own;
    const crypto::PrivateKey* key = nullptr;
    proto::Entropy* entropy = nullptr;
    detail::StateData data;
};

}  // namespace sc::e2e
