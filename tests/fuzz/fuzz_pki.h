// The fixed world shared by the fuzz targets and their seed-corpus generator (make_corpus):
// a test PKI with fixed keys and certificates, a fixed clock, deterministic entropy, and the
// scripted owners that answer a session's events. Everything is deterministic (for the X25519
// group), so a byte stream recorded by make_corpus from a real handshake + login + chat replays
// in a fuzz target with the same keys, nonces and signatures, and the fuzzer starts from deep
// states instead of dying at the first signature check. No GoogleTest here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "proto/client_session.h"
#include "proto/server_session.h"
#include "testing/deterministic_entropy.h"
#include "testing/fixed_clock.h"
#include "testing/test_pki.h"

namespace sc::fuzz {

// 2026-01-01T00:00:00Z; every fuzz certificate is valid from 2020 to 2099.
std::chrono::system_clock::time_point fixed_now();

// The fixed clock, entropy and PKI are the testing library's (tests/testing): construct the
// clock at fixed_now(). Only X25519 sessions replay (ffdhe3072 key pairs are generated).
using FixedClock = test::FixedClock;
using DeterministicEntropy = test::DeterministicEntropy;
using FuzzPki = test::TestPki;
const FuzzPki& fuzz_pki();  // test::deterministic_pki(): aborts if it cannot be built

proto::ClientConfig fuzz_client_config();  // expects the server name "server"
proto::ServerConfig fuzz_server_config();

// What the scripted owners do besides answering the protocol:
//   client: login as alice after the handshake; on chat ready send two texts; when the second
//           is acknowledged start a rekey and send a third text (queued until the rekey is
//           done); after the rekey close (client_closes).
//   server: accept every login or registration; on chat ready send a text; on the client's
//           message 2 request a rekey; on its message 3 close (server_closes).
enum class Scenario { client_closes, server_closes };

// Reacts to the events in `out` (and to those of its own reactions), appending what the session
// produces in response to `out`.
void drive_client(proto::ClientSession& client, proto::Output& out, Scenario scenario);
void drive_server(proto::ServerSession& server, proto::Output& out, Scenario scenario);

// The input of the handshake fuzz targets: one control byte, then the peer's byte stream.
//   bit 7      the scenario (0 client_closes, 1 server_closes)
//   bits 0-6   how the stream is cut into receive() calls: 0 = at frame boundaries (read from
//              the length prefixes; the rest goes in one piece once a prefix is invalid),
//              n = n-byte chunks
// The owner reacts after every chunk, so frame-aligned or small chunks replay recorded sessions.
Bytes make_stream_input(Scenario scenario, std::uint8_t chunking, ByteView stream);

struct RunResult {
    bool handshake_done = false;
    bool chat_ready = false;
    bool receipts_exchanged = false;
    bool finished = false;
    std::string failure;  // the first Failed event, as "code: message"
};

// A fresh session fed `input` (see make_stream_input): the bodies of the handshake fuzz targets,
// also used by make_corpus to check that its seeds replay to the end.
RunResult run_server(ByteView input);
RunResult run_client(ByteView input);  // the client has called start() first

}  // namespace sc::fuzz
