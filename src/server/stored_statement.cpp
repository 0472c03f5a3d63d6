#include "server/stored_statement.h"

#include "crypto/sha256.h"
#include "e2e/envelope.h"

namespace sc::server {

Result<proto::msg::Stored> sign_stored(const crypto::PrivateKey& server_key,
                                       const store::HeldEnvelope& held, std::uint64_t id) {
    auto from = Fingerprint::from_hex(held.from_fingerprint);
    auto to = Fingerprint::from_hex(held.to_fingerprint);
    auto mid = MessageId::from_view(held.mid);
    if (!from || !to || !mid || held.held == 0 || held.expires_ms <= held.stored_ms) {
        return fail(Error{"a stored envelope row does not name two devices, a mid and its times"});
    }
    const auto digest = crypto::sha256(held.body);
    const e2e::StoredStatement statement{
        *from,          *to, *mid, Bytes(digest.begin(), digest.end()), held.held, held.stored_ms,
        held.expires_ms};
    SC_TRY_ASSIGN(Bytes sig, server_key.sign(e2e::stored_signed(e2e::encode_stored(statement))));
    return proto::msg::Stored{id, held.held, held.stored_ms, held.expires_ms, std::move(sig)};
}

}  // namespace sc::server
