// The server's stored statement (docs/PROTOCOL.md §10.6) against the vector of
// tests/vectors/e2e_v1.json, which tools/e2e_spec.py (a second implementation, from the spec)
// derived: byte for byte the same statement and, Ed25519 being deterministic, the same signature
// with the vector server's key; it verifies with the vector server certificate and names
// exactly the row it was made for.
#include "server/stored_statement.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/files.h"
#include "crypto/key_file.h"
#include "crypto/sha256.h"
#include "e2e/envelope.h"
#include "pki/certificate.h"

namespace sc::server {
namespace {

using nlohmann::json;
const std::string kDir = SECURECHAT_VECTORS_DIR;

Bytes hex(const json& j) {
    return from_hex(j.get<std::string>()).value();
}

class StoredStatementVector : public testing::Test {
  protected:
    void SetUp() override {
        auto text = read_file(kDir + "/e2e_v1.json");
        ASSERT_TRUE(text);
        doc_ = json::parse(*text);
        const auto& in = doc_["inputs"];
        const auto& v = doc_["values"];
        const auto& a1 = in["messages"][0];
        ASSERT_EQ(a1["name"], "a1");
        row_.held = in["stored"]["held"];
        row_.from_fingerprint = v["fingerprints"]["alice"];
        row_.to_fingerprint = v["fingerprints"]["bob"];
        row_.from_user = "alice";
        row_.mid = hex(a1["mid"]);
        row_.body = hex(v["messages"][0]["envelope"]);
        row_.stored_ms = in["stored"]["ts"];
        row_.expires_ms = in["stored"]["expires"];
        auto key = crypto::load_private_key(kDir + "/vector-server.key");
        ASSERT_TRUE(key) << key.error().message;
        key_.emplace(std::move(key).value());
        auto pem = read_file(kDir + "/vector-server.crt");
        ASSERT_TRUE(pem);
        auto cert = pki::Certificate::from_pem(*pem);
        ASSERT_TRUE(cert);
        cert_.emplace(std::move(cert).value());
    }
    e2e::StoredStatement statement_of(const store::HeldEnvelope& row) const {
        const auto digest = crypto::sha256(row.body);
        return {*Fingerprint::from_hex(row.from_fingerprint),
                *Fingerprint::from_hex(row.to_fingerprint),
                *MessageId::from_view(row.mid),
                Bytes(digest.begin(), digest.end()),
                row.held,
                row.stored_ms,
                row.expires_ms};
    }
    json doc_;
    store::HeldEnvelope row_;
    std::optional<crypto::PrivateKey> key_;
    std::optional<pki::Certificate> cert_;
};

TEST_F(StoredStatementVector, MatchesTheSpecVectorByteForByteAndVerifiesWithTheServerCertificate) {
    const auto& want = doc_["values"]["stored"];
    const Bytes statement = e2e::encode_stored(statement_of(row_));
    EXPECT_EQ(to_hex(statement), want["stored"].get<std::string>());
    EXPECT_EQ(to_hex(e2e::stored_signed(statement)), want["ssigned"].get<std::string>());
    auto stored = sign_stored(*key_, row_, 6);
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_EQ(stored->id, 6u);
    EXPECT_EQ(stored->held, row_.held);
    EXPECT_EQ(stored->ts, row_.stored_ms);
    EXPECT_EQ(stored->expires, row_.expires_ms);
    EXPECT_EQ(to_hex(stored->sig), want["sig"].get<std::string>());
    EXPECT_TRUE(cert_->public_key().verify(e2e::stored_signed(statement), stored->sig));
}

TEST_F(StoredStatementVector, ItNamesExactlyTheRowItWasMadeFor) {
    auto stored = sign_stored(*key_, row_, 6);
    ASSERT_TRUE(stored);
    const auto key = cert_->public_key();
    std::vector<store::HeldEnvelope> others(5, row_);
    others[0].to_fingerprint = row_.from_fingerprint;  // another device
    others[1].mid[0] ^= 1;
    others[2].body.back() ^= 1;
    others[3].held += 1;
    others[4].expires_ms += 1;
    for (const auto& other : others) {
        EXPECT_FALSE(
            key.verify(e2e::stored_signed(e2e::encode_stored(statement_of(other))), stored->sig));
    }
    // A row that names no device, or expires before it is stored, gets no statement.
    auto broken = row_;
    broken.to_fingerprint = "not hex";
    EXPECT_FALSE(sign_stored(*key_, broken, 6));
    broken = row_;
    broken.expires_ms = broken.stored_ms;
    EXPECT_FALSE(sign_stored(*key_, broken, 6));
}

}  // namespace
}  // namespace sc::server
