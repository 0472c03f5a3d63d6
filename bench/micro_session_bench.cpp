// Micro-benchmarks of whole protocol steps in memory: the handshake of two sessions per key type
// (tests/unit/proto/harness.h carries the frames, no sockets), a signed message and its signed
// ack on an open channel, and the transcript's append (its hash, and its file).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/ids.h"
#include "evidence/session_files.h"
#include "micro_support.h"
#include "proto/transcript.h"
#include "unit/proto/harness.h"

namespace sc::bench {
namespace {

using proto::test::Pair;
using proto::test::Side;
using proto::test::TestPki;

const TestPki& pki_of(crypto::KeyType type) {
    // One CA, server and client per key type for the whole run: issuing is not what is measured.
    static const TestPki ed25519(crypto::KeyType::ed25519);
    static const TestPki p256(crypto::KeyType::ecdsa_p256);
    static const TestPki rsa(crypto::KeyType::rsa_2048);
    switch (type) {
        case crypto::KeyType::ecdsa_p256:
            return p256;
        case crypto::KeyType::rsa_2048:
            return rsa;
        default:
            return ed25519;
    }
}

// Both sides of a full handshake (hello, certificates both ways, DH #1, both signatures and
// certificate-chain verifications): the CPU a connection costs client and server together.
// With `login`, also the login exchange (the server's owner accepts at once, no Argon2id) and
// DH #2 with the chat key schedule.
void Handshake(benchmark::State& state, crypto::KeyType type, bool login) {
    const auto& pki = pki_of(type);
    for (auto _ : state) {
        Pair pair(pki);
        if (login) {
            pair.login_and_chat();
        } else {
            pair.handshake();
        }
        const bool done = login ? pair.client_events.has<proto::event::ChatReady>()
                                : pair.client_events.has<proto::event::HandshakeDone>();
        if (!done) {
            return mark_failed(
                state, "the handshake did not complete: " + pair.client_events.failure() + " / " +
                           pair.server_events.failure());
        }
    }
}
BENCHMARK_CAPTURE(Handshake, ed25519, crypto::KeyType::ed25519, false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Handshake, ed25519_login_dh2, crypto::KeyType::ed25519, true)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Handshake, ecdsa_p256, crypto::KeyType::ecdsa_p256, false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Handshake, ecdsa_p256_login_dh2, crypto::KeyType::ecdsa_p256, true)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Handshake, rsa_2048, crypto::KeyType::rsa_2048, false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Handshake, rsa_2048_login_dh2, crypto::KeyType::rsa_2048, true)
    ->Unit(benchmark::kMillisecond);

// One chat message of 100 bytes from client to server on an open channel: sealed in a record,
// signed by the client, verified, stored (at once), acknowledged with the server's signature,
// and the ack verified; both transcripts hashed. The per-message cost of §6, both sides.
void ChannelMessage(benchmark::State& state, crypto::KeyType type) {
    Pair pair(pki_of(type));
    pair.login_and_chat();
    if (!pair.client_events.has<proto::event::ChatReady>()) {
        return mark_failed(state, "no chat channel: " + pair.client_events.failure());
    }
    const std::string text(100, 'x');
    for (auto _ : state) {
        pair.client_events.all.clear();
        pair.server_events.all.clear();
        pair.deliver(pair.client->send_text(text), Side::client);
        if (!pair.client_events.has<proto::event::Acknowledged>()) {
            return mark_failed(
                state, "the message was not acknowledged: " + pair.client_events.failure() + " / " +
                           pair.server_events.failure());
        }
    }
}
BENCHMARK_CAPTURE(ChannelMessage, ed25519, crypto::KeyType::ed25519);
BENCHMARK_CAPTURE(ChannelMessage, ecdsa_p256, crypto::KeyType::ecdsa_p256);

// A transcript line the size of a msg line (seqno, ts, ciphertext hash, signature in base64).
const std::string& transcript_line() {
    static const std::string line =
        "msg c2s 42 1764547200000 " + std::string(64, 'a') + " " + std::string(88, 'b') + "\n";
    return line;
}

void TranscriptHash(benchmark::State& state) {
    proto::TranscriptHasher hasher("header\n");
    for (auto _ : state) {
        hasher.append(proto::Direction::c2s, transcript_line());
    }
    benchmark::DoNotOptimize(hasher.digest());
    state.SetBytesProcessed(state.iterations() *
                            static_cast<std::int64_t>(transcript_line().size()));
}
BENCHMARK(TranscriptHash);

// The append to the transcript file: one write(2) per line (the page cache; the file is
// fsynced once, when the receipts are written).
void TranscriptFileAppend(benchmark::State& state) {
    std::string dir_template =
        (std::filesystem::temp_directory_path() / "securechat-bench-XXXXXX").string();
    if (::mkdtemp(dir_template.data()) == nullptr) {
        return mark_failed(state, "cannot make a temporary directory");
    }
    const std::filesystem::path dir = dir_template;
    {
        auto files = evidence::SessionFiles::create(dir, *SessionId::from_view(Bytes(32, 0x42)));
        if (!files) {
            return mark_failed(state, files.error().message);
        }
        for (auto _ : state) {
            if (auto s = files->append(transcript_line()); !s) {
                return mark_failed(state, s.error().message);
            }
        }
    }
    std::filesystem::remove_all(dir);
    state.SetBytesProcessed(state.iterations() *
                            static_cast<std::int64_t>(transcript_line().size()));
}
BENCHMARK(TranscriptFileAppend);

}  // namespace
}  // namespace sc::bench
