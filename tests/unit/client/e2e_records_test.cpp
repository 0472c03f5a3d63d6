// The pure parts of the client's end-to-end messaging (client/e2e_records.h).
#include "client/e2e_records.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "common/files.h"
#include "evidence/conversation_transcript.h"
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

TEST(E2eRecords, TheTranscriptStartsWithItsHeaderAndAppendsPrivateJsonLines) {
    test::TempDir dir;
    const std::string own(64, 'a');
    ConversationLog log(dir.path(), "alice", own);
    note::Warning w{"device_changed", "bob", "laptop", "aa", "bb", "changed"};
    ASSERT_TRUE(log.append("Bob", ConversationLog::warning_line(5, w), 4));
    ASSERT_TRUE(log.append(
        "bob", evidence::conversation::sent_line(6, "bob", std::string(64, 'f'), Bytes{9, 9}), 6));
    auto file = log.file_of("bob");
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto text = read_file(file).value();
    std::vector<nlohmann::json> lines;
    for (std::size_t at = 0; at < text.size();) {
        auto end = text.find('\n', at);
        ASSERT_NE(end, std::string::npos) << "every line ends with a newline";
        lines.push_back(nlohmann::json::parse(text.substr(at, end - at)));
        at = end + 1;
    }
    ASSERT_EQ(lines.size(), 3u);  // one header, then the two lines
    EXPECT_EQ(lines[0]["transcript"], evidence::conversation::kFormat);
    EXPECT_EQ(lines[0]["me"], "alice");
    EXPECT_EQ(lines[0]["device"], own);
    EXPECT_EQ(lines[0]["peer"], "bob");
    EXPECT_EQ(lines[0]["created"], 4);
    EXPECT_EQ(lines[1]["line"], "warning");
    EXPECT_EQ(lines[1]["code"], "device_changed");
    EXPECT_EQ(lines[1]["old_fingerprint"], "aa");
    EXPECT_EQ(lines[2]["line"], "sent");
    EXPECT_EQ(lines[2]["envelope"], "CQk=");
    EXPECT_FALSE(log.append("../x", "{}", 7));  // only usernames name files
}

}  // namespace
}  // namespace sc::client
