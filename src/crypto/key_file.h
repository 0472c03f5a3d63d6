// Reading private keys from disk without leaving copies behind (review I3): the bytes go from
// read(2) straight into wiped memory, never through an std::ifstream or std::string buffer.
#pragma once

#include <cstddef>
#include <filesystem>

#include "common/result.h"
#include "crypto/keys.h"
#include "crypto/secret.h"

namespace sc::crypto {

// A PEM private key is a few KiB; anything much larger is not one.
inline constexpr std::size_t kMaxKeyFileBytes = 1024 * 1024;

// The whole file in a SecretBytes (wiped when freed). Refuses files over max_bytes, and
// directories and other non-regular files.
Result<SecretBytes> read_secret_file(const std::filesystem::path& path,
                                     std::size_t max_bytes = kMaxKeyFileBytes);

// read_secret_file + PrivateKey::from_pem; errors name the file.
Result<PrivateKey> load_private_key(const std::filesystem::path& path);

}  // namespace sc::crypto
