#include "crypto/sha256.h"

#include <openssl/evp.h>

#include "common/check.h"
#include "crypto/ossl.h"

// SHA-256 cannot fail short of memory exhaustion or a broken library: each call is an invariant.
namespace sc::crypto {

Sha256Digest sha256(ByteView data) {
    Sha256Digest out{};
    unsigned int len = 0;
    SC_CHECK(EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) == 1);
    SC_CHECK(len == out.size());
    return out;
}

struct Sha256::State {
    ossl::MdCtxPtr ctx{EVP_MD_CTX_new()};
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
    SC_CHECK(state_->ctx != nullptr);
    SC_CHECK(EVP_DigestInit_ex(state_->ctx.get(), EVP_sha256(), nullptr) == 1);
}

Sha256::Sha256(std::unique_ptr<State> state) : state_(std::move(state)) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(ByteView data) {
    SC_CHECK(state_ != nullptr);  // not a moved-from hash
    SC_CHECK(EVP_DigestUpdate(state_->ctx.get(), data.data(), data.size()) == 1);
}

Sha256Digest Sha256::peek() const {
    auto copy = clone();
    Sha256Digest out{};
    unsigned int len = 0;
    SC_CHECK(EVP_DigestFinal_ex(copy.state_->ctx.get(), out.data(), &len) == 1);
    return out;
}

Sha256 Sha256::clone() const {
    SC_CHECK(state_ != nullptr);
    auto state = std::make_unique<State>();
    SC_CHECK(state->ctx != nullptr);
    SC_CHECK(EVP_MD_CTX_copy_ex(state->ctx.get(), state_->ctx.get()) == 1);
    return Sha256(std::move(state));
}

}  // namespace sc::crypto
