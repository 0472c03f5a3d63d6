#include "evidence/conversation_transcript.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace sc::evidence::conversation {

using nlohmann::json;

namespace {

// Names and messages come from the network: invalid UTF-8 is replaced, never thrown on.
std::string dump(const json& line) {
    return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string header_line(const std::string& me, const std::string& own_fp_hex,
                        const std::string& peer, std::uint64_t created_ms) {
    return dump({{"transcript", kFormat},
                 {"me", me},
                 {"device", own_fp_hex},
                 {"peer", peer},
                 {"created", created_ms}});
}

std::string sent_line(std::uint64_t ts, const std::string& to_user, const std::string& to_fp_hex,
                      ByteView envelope) {
    return dump({{"line", "sent"},
                 {"ts", ts},
                 {"to", to_user},
                 {"device", to_fp_hex},
                 {"envelope", base64_encode(envelope)}});
}

std::string received_line(std::uint64_t ts, const std::string& from_user,
                          const std::string& from_fp_hex, ByteView envelope) {
    return dump({{"line", "received"},
                 {"ts", ts},
                 {"from", from_user},
                 {"device", from_fp_hex},
                 {"envelope", base64_encode(envelope)}});
}

std::string stored_line(std::uint64_t ts, const std::string& to_user, const e2e::StoredStatement& s,
                        ByteView sig, ByteView server_cert_der) {
    return dump({{"line", "stored"},
                 {"ts", ts},
                 {"to", to_user},
                 {"device", s.fp_r.hex()},
                 {"from_device", s.fp_s.hex()},
                 {"mid", s.mid.hex()},
                 {"envelope_sha256", to_hex(s.envelope_sha256)},
                 {"held", s.held},
                 {"stored_ts", s.ts},
                 {"expires", s.expires},
                 {"sig", base64_encode(sig)},
                 {"server_cert", base64_encode(server_cert_der)}});
}

std::string delivered_line(std::uint64_t ts, const std::string& to_user,
                           const std::string& to_fp_hex, ByteView delivered_envelope) {
    return dump({{"line", "delivered"},
                 {"ts", ts},
                 {"to", to_user},
                 {"device", to_fp_hex},
                 {"envelope", base64_encode(delivered_envelope)}});
}

std::string warning_line(std::uint64_t ts, const std::string& code, const std::string& user,
                         const std::string& device, const std::string& old_fingerprint,
                         const std::string& fingerprint, const std::string& message) {
    return dump({{"line", "warning"},
                 {"ts", ts},
                 {"code", code},
                 {"user", user},
                 {"device", device},
                 {"old_fingerprint", old_fingerprint},
                 {"fingerprint", fingerprint},
                 {"message", message}});
}

std::string expired_line(std::uint64_t ts, const std::string& to_user, const std::string& to_fp_hex,
                         const std::string& mid_hex) {
    return dump({{"line", "expired"},
                 {"ts", ts},
                 {"to", to_user},
                 {"device", to_fp_hex},
                 {"mid", mid_hex}});
}

std::string disclosure(const std::string& mid_hex, ByteView salt, const std::string& text) {
    return dump({{"disclosure", "securechat/v1 disclosure"},
                 {"mid", mid_hex},
                 {"salt", to_hex(salt)},
                 {"text", text}});
}

}  // namespace sc::evidence::conversation
