#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <cassert>
#include <cstdlib>

#include "crypto/ossl.h"

namespace sc::crypto {
namespace {

// SHA-256 cannot fail short of memory exhaustion or a broken library: that is an invariant.
void check(int rc) {
    if (rc != 1) {
        std::abort();
    }
}

}  // namespace

Sha256Digest sha256(ByteView data) {
    Sha256Digest out{};
    unsigned int len = 0;
    check(EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr));
    assert(len == out.size());
    return out;
}

struct Sha256::State {
    ossl::MdCtxPtr ctx{EVP_MD_CTX_new()};
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
    check(state_->ctx != nullptr);
    check(EVP_DigestInit_ex(state_->ctx.get(), EVP_sha256(), nullptr));
}

Sha256::Sha256(std::unique_ptr<State> state) : state_(std::move(state)) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(ByteView data) {
    check(EVP_DigestUpdate(state_->ctx.get(), data.data(), data.size()));
}

Sha256Digest Sha256::peek() const {
    auto copy = clone();
    Sha256Digest out{};
    unsigned int len = 0;
    check(EVP_DigestFinal_ex(copy.state_->ctx.get(), out.data(), &len));
    return out;
}

Sha256 Sha256::clone() const {
    auto state = std::make_unique<State>();
    check(state->ctx != nullptr);
    check(EVP_MD_CTX_copy_ex(state->ctx.get(), state_->ctx.get()));
    return Sha256(std::move(state));
}

}  // namespace sc::crypto
