// The pure parts of the client's end-to-end messaging (client/e2e_records.h).
#include "client/e2e_records.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "common/files.h"
#include "support/temp_dir.h"

namespace sc::client {
namespace {

proto::msg::DeviceList list(std::vector<std::pair<std::string, std::string>> devices) {
    proto::msg::DeviceList l;
    for (auto& [fp, name] : devices) {
        l.devices.push_back({fp, name});
    }
    return l;
}

TEST(E2eRecords, AMessageGoesToEveryDeviceOfTheRecipientAndOurOtherDevicesOnce) {
    const std::string own(64, 'a'), other(64, 'b'), bob1(64, 'c'), bob2(64, 'd');
    auto targets = copy_targets("Bob", list({{bob1, "laptop"}, {bob2, "phone"}, {bob1, "dup"}}),
                                "alice", list({{own, "desk"}, {other, "phone"}}), own);
    ASSERT_EQ(targets.size(), 3u);
    EXPECT_EQ(targets[0].user, "bob");
    EXPECT_EQ(targets[0].fingerprint, bob1);
    EXPECT_EQ(targets[1].fingerprint, bob2);
    EXPECT_EQ(targets[2].user, "alice");
    EXPECT_EQ(targets[2].fingerprint, other);  // never this device itself
}

TEST(E2eRecords, TheLedgerFindsWhatWasSentToADeviceAndForgetsTheOldest) {
    SentLedger ledger;
    ledger.record("m1", "fp1", {"bob", "laptop", 3, Bytes{1, 2}, false});
    ASSERT_NE(ledger.find("m1", "fp1"), nullptr);
    EXPECT_EQ(ledger.find("m1", "fp1")->seq, 3u);
    EXPECT_EQ(ledger.find("m1", "fp2"), nullptr);  // not sent to that device
    for (std::size_t i = 0; i < SentLedger::kMaxEntries; ++i) {
        ledger.record("m" + std::to_string(i + 2), "fp1", {});
    }
    EXPECT_EQ(ledger.size(), SentLedger::kMaxEntries);
    EXPECT_EQ(ledger.find("m1", "fp1"), nullptr);
}

TEST(E2eRecords, TheConversationFileIsAppendOnlyJsonLinesInAPrivateFile) {
    test::TempDir dir;
    ConversationLog log(dir.path());
    note::Warning w{"device_changed", "bob", "laptop", "aa", "bb", "changed"};
    ASSERT_TRUE(log.append("Bob", ConversationLog::warning_line(5, w)));
    note::Protection p;
    p.signature_hex = "5151";
    p.commitment_hex = "c0c0";
    ASSERT_TRUE(log.append("bob", ConversationLog::envelope_line("sent", 6, "to", "bob", "laptop",
                                                                 "ff", 1, "0102", Bytes{9, 9}, p)));
    auto file = log.file_of("bob");
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto text = read_file(file).value();
    auto first = nlohmann::json::parse(text.substr(0, text.find('\n')));
    EXPECT_EQ(first["event"], "warning");
    EXPECT_EQ(first["code"], "device_changed");
    EXPECT_EQ(first["old_fingerprint"], "aa");
    auto second = nlohmann::json::parse(text.substr(text.find('\n') + 1));
    EXPECT_EQ(second["event"], "sent");
    EXPECT_EQ(second["envelope"], "0909");
    EXPECT_EQ(second["sig"], "5151");
    EXPECT_EQ(second["commit"], "c0c0");
    EXPECT_FALSE(log.append("../x", "{}"));  // only usernames name files
}

}  // namespace
}  // namespace sc::client
