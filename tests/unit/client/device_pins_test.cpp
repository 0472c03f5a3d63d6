// docs/PROTOCOL.md §10.1: pinning per contact — first contact silently, a new device name with
// device_added, a changed fingerprint held (device_changed) until /trust.
#include "client/device_pins.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include "common/files.h"
#include "support/temp_dir.h"
#include "testing/test_pki.h"

namespace sc::client {
namespace {

struct Devices {
    pki::CertificateAuthority ca = test::make_root_ca();

    e2e::VerifiedDevice device(const std::string& user, const std::string& name) {
        test::LeafSpec spec;
        spec.profile = pki::Profile::client;
        spec.name = user;
        spec.sans = {"URI:urn:securechat:device:" + name};
        auto leaf = test::issue(ca, spec);
        return e2e::VerifiedDevice{user, name, leaf.cert.fingerprint(), leaf.cert.to_der(),
                                   leaf.cert.public_key()};
    }
};

using Verdict = PinCheck::Verdict;

TEST(DevicePins, AFirstContactIsPinnedSilentlyWithAllItsDevices) {
    test::TempDir dir;
    Devices d;
    auto pins = DevicePins::load(dir.path() / "pins.json").value();
    auto laptop = d.device("bob", "laptop");
    auto phone = d.device("bob", "phone");
    bool known = pins.knows("bob");
    EXPECT_FALSE(known);
    EXPECT_EQ(pins.check(laptop, known, 10).verdict, Verdict::first_contact);
    EXPECT_EQ(pins.check(phone, known, 10).verdict, Verdict::first_contact);
    EXPECT_EQ(pins.check(laptop, pins.knows("bob"), 20).verdict, Verdict::known);
    ASSERT_NE(pins.devices("Bob"), nullptr);
    EXPECT_EQ(pins.devices("bob")->size(), 2u);
    EXPECT_EQ(pins.devices("bob")->front().first_seen, 10u);
}

TEST(DevicePins, ANewDeviceOfAKnownContactIsAddedAndUsable) {
    test::TempDir dir;
    Devices d;
    auto pins = DevicePins::load(dir.path() / "pins.json").value();
    pins.check(d.device("bob", "laptop"), false, 10);
    auto added = pins.check(d.device("bob", "tablet"), pins.knows("bob"), 30);
    EXPECT_EQ(added.verdict, Verdict::added);
    EXPECT_TRUE(added.usable());
}

TEST(DevicePins, AChangedFingerprintIsHeldUntilTrusted) {
    test::TempDir dir;
    Devices d;
    auto pins = DevicePins::load(dir.path() / "pins.json").value();
    auto laptop = d.device("bob", "laptop");
    pins.check(laptop, false, 10);
    auto replaced = d.device("bob", "laptop");  // same name, another certificate
    auto changed = pins.check(replaced, true, 20);
    EXPECT_EQ(changed.verdict, Verdict::changed);
    EXPECT_FALSE(changed.usable());
    EXPECT_TRUE(changed.newly_changed);
    EXPECT_EQ(changed.old_fingerprint, laptop.fp.hex());
    // Seen again: still held, but not news.
    auto again = pins.check(replaced, true, 25);
    EXPECT_EQ(again.verdict, Verdict::changed);
    EXPECT_FALSE(again.newly_changed);
    // The old one is still the pinned one.
    EXPECT_EQ(pins.check(laptop, true, 26).verdict, Verdict::known);
    EXPECT_EQ(pins.devices("bob")->front().pending_fingerprint, replaced.fp.hex());

    ASSERT_TRUE(pins.trust("bob", "laptop", 30));
    EXPECT_EQ(pins.check(replaced, true, 40).verdict, Verdict::known);
    EXPECT_EQ(pins.check(laptop, true, 41).verdict, Verdict::changed);
}

TEST(DevicePins, TrustNeedsAPendingChange) {
    test::TempDir dir;
    Devices d;
    auto pins = DevicePins::load(dir.path() / "pins.json").value();
    pins.check(d.device("bob", "laptop"), false, 10);
    auto unchanged = pins.trust("bob", "laptop", 20);
    ASSERT_FALSE(unchanged);
    EXPECT_NE(unchanged.error().message.find("has not changed"), std::string::npos);
    auto unknown = pins.trust("bob", "phone", 20);
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("no device phone"), std::string::npos);
}

TEST(DevicePins, SavedPinsLoadAgainFromAPrivateFile) {
    test::TempDir dir;
    Devices d;
    auto file = dir.path() / "pins.json";
    auto pins = DevicePins::load(file).value();
    auto laptop = d.device("bob", "laptop");
    pins.check(laptop, false, 10);
    pins.check(d.device("bob", "laptop"), true, 20);  // held
    ASSERT_TRUE(pins.save());
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    auto loaded = DevicePins::load(file);
    ASSERT_TRUE(loaded) << loaded.error().message;
    const auto* devices = loaded.value().devices("bob");
    ASSERT_NE(devices, nullptr);
    ASSERT_EQ(devices->size(), 1u);
    EXPECT_EQ(devices->front().fingerprint, laptop.fp.hex());
    EXPECT_EQ(devices->front().cert_der, laptop.cert_der);
    EXPECT_TRUE(devices->front().changed);
    // Held: not even the old certificate is used until /trust.
    EXPECT_EQ(loaded.value().find("bob", laptop.fp.hex()), nullptr);
}

// A known device seen again changes nothing, so save() writes nothing: one envelope costs no
// rename and fsync of pins.json. Any change is written at the next save.
TEST(DevicePins, OnlyAChangeIsWritten) {
    test::TempDir dir;
    Devices d;
    auto file = dir.path() / "pins.json";
    auto inode = [&] {
        struct stat st {};
        EXPECT_EQ(::stat(file.c_str(), &st), 0);
        return st.st_ino;  // write_file_atomically renames a new file into place
    };
    auto pins = DevicePins::load(file).value();
    auto laptop = d.device("bob", "laptop");
    ASSERT_TRUE(pins.save());
    EXPECT_FALSE(std::filesystem::exists(file)) << "nothing to save yet";
    pins.check(laptop, false, 10);
    ASSERT_TRUE(pins.save());
    const auto first = inode();
    EXPECT_EQ(pins.check(laptop, true, 20).verdict, Verdict::known);
    ASSERT_TRUE(pins.save());
    EXPECT_EQ(inode(), first) << "a known device rewrote the pins";

    pins.check(d.device("bob", "phone"), true, 30);  // added
    ASSERT_TRUE(pins.save());
    const auto added = inode();
    EXPECT_NE(added, first);
    pins.check(d.device("bob", "phone"), true, 40);  // another certificate: held
    ASSERT_TRUE(pins.save());
    EXPECT_NE(inode(), added);
    const auto held = inode();
    ASSERT_TRUE(pins.trust("bob", "phone", 50));
    ASSERT_TRUE(pins.save());
    EXPECT_NE(inode(), held);
    EXPECT_EQ(DevicePins::load(file).value().devices("bob")->size(), 2u);
}

TEST(DevicePins, AFileThatDoesNotParseIsAnError) {
    test::TempDir dir;
    auto file = dir.path() / "pins.json";
    ASSERT_TRUE(write_file_atomically(file, as_bytes(std::string_view("{not json")),
                                      FileMode::private_0600, Replace::yes));
    EXPECT_FALSE(DevicePins::load(file));
}

}  // namespace
}  // namespace sc::client
