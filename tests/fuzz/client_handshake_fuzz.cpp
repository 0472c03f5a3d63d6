// libFuzzer target: the client's state machine (docs/PROTOCOL.md §3-7) fed arbitrary server bytes.
// A ClientSession with the fixed fuzz PKI, clock and entropy calls start() and then gets the input
// as bytes from the server, cut into chunks as its first byte says; its owner logs in, chats,
// rekeys and closes (see fuzz_pki.h). Seeds from make_corpus are real server streams, which replay
// to the end: the same keys, nonces and signatures are produced on every run.
#include <cstddef>
#include <cstdint>

#include "fuzz_pki.h"

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    (void)sc::fuzz::fuzz_pki();  // build the PKI once, outside the measured runs
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)sc::fuzz::run_client(sc::ByteView(data, size));
    return 0;
}
