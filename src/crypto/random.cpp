#include "crypto/random.h"

#include <openssl/rand.h>

#include <climits>

#include "crypto/ossl.h"

namespace sc::crypto {

Status fill_random(std::span<std::uint8_t> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        auto chunk = static_cast<int>(std::min<std::size_t>(out.size() - done, INT_MAX));
        if (RAND_bytes(out.data() + done, chunk) != 1) {
            return fail(ossl::error("random number generator failed"));
        }
        done += static_cast<std::size_t>(chunk);
    }
    return {};
}

Result<Bytes> random_bytes(std::size_t count) {
    Bytes out(count);
    SC_TRY(fill_random(out));
    return out;
}

}  // namespace sc::crypto
