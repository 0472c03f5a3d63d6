// libFuzzer target: the binary parsers of what users send each other through the server
// (docs/PROTOCOL.md §2.1 "Certificate fields", §10.5): a message envelope, a delivered
// envelope, and a certificate field (a DER chain). The server relays these bytes untouched, so
// a hostile sender or server controls every one. Each parser is strict (no trailing bytes), so
// whatever parses must re-encode to exactly the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "common/bytes.h"
#include "e2e/envelope.h"
#include "pki/certificate.h"

namespace {

using namespace sc;

[[noreturn]] void mismatch(const char* what) {
    std::fprintf(stderr, "%s: a parsed value does not re-encode to its input\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView input(data, size);
    if (auto m = e2e::parse_message_envelope(input)) {
        if (e2e::encode_head(m->head) != m->head_bytes ||
            e2e::encode_message_envelope(m->head_bytes, m->commit, m->cert, m->ct, m->sig) !=
                Bytes(input.begin(), input.end())) {
            mismatch("message envelope");
        }
    }
    if (auto d = e2e::parse_delivered_envelope(input)) {
        if (e2e::encode_delivered(d->statement) != d->delivered_bytes ||
            e2e::encode_delivered_envelope(d->delivered_bytes, d->cert, d->sig) !=
                Bytes(input.begin(), input.end())) {
            mismatch("delivered envelope");
        }
    }
    if (auto chain = pki::Certificate::chain_from_der(input)) {
        if (pki::Certificate::chain_to_der(*chain) != Bytes(input.begin(), input.end())) {
            mismatch("certificate chain");
        }
    }
    return 0;
}
