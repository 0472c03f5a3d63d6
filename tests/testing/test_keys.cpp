#include "testing/test_keys.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "crypto/key_file.h"

namespace sc::test {

void fixture_failed(const std::string& what) {
    std::fprintf(stderr, "test fixture: %s\n", what.c_str());
    std::abort();
}

crypto::PrivateKey fixed_key(crypto::KeyType type, int slot) {
    if (slot < 0 || slot >= kFixedKeysPerType) {
        fixture_failed("no fixed key slot " + std::to_string(slot));
    }
    std::string name(crypto::key_type_name(type));
    auto path =
        std::string(SECURECHAT_TEST_KEYS_DIR) + "/" + name + "-" + std::to_string(slot) + ".pem";
    return must(crypto::load_private_key(path), "cannot load a fixed test key");
}

crypto::PrivateKey test_key(crypto::KeyType type) {
    switch (type) {
        case crypto::KeyType::rsa_2048:
        case crypto::KeyType::rsa_3072:
        case crypto::KeyType::rsa_4096: {
            static std::array<int, 5> next{};  // per KeyType
            int& slot = next.at(static_cast<std::size_t>(type));
            auto key = fixed_key(type, slot);
            slot = (slot + 1) % kFixedKeysPerType;
            return key;
        }
        case crypto::KeyType::ed25519:
        case crypto::KeyType::ecdsa_p256:
            break;
    }
    return must(crypto::PrivateKey::generate(type), "cannot generate a test key");
}

}  // namespace sc::test
