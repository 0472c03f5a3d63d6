#include "crypto/keys.h"

#include <gtest/gtest.h>

#include "support/run_command.h"
#include "support/temp_dir.h"
#include "testing/test_keys.h"

namespace sc::crypto {
namespace {

// Fixed RSA keys (testing/test_keys.h): these tests are about signing and PEM, not generation,
// which CaInit.EveryKeyTypeWorks and PkiCliKeys cover.
class EveryKeyType : public ::testing::TestWithParam<KeyType> {};

TEST_P(EveryKeyType, SignsAndVerifies) {
    auto key = sc::test::test_key(GetParam());
    auto msg = as_bytes("securechat/v1 test message");
    auto sig = key.sign(msg);
    ASSERT_TRUE(sig) << sig.error().message;
    EXPECT_TRUE(key.public_key().verify(msg, *sig));
}

TEST_P(EveryKeyType, RejectsAChangedMessageOrSignature) {
    auto key = sc::test::test_key(GetParam());
    Bytes msg{1, 2, 3, 4};
    auto sig = key.sign(msg);
    ASSERT_TRUE(sig);
    auto bad_msg = msg;
    bad_msg[0] ^= 1;
    EXPECT_FALSE(key.public_key().verify(bad_msg, *sig));
    auto bad_sig = *sig;
    bad_sig[bad_sig.size() / 2] ^= 0x10;
    auto r = key.public_key().verify(msg, bad_sig);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("does not verify"), std::string::npos);
}

TEST_P(EveryKeyType, PemRoundTripKeepsTheKey) {
    auto key = sc::test::test_key(GetParam());
    auto pem = key.to_pem();
    ASSERT_TRUE(pem);
    EXPECT_NE(pem->reveal_text(SecretAccess{}).find("BEGIN PRIVATE KEY"), std::string::npos);
    auto again = PrivateKey::from_pem(*pem);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_TRUE(again->public_key().same_key_as(key.public_key()));
    auto pub = PublicKey::from_pem(key.public_key().to_pem());
    ASSERT_TRUE(pub);
    EXPECT_TRUE(pub->same_key_as(key.public_key()));
}

INSTANTIATE_TEST_SUITE_P(Keys, EveryKeyType, ::testing::ValuesIn(all_key_types()),
                         [](const auto& p) {
                             std::string name(key_type_name(p.param));
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST(KeyDescription, NamesTypeAndSize) {
    EXPECT_EQ(PrivateKey::generate(KeyType::ed25519)->describe().text(), "Ed25519 (256 bits)");
    EXPECT_EQ(PrivateKey::generate(KeyType::ecdsa_p256)->describe().text(),
              "ECDSA P-256 (256 bits)");
    EXPECT_EQ(sc::test::test_key(KeyType::rsa_3072).describe().text(), "RSA (3072 bits)");
}

TEST(KeyType, ParsesCliNames) {
    for (auto type : all_key_types()) {
        EXPECT_EQ(parse_key_type(key_type_name(type)), type);
    }
    EXPECT_FALSE(parse_key_type("dsa"));
}

TEST(PrivateKey, GarbagePemCarriesOpenSslReason) {
    auto r = PrivateKey::from_pem(SecretBytes(as_bytes("-----BEGIN PRIVATE KEY-----\nAAAA\n")));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("not an unencrypted PEM private key: "), std::string::npos);
    EXPECT_GT(r.error().message.size(), std::string("not an unencrypted PEM private key: ").size());
}

TEST(PrivateKey, PublicKeyFromPrivateCarriesNoPrivateMaterial) {
    auto key = PrivateKey::generate(KeyType::ed25519);
    ASSERT_TRUE(key);
    auto pub = key->public_key();
    EXPECT_NE(pub.native(), key->native());
}

}  // namespace
}  // namespace sc::crypto

namespace sc::crypto {
namespace {

PrivateKey genpkey(const std::vector<std::string>& args) {
    sc::test::TempDir dir;
    std::vector<std::string> argv{"openssl", "genpkey"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-out", (dir / "k.pem").string()});
    auto gen = sc::test::run_command(argv);
    EXPECT_EQ(gen.exit_code, 0) << gen.output;
    auto key = PrivateKey::from_pem(SecretBytes(as_bytes(sc::test::read_text(dir / "k.pem"))));
    EXPECT_TRUE(key) << key.error().message;
    return std::move(key).value();
}

// Review L11: PROTOCOL.md §3.2 defines signatures for Ed25519, ECDSA P-256 and RSA >= 2048 only;
// keys of any other type neither sign nor verify, so no peer can pick an undefined scheme.
TEST(Hardening, L11_OnlyProtocolKeyTypesSignOrVerify) {
    struct Case {
        std::vector<std::string> args;
        std::string named;
    };
    for (const Case& c :
         {Case{{"-algorithm", "ED448"}, "Ed448"},
          Case{{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"}, "secp384r1"},
          Case{{"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"}, "RSA"}}) {
        auto key = genpkey(c.args);
        auto refused = check_protocol_key(key.describe());
        ASSERT_FALSE(refused) << c.named;
        EXPECT_NE(refused.error().message.find(c.named), std::string::npos)
            << refused.error().message;
        auto sig = key.sign(as_bytes("message"));
        ASSERT_FALSE(sig) << c.named << " signed";
        EXPECT_NE(sig.error().message.find(c.named), std::string::npos) << sig.error().message;
        EXPECT_FALSE(key.public_key().verify(as_bytes("message"), Bytes(64, 0)));
    }
    for (auto type : all_key_types()) {
        EXPECT_TRUE(check_protocol_key(sc::test::test_key(type).describe())) << key_type_name(type);
    }
}

}  // namespace
}  // namespace sc::crypto
