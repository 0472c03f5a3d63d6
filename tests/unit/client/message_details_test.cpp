// The text of /details and /devices: what protects a message (ciphertext shortened, its size and
// hash, signature, commitment, fingerprints, ratchet step, per-device delivery), never a key.
#include <gtest/gtest.h>

#include "client/tui/message_details.h"

namespace sc::client::tui {
namespace {

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) {
        out += l + "\n";
    }
    return out;
}

note::Protection sample_protection() {
    note::Protection p;
    p.ciphertext_hex = std::string(64, 'c');
    p.ciphertext_bytes = 1234;
    p.ct_sha256 = std::string(64, '5');
    p.signature_hex = "30450221" + std::string(128, 'd') + "99887766";
    p.commitment_hex = std::string(64, 'e');
    p.sender_fp = std::string(64, 'f');
    p.ratchet_key_fp = std::string(63, '7') + "8";
    p.ratchet_n = 3;
    p.ratchet_pn = 2;
    p.initial = true;
    return p;
}

TEST(MessageDetails, ShortHexKeepsTheEndsAndOnlyHex) {
    EXPECT_EQ(short_hex("abcdef"), "abcdef");
    EXPECT_EQ(short_hex(std::string(40, 'a') + "12345678", 32), std::string(24, 'a') + "…12345678");
    EXPECT_EQ(short_hex("AB:CD\x1b[31m zz"), "AB:CD31");
    EXPECT_EQ(short_hex(""), "(none)");
}

TEST(MessageDetails, ShowWhatProtectsAReceivedMessage) {
    MessageInfo m;
    m.from = "bob";
    m.device = "phone";
    m.fingerprint = std::string(64, 'b');
    m.seqno = 5;
    m.mid = "00112233445566778899aabbccddeeff";
    m.protection = sample_protection();
    auto text = joined(details_lines(m, "bob"));
    EXPECT_NE(text.find("details of #5, bob (device phone)"), std::string::npos) << text;
    EXPECT_NE(text.find("ciphertext: " + std::string(24, 'c') + "…cccccccc (1234 bytes), SHA-256 " +
                        std::string(64, '5')),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("signature (by the sender's device key): 30450221" + std::string(16, 'd') +
                        "…99887766"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("commitment to the text (salted): " + std::string(64, 'e')),
              std::string::npos);
    EXPECT_NE(text.find("sender key fingerprint (certificate SHA-256): " + std::string(64, 'f')),
              std::string::npos);
    EXPECT_NE(text.find("ratchet key fingerprint: " + std::string(63, '7') +
                        "8, step n=3 pn=2, initial (X3DH session setup)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("no key is shown"), std::string::npos);
    EXPECT_EQ(text.find("delivery:"), std::string::npos);  // theirs: no delivery of ours
}

TEST(MessageDetails, ShowWhereEachCopyOfOursWent) {
    MessageInfo m;
    m.own = m.from_here = true;
    m.from = "alice";
    m.seqno = 2;
    m.protection = sample_protection();
    m.protection->initial = false;
    m.delivery.sent = true;
    m.delivery.copies = 2;
    m.delivery.devices["aa11"] = DeviceCopy{"bob", "phone", "relayed", true, 0};
    m.delivery.devices["bb22"] = DeviceCopy{"bob", "laptop", "quota_exceeded", false, 0};
    auto text = joined(details_lines(m, "bob"));
    EXPECT_NE(text.find("details of #2, you to bob"), std::string::npos) << text;
    EXPECT_EQ(text.find("initial"), std::string::npos);
    EXPECT_NE(text.find("delivery: ✓✓ delivered 1/1 ✗ 1 quota_exceeded (2 device copies"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("bob on phone aa11: relayed, delivered at"), std::string::npos) << text;
    EXPECT_NE(text.find("bob on laptop bb22: quota_exceeded"), std::string::npos) << text;
}

TEST(MessageDetails, AFailedSendHasNothingToShow) {
    MessageInfo m;
    m.own = m.from_here = true;
    m.delivery.failed = true;
    auto lines = details_lines(m, "bob");
    EXPECT_NE(joined(lines).find("not sent"), std::string::npos);
}

// Only what Protection holds is shown, each field through short_hex: whatever a field held
// beyond hex (a mistake upstream, a hostile value) is not drawn.
TEST(MessageDetails, NeverShowsMoreThanTheProtectionsHex) {
    MessageInfo m;
    m.from = "bob";
    m.device = "ph\x1bone";
    m.protection = sample_protection();
    m.protection->signature_hex = "-----BEGIN PRIVATE KEY-----";
    auto text = joined(details_lines(m, "bob"));
    EXPECT_EQ(text.find("PRIVATE"), std::string::npos) << text;
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
}

TEST(MessageDetails, DevicesListsFingerprintsStatesAndPendingChanges) {
    note::Devices d{
        "bob",
        {{"phone", std::string(64, 'a'), 1767225600000, "trusted", ""},
         {"laptop", std::string(64, 'b'), 1767225600000, "changed", std::string(64, 'c')}}};
    auto text = joined(devices_lines(d));
    EXPECT_NE(text.find("devices of bob:"), std::string::npos);
    EXPECT_NE(text.find("phone " + std::string(64, 'a') + " trusted, first seen 20"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("changed to " + std::string(64, 'c') + " (/trust bob laptop"),
              std::string::npos)
        << text;
    EXPECT_NE(joined(devices_lines(note::Devices{"carol", {}})).find("none known"),
              std::string::npos);
}

}  // namespace
}  // namespace sc::client::tui
