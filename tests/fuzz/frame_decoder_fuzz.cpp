// libFuzzer target: the frame reader and the strict message decoders (docs/PROTOCOL.md §1-2).
// The whole input is decoded as one payload (outer and inner); then, after the first byte, which
// sets the size of the pieces (0: all at once), it is fed to a FrameReader piece by piece and
// every complete frame's payload is decoded. Whatever decodes must re-encode to a payload that
// decodes again to the same encoding.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "proto/limits.h"
#include "proto/messages.h"
#include "proto/wire/framer.h"

namespace {

using namespace sc;
using namespace sc::proto;

[[noreturn]] void round_trip_failed(const char* kind, std::string_view payload,
                                    std::string_view encoded) {
    std::fprintf(stderr,
                 "%s message does not survive a round trip\n  payload: %.*s\n  encoded: %.*s\n",
                 kind, static_cast<int>(payload.size()), payload.data(),
                 static_cast<int>(encoded.size()), encoded.data());
    std::abort();
}

void decode_outer(std::string_view payload) {
    auto decoded = msg::decode_outer(payload);
    if (!decoded) {
        return;
    }
    std::string encoded = msg::encode(*decoded);
    auto again = msg::decode_outer(encoded);
    if (!again || msg::encode(*again) != encoded ||
        msg::type_name(*again) != msg::type_name(*decoded)) {
        round_trip_failed("outer", payload, encoded);
    }
}

void decode_inner(std::string_view payload) {
    auto decoded = msg::decode_inner(payload);
    if (!decoded) {
        return;
    }
    auto encoded = msg::encode(*decoded);
    auto text = encoded.reveal_text(crypto::SecretAccess{});
    auto again = msg::decode_inner(text);
    if (!again || !(msg::encode(*again) == encoded) ||
        msg::type_name(*again) != msg::type_name(*decoded)) {
        round_trip_failed("inner", payload, text);
    }
}

void decode_payload(std::string_view payload) {
    decode_outer(payload);
    decode_inner(payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    decode_payload({reinterpret_cast<const char*>(data), size});
    if (size == 0) {
        return 0;
    }
    const std::size_t piece = data[0] == 0 ? size : data[0];
    ByteView rest(data + 1, size - 1);
    FrameReader reader;
    std::size_t fed = 0;
    std::size_t taken = 0;
    while (!rest.empty()) {
        auto n = std::min(piece, rest.size());
        reader.feed(rest.first(n));
        fed += n;
        rest = rest.subspan(n);
        for (;;) {
            auto next = reader.next();
            if (auto* need = std::get_if<NeedMore>(&next)) {
                if (need->bytes == 0) {
                    std::abort();  // NeedMore must ask for something
                }
                break;
            }
            if (std::holds_alternative<ProtocolError>(next)) {
                return 0;  // a session closes here
            }
            const auto& frame = std::get<Frame>(next);
            auto payload = frame.payload_text();
            if (payload.empty() || payload.size() > kMaxFramePayload) {
                std::abort();
            }
            taken += frame.wire().size();
            decode_payload(payload);
        }
        if (taken + reader.buffered() != fed) {
            std::abort();  // the reader lost or invented bytes
        }
    }
    return 0;
}
