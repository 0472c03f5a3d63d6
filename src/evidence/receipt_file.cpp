#include "evidence/receipt_file.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "proto/limits.h"
#include "proto/wire/json_reader.h"

namespace sc::evidence {
namespace {

constexpr std::size_t kSessionIdBytes = 32;  // session_id = HH, a SHA-256 (§3.2)
using proto::kMaxCertBytes;
using proto::kMaxSigBytes;

Failure<Error> bad(const std::string& what) {
    return fail("receipt file: " + what);
}

// Lower-case hex of exactly `bytes` bytes: the one spelling we write, so the one we accept.
Result<Bytes> canonical_hex(const std::string& text, std::size_t bytes, const char* field) {
    auto decoded = from_hex(text);
    if (!decoded || decoded->size() != bytes || to_hex(*decoded) != text) {
        return bad(std::string("\"") + field + "\" is not " + std::to_string(bytes * 2) +
                   " lower-case hex digits");
    }
    return std::move(decoded).value();
}

}  // namespace

std::string receipt_file_text(const proto::msg::Receipt& receipt, const SessionId& session_id,
                              const pki::Certificate& signer) {
    nlohmann::json object = {
        {"type", "receipt"},
        {"peer", receipt.peer},
        {"first_seq", receipt.first_seq},
        {"last_seq", receipt.last_seq},
        {"transcript_sha256", receipt.transcript_sha256},
        {"sig", base64_encode(receipt.sig)},
        {"session_id", session_id.hex()},
        {"signer", base64_encode(signer.to_der())},
    };
    return object.dump(2) + "\n";
}

Result<ReceiptFile> parse_receipt_file(std::string_view text) {
    auto reader = proto::JsonReader::parse(text);
    if (!reader) {
        return bad(reader.error().message);
    }
    auto& r = *reader;
    if (r.type() != "receipt") {
        return bad("\"type\" is \"" + r.type() + "\", not \"receipt\"");
    }
    // Any protocol-level complaint (missing, unknown or mistyped field) becomes a file error.
    auto check = [](const auto& result) -> Status {
        if (!result) {
            return bad(result.error().message);
        }
        return {};
    };
    SC_TRY(check(r.expect_fields(
        {"peer", "first_seq", "last_seq", "transcript_sha256", "sig", "session_id", "signer"})));
    auto peer = r.string("peer", 64);
    auto first = r.integer("first_seq");
    auto last = r.integer("last_seq");
    auto digest = r.string("transcript_sha256", 64);
    auto sig = r.base64("sig", 1, kMaxSigBytes);
    auto session_id = r.string("session_id", kSessionIdBytes * 2);
    auto signer = r.base64("signer", 1, kMaxCertBytes);
    SC_TRY(check(peer));
    SC_TRY(check(first));
    SC_TRY(check(last));
    SC_TRY(check(digest));
    SC_TRY(check(sig));
    SC_TRY(check(session_id));
    SC_TRY(check(signer));

    SC_TRY(canonical_hex(*peer, 32, "peer"));
    SC_TRY(canonical_hex(*digest, 32, "transcript_sha256"));
    SC_TRY_ASSIGN(auto id, canonical_hex(*session_id, kSessionIdBytes, "session_id"));
    if (*first > *last) {
        return bad("first_seq " + std::to_string(*first) + " is after last_seq " +
                   std::to_string(*last));
    }
    if ((*first == 0) != (*last == 0)) {
        return bad("first_seq and last_seq must both be 0 (no messages) or both be positive");
    }
    auto cert = pki::Certificate::from_der(*signer);
    if (!cert) {
        return bad("\"signer\" is not a certificate: " + cert.error().message);
    }
    proto::msg::Receipt receipt;
    receipt.peer = *peer;
    receipt.first_seq = *first;
    receipt.last_seq = *last;
    receipt.transcript_sha256 = *digest;
    receipt.sig = std::move(sig).value();
    return ReceiptFile{std::move(receipt), *SessionId::from_view(id), std::move(cert).value()};
}

}  // namespace sc::evidence
