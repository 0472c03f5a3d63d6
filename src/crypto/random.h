// Cryptographically secure random bytes (OpenSSL's DRBG).
#pragma once

#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "common/result.h"

namespace sc::crypto {

Status fill_random(std::span<std::uint8_t> out);
Result<Bytes> random_bytes(std::size_t count);

}  // namespace sc::crypto
