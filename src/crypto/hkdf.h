// HKDF with SHA-256 (RFC 5869), and the labelled expansion the protocol's key schedule uses.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/secret.h"

namespace sc::crypto {

// SHA-256's output size: the size of a PRK, and the unit HKDF-Expand works in.
inline constexpr std::size_t kHkdfHashSize = 32;
// HKDF-Expand's limit for SHA-256: 255 blocks of 32 bytes.
inline constexpr std::size_t kHkdfMaxOutput = 255 * kHkdfHashSize;
// Prefixed to every label by hkdf_expand_label, so our keys never collide with another protocol's.
inline constexpr std::string_view kHkdfLabelPrefix = "securechat/v1 ";

// HKDF-Extract(salt, IKM) -> PRK (32 bytes). An empty salt means 32 zero bytes, as in RFC 5869.
// IKM must not be empty.
Result<SecretBytes> hkdf_extract(ByteView salt, const SecretBytes& ikm);

// HKDF-Expand(PRK, info, L). PRK must be at least 32 bytes; L must be 1 to 8160.
Result<SecretBytes> hkdf_expand(const SecretBytes& prk, ByteView info, std::size_t length);

// HKDF-Expand with a structured info, after TLS 1.3's HKDF-Expand-Label (RFC 8446 section 7.1):
//   info = uint16 length (big-endian) || uint8 len(label') || label' || uint8 len(context) ||
//   context label' = "securechat/v1 " + label
// label' and context are at most 255 bytes each.
Result<SecretBytes> hkdf_expand_label(const SecretBytes& prk, std::string_view label,
                                      ByteView context, std::size_t length);

}  // namespace sc::crypto
