// A conversation transcript (issue 12, docs/PROTOCOL.md §11): what one device keeps, per
// conversation, of the messages between two users, so that `securechat verify conversation`
// can prove, with nothing but the root CA certificate (and a CRL), who sent each message, that
// the server stored it and each device delivered it, and when, and a disclosed message's text.
//
// One JSON object per line, append-only. Every claim that matters is carried as the signed
// bytes themselves (an envelope of §10.5 with its sender's certificate inside, or the server's
// §10.6 statement with the server's certificate); the other fields are the writer's index into
// them, which the verifier re-derives and compares. These functions only build the lines; the
// client appends them (fsync'd) and the verifier (verify_conversation.h) reads them.
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "e2e/envelope.h"

namespace sc::evidence::conversation {

inline constexpr std::string_view kFormat = "securechat/v1 conversation";

// The first line of a file: {"transcript": kFormat, "me", "device" (own fp hex), "peer",
// "created" (unix ms)}.
std::string header_line(const std::string& me, const std::string& own_fp_hex,
                        const std::string& peer, std::uint64_t created_ms);

// A message this device sealed for one device (one line per device copy):
// {"line":"sent", "ts", "to" (the recipient device's user), "device" (its fp hex),
//  "envelope" (B64, kind 1)}.
std::string sent_line(std::uint64_t ts, const std::string& to_user, const std::string& to_fp_hex,
                      ByteView envelope);

// A message this device accepted: {"line":"received", "ts", "from", "device" (sender fp hex),
// "envelope" (B64, kind 1)}.
std::string received_line(std::uint64_t ts, const std::string& from_user,
                          const std::string& from_fp_hex, ByteView envelope);

// The server's stored statement for one copy this device sent: {"line":"stored", "ts",
// "to", "device" (fp_R hex), "from_device" (fp_S hex), "mid" (hex), "envelope_sha256" (hex),
// "held", "stored_ts", "expires", "sig" (B64), "server_cert" (B64 DER)}.
std::string stored_line(std::uint64_t ts, const std::string& to_user,
                        const e2e::StoredStatement& statement, ByteView sig,
                        ByteView server_cert_der);

// A delivered statement a recipient device signed: {"line":"delivered", "ts", "to",
// "device" (fp_R hex), "envelope" (B64, kind 2: it carries R's certificate and signature)}.
std::string delivered_line(std::uint64_t ts, const std::string& to_user,
                           const std::string& to_fp_hex, ByteView delivered_envelope);

// A device warning (device_added, device_changed, replayed, ...): {"line":"warning", "ts",
// "code", "user", "device", "old_fingerprint", "fingerprint", "message"}. Not signed: what this
// device saw.
std::string warning_line(std::uint64_t ts, const std::string& code, const std::string& user,
                         const std::string& device, const std::string& old_fingerprint,
                         const std::string& fingerprint, const std::string& message);

// A copy whose `expires` passed with no delivered statement: {"line":"expired", "ts", "to",
// "device", "mid" (hex)}. Not signed: the stored statement's `expires` is the proof.
std::string expired_line(std::uint64_t ts, const std::string& to_user, const std::string& to_fp_hex,
                         const std::string& mid_hex);

// A disclosure of one message's text, kept apart from the transcript and handed over on its
// own: {"disclosure": "securechat/v1 disclosure", "mid" (hex), "salt" (hex, 16 bytes), "text"}.
std::string disclosure(const std::string& mid_hex, ByteView salt, const std::string& text);

}  // namespace sc::evidence::conversation
