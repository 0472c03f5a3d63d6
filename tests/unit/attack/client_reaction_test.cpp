// The warnings `securechat attack hostile-server` reads from the client's conversation
// transcript: only warning lines, only those since the attack began, none when the client never
// wrote the file; and a peer that is not a username names no file. And what the client showed:
// any control character raw in its output is found.
#include <gtest/gtest.h>

#include "attack/client_reaction.h"
#include "common/display_text.h"
#include "common/files.h"
#include "evidence/conversation_transcript.h"
#include "support/temp_dir.h"

namespace sc::attack {
namespace {

namespace conv = evidence::conversation;
const std::string kFp(64, 'a');

class ClientReaction : public ::testing::Test {
  protected:
    void write(const std::string& text) {
        auto dir = tmp_.path() / "e2e" / kFp / "conversations";
        std::filesystem::create_directories(dir);
        ASSERT_TRUE(write_file_atomically(dir / "bob.jsonl", as_bytes(std::string_view(text)),
                                          FileMode::private_0600, Replace::yes));
    }
    test::TempDir tmp_;
};

TEST_F(ClientReaction, OnlyTheWarningsSinceTheAttackBeganAreRead) {
    write(conv::header_line("alice", kFp, "bob", 100) + "\n" +
          conv::warning_line(150, "device_added", "bob", "default", "", kFp, "before") + "\n" +
          conv::expired_line(250, "bob", kFp, std::string(32, '0')) + "\n" +
          conv::warning_line(300, "out_of_order", "bob", "default", "", kFp, "after") + "\n" +
          "not json\n");
    auto found = recorded_warnings(tmp_.path(), kFp, "bob", 200);
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_EQ(found->size(), 1U);
    EXPECT_EQ(found->front().code, "out_of_order");
    EXPECT_EQ(found->front().message, "after");
}

TEST_F(ClientReaction, NoTranscriptIsNoWarningAndABadPeerNameIsAnError) {
    auto none = recorded_warnings(tmp_.path(), kFp, "bob", 0);
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_TRUE(none->empty());
    EXPECT_FALSE(recorded_warnings(tmp_.path(), kFp, "../bob", 0));
}

// The screen check can fail: each raw hazard is found and named, where it is; the same text
// made visible passes, and the marker is looked for as is.
TEST(ShownOutput, ARawControlAnywhereIsFoundAndNamed) {
    const std::string marker = "ESCAPE-PROBE";
    for (const std::string hazard :
         {"\x1b", "\x07", "\r", "\t", "\x7f", "\xc2\x9b", "\xe2\x80\xae", "\xff", "\xc0\x9b"}) {
        const auto shown = attack::shown_output("ok\nbob: " + marker + hazard + "x\n", marker);
        EXPECT_TRUE(shown.marker_shown);
        EXPECT_NE(shown.raw_control, "") << display_text(hazard);
        EXPECT_NE(shown.raw_control.find("at byte 20"), std::string::npos) << shown.raw_control;
    }
    const auto inert = attack::shown_output(
        "bob: " + display_text("\x1b]0;owned\x07" + marker + "\xc2\x9b\xe2\x80\xae") + "\n",
        marker);
    EXPECT_TRUE(inert.marker_shown);
    EXPECT_EQ(inert.raw_control, "");
    EXPECT_FALSE(attack::shown_output("bob: something else\n", marker).marker_shown);
    EXPECT_EQ(attack::shown_output("line one\nline two\n", marker).raw_control, "");
}

}  // namespace
}  // namespace sc::attack
