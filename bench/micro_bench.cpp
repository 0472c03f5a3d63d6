// Micro-benchmarks (issue 14, item 2): the protocol's hot paths in memory, no sockets. A
// benchmark whose operation fails stops with SkipWithError and the run exits 1 (see main), so
// the smoke test in ctest fails instead of timing an error path.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "crypto/aead.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "crypto/secret.h"
#include "e2e/ratchet.h"
#include "micro_support.h"
#include "proto/limits.h"
#include "proto/messages.h"
#include "proto/record_layer.h"
#include "proto/wire/framer.h"

namespace sc::bench {
namespace {

using crypto::SecretBytes;

Bytes filler(std::size_t size) {
    Bytes out(size);
    for (std::size_t i = 0; i < size; ++i) {
        out[i] = static_cast<std::uint8_t>(i * 31 + 7);
    }
    return out;
}

// A record of `size` ciphertext bytes: encoded, framed, cut from the stream and decoded again,
// which is what the server does twice for every relayed record (in, then out).
void FrameEncodeDecode(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    const proto::msg::Outer record = proto::msg::Record{.seq = 42, .ct = filler(size)};
    proto::FrameReader reader;
    for (auto _ : state) {
        auto frame = proto::make_frame(proto::msg::encode(record));
        reader.feed(frame.wire());
        auto next = reader.next();
        auto* got = std::get_if<proto::Frame>(&next);
        if (got == nullptr) {
            return mark_failed(state, "the framer did not return the frame");
        }
        auto decoded = proto::msg::decode_outer(got->payload_text());
        if (!decoded) {
            return mark_failed(state, decoded.error().text());
        }
        benchmark::DoNotOptimize(decoded);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}
BENCHMARK(FrameEncodeDecode)->Arg(100)->Arg(1024)->Arg(4096)->Arg(16384);

proto::TrafficKey traffic_key() {
    return proto::TrafficKey{.key = crypto::Aes256GcmKey::create(SecretBytes(filler(32))).value(),
                             .iv = {1, 2, 3}};
}

// One record sealed by one side's Sealer and opened by the other's Opener, per plaintext size
// (up to the largest inner payload a record carries).
void RecordSealOpen(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    constexpr auto kUnbounded = ~std::uint64_t{0};
    proto::Sealer sealer(proto::Direction::c2s, 1, traffic_key(), kUnbounded);
    proto::Opener opener(proto::Direction::c2s, 1, traffic_key(), kUnbounded);
    const Bytes plaintext = filler(size);
    for (auto _ : state) {
        auto record = sealer.seal(plaintext);
        if (!record) {
            return mark_failed(state, record.error().text());
        }
        auto opened = opener.open(*record);
        if (!opened || opened->size() != size) {
            return mark_failed(state, opened ? "opened to another size" : opened.error().text());
        }
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}
BENCHMARK(RecordSealOpen)
    ->Arg(100)
    ->Arg(1024)
    ->Arg(4096)
    ->Arg(16384)
    ->Arg(static_cast<std::int64_t>(proto::kMaxInnerPayload));

const Bytes& signed_message() {
    static const Bytes message = filler(200);  // about a msg's signed string
    return message;
}

void Sign(benchmark::State& state, crypto::KeyType type) {
    auto key = crypto::PrivateKey::generate(type);
    if (!key) {
        return mark_failed(state, key.error().message);
    }
    for (auto _ : state) {
        auto sig = key->sign(signed_message());
        if (!sig) {
            return mark_failed(state, sig.error().message);
        }
        benchmark::DoNotOptimize(sig);
    }
}
BENCHMARK_CAPTURE(Sign, ed25519, crypto::KeyType::ed25519);
BENCHMARK_CAPTURE(Sign, ecdsa_p256, crypto::KeyType::ecdsa_p256);
BENCHMARK_CAPTURE(Sign, rsa_2048, crypto::KeyType::rsa_2048);

void Verify(benchmark::State& state, crypto::KeyType type) {
    auto key = crypto::PrivateKey::generate(type);
    if (!key) {
        return mark_failed(state, key.error().message);
    }
    auto sig = key->sign(signed_message());
    if (!sig) {
        return mark_failed(state, sig.error().message);
    }
    const auto public_key = key->public_key();
    for (auto _ : state) {
        auto ok = public_key.verify(signed_message(), *sig);
        if (!ok) {
            return mark_failed(state, ok.error().message);
        }
    }
}
BENCHMARK_CAPTURE(Verify, ed25519, crypto::KeyType::ed25519);
BENCHMARK_CAPTURE(Verify, ecdsa_p256, crypto::KeyType::ecdsa_p256);
BENCHMARK_CAPTURE(Verify, rsa_2048, crypto::KeyType::rsa_2048);

crypto::X25519KeyPair key_pair() {
    return crypto::X25519KeyPair::generate().value();
}

// Alice and Bob's ratchets from one SK, as §10.4 starts them, and one message's worth of
// sending: next_send, seal with the message key, open on the other side.
struct RatchetPair {
    static Result<RatchetPair> make() {
        auto spk = key_pair();
        const SecretBytes sk(filler(32));
        SC_TRY_ASSIGN(auto alice, e2e::Ratchet::initiator(sk, spk.public_key(), key_pair()));
        return RatchetPair{std::move(alice), e2e::Ratchet::responder(sk, std::move(spk))};
    }
    Status one_way(e2e::Ratchet& from, e2e::Ratchet& to) {
        SC_TRY_ASSIGN(auto sending, from.next_send());
        SC_TRY_ASSIGN(auto ct, e2e::seal_with_message_key(sending.mk, text, ad));
        SC_TRY(to.decrypt(sending.header, ct, ad, entropy));
        return {};
    }
    e2e::Ratchet alice;
    e2e::Ratchet bob;
    proto::SystemEntropy entropy{};
    SecretBytes text{filler(100)};
    Bytes ad = filler(64);
};

// A message of 100 bytes through the Double Ratchet in one direction: the symmetric chain step
// of every message (KDF_CK, the message key, AES-GCM both ways).
void RatchetChainStep(benchmark::State& state) {
    auto pair = RatchetPair::make();
    if (!pair) {
        return mark_failed(state, pair.error().message);
    }
    for (auto _ : state) {
        if (auto s = pair->one_way(pair->alice, pair->bob); !s) {
            return mark_failed(state, s.error().message);
        }
    }
}
BENCHMARK(RatchetChainStep);

// A reply in each direction per iteration, so that every message carries a new ratchet key:
// two DH ratchet steps (each an X25519 and KDF_RK on both sides) plus the chain steps.
void RatchetDhStep(benchmark::State& state) {
    auto pair = RatchetPair::make();
    if (!pair) {
        return mark_failed(state, pair.error().message);
    }
    for (auto _ : state) {
        if (auto s = pair->one_way(pair->alice, pair->bob); !s) {
            return mark_failed(state, s.error().message);
        }
        if (auto s = pair->one_way(pair->bob, pair->alice); !s) {
            return mark_failed(state, s.error().message);
        }
    }
    state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(RatchetDhStep);

}  // namespace
}  // namespace sc::bench

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 2;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return sc::bench::any_failed() ? 1 : 0;
}
