// The terminal UI's conversations as a model: one per user beside the server's, unread counts and
// presence in the bar, switching, scrolling, and each sent message's delivery mark per device
// copy (relayed, delivered, refused, failed).
#include <gtest/gtest.h>

#include "client/tui/conversation_list.h"
#include "client/tui/input_line.h"
#include "client/tui/tui_commands.h"

namespace sc::client::tui {
namespace {

note::Message from_bob(std::uint64_t seqno, std::string text) {
    note::Message m;
    m.from = "bob";
    m.seqno = seqno;
    m.ts = 1000;
    m.text = std::move(text);
    m.device = "phone";
    m.fingerprint = std::string(64, 'b');
    m.conversation = "bob";
    m.mid = "mid-bob-" + std::to_string(seqno);
    m.protection.signature_hex = "abcd";
    return m;
}

note::Sent sent_to_bob(std::uint64_t seqno, std::string mid, std::size_t devices) {
    note::Sent s;
    s.seqno = seqno;
    s.ts = 2000;
    s.to = "bob";
    s.mid = std::move(mid);
    s.devices = devices;
    s.protection.signature_hex = "ef01";
    return s;
}

bool contains(const std::vector<std::string>& rows, const std::string& text) {
    for (const auto& row : rows) {
        if (row.find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

TEST(ConversationList, StartsWithTheServersConversationOpen) {
    ConversationList list;
    EXPECT_TRUE(list.at_server());
    EXPECT_EQ(list.current(), "");
    EXPECT_EQ(list.render_bar(80), "[server] ");
}

TEST(ConversationList, CountsUnreadPerConversationUntilOpened) {
    ConversationList list;
    list.set_me("alice");
    list.received(from_bob(1, "hi"));
    list.received(from_bob(2, "are you there?"));
    EXPECT_EQ(list.unread("bob"), 2U);
    EXPECT_EQ(list.render_bar(80), "[server]  · bob (2)  ");
    EXPECT_TRUE(list.open("bob"));
    EXPECT_EQ(list.unread("bob"), 0U);
    EXPECT_EQ(list.render_bar(80), " server  [· bob] ");
    EXPECT_TRUE(contains(list.render(60, 10), "#2 <bob> are you there?"));
    // A message of the server's while bob's is open is unread in the server's.
    note::Message server_msg;
    server_msg.from = "server";
    server_msg.text = "hello from the server";
    list.received(server_msg);
    EXPECT_EQ(list.unread(""), 1U);
    EXPECT_FALSE(contains(list.render(60, 10), "hello from the server"));
    list.open("");
    EXPECT_TRUE(contains(list.render(60, 10), "hello from the server"));
    EXPECT_EQ(list.unread(""), 0U);
}

TEST(ConversationList, ShowsPresenceOfFriends) {
    ConversationList list;
    list.friends(note::Friends{{{"carol", false}, {"bob", true}}, {}, {}});
    EXPECT_EQ(list.render_bar(80), "[server]  ○ carol   ● bob  ");
    list.presence({"carol", true});
    list.presence({"bob", false});
    list.presence({"stranger", true});  // not a friend: no conversation made for it
    EXPECT_EQ(list.render_bar(80), "[server]  ● carol   ○ bob  ");
    EXPECT_FALSE(list.has("stranger"));
    list.clear_presence();
    EXPECT_EQ(list.online("bob"), std::nullopt);
}

TEST(ConversationList, SwitchesWithNextAndPreviousAndOpenIgnoresCase) {
    ConversationList list;
    list.open("bob");
    list.open("Carol");
    EXPECT_EQ(list.current(), "carol");
    list.next();
    EXPECT_TRUE(list.at_server());
    list.previous();
    EXPECT_EQ(list.current(), "carol");
    list.previous();
    EXPECT_EQ(list.current(), "bob");
    EXPECT_TRUE(list.open("BOB"));
    EXPECT_EQ(list.render_bar(80), " server  [· bob]  · carol  ");
    EXPECT_FALSE(list.open("1bad"));  // not a username
    EXPECT_EQ(list.current(), "bob");
}

TEST(ConversationList, TheBarKeepsTheOpenConversationVisible) {
    ConversationList list;
    for (int i = 0; i < 20; ++i) {
        list.open("user" + std::to_string(i));
    }
    auto bar = list.render_bar(40);
    EXPECT_LE(from_utf8(bar).size(), 40U);
    EXPECT_NE(bar.find("[· user19]"), std::string::npos) << bar;
    EXPECT_EQ(bar.rfind("…", 0), 0U) << bar;
}

TEST(ConversationList, MarksASentMessagePerDeviceCopy) {
    ConversationList list;
    list.set_me("alice");
    list.open("bob");
    auto index = list.add_own("bob", 1500, "hello bob");
    EXPECT_TRUE(contains(list.render(60, 5), "hello bob …"));
    list.sent(sent_to_bob(1, "m1", 3));
    EXPECT_TRUE(contains(list.render(60, 5), "#1 <you> hello bob →"));
    list.relayed({"bob", "phone", "p1", 1, "m1", "relayed"});
    list.relayed({"bob", "laptop", "p2", 1, "m1", "relayed"});
    list.relayed({"alice", "tablet", "a2", 1, "m1", "quota_exceeded"});
    EXPECT_TRUE(contains(list.render(60, 5), "hello bob ✓ relayed 2 ✗ 1 quota_exceeded"))
        << list.render(60, 5).back();
    list.delivered({"bob", "phone", "p1", 1, "m1", 2100});
    EXPECT_TRUE(contains(list.render(60, 5), "hello bob ✓✓ delivered 1/2"));
    list.delivered({"bob", "laptop", "p2", 1, "m1", 2200});
    list.delivered({"bob", "laptop", "p2", 1, "m1", 2200});    // twice counts once
    list.delivered({"bob", "phone", "p1", 1, "other", 2200});  // another message's: ignored
    EXPECT_TRUE(contains(list.render(60, 5), "hello bob ✓✓ delivered 2/2"));
    auto found = list.find("bob", 1);
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0]->delivery.devices.at("p1").delivered_ts, 2100U);
    EXPECT_EQ(found[0]->delivery.copies, 3U);
    EXPECT_EQ(found[0]->protection->signature_hex, "ef01");
    (void)index;
}

// The controller tells each copy's relay (and may tell a delivery) before note::Sent names the
// message: kept by message id, and applied when it does.
TEST(ConversationList, CopiesToldBeforeTheMessageIsNumberedAreApplied) {
    ConversationList list;
    list.set_me("alice");
    list.open("bob");
    list.add_own("bob", 1, "early");
    list.relayed({"bob", "phone", "p1", 3, "m3", "relayed"});
    list.relayed({"alice", "tablet", "a2", 3, "m3", "relayed"});
    list.delivered({"bob", "phone", "p1", 3, "m3", 10});
    EXPECT_TRUE(contains(list.render(60, 5), "early …"));
    list.sent(sent_to_bob(3, "m3", 2));
    EXPECT_TRUE(contains(list.render(60, 5), "#3 <you> early ✓✓ delivered 1/2"))
        << list.render(60, 5).back();
}

// No device of bob took it: the send fails, and the refused copies told before say why.
TEST(ConversationList, AFailedSendShowsTheCopiesThatWereRefused) {
    ConversationList list;
    list.set_me("alice");
    list.open("bob");
    auto index = list.add_own("bob", 1, "nobody home");
    list.relayed({"bob", "phone", "p1", 4, "m4", "quota_exceeded"});
    list.send_failed("bob", index);
    EXPECT_TRUE(contains(list.render(60, 5), "nobody home ✗ not relayed: quota_exceeded"))
        << list.render(60, 5).back();
    auto found = list.find("bob", std::nullopt);
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0]->delivery.devices.at("p1").status, "quota_exceeded");
}

TEST(ConversationList, MarksFailuresAndKeepsNumbersForTheNextMessage) {
    ConversationList list;
    list.set_me("alice");
    list.open("bob");
    auto first = list.add_own("bob", 1, "refused before numbering");
    list.add_own("bob", 2, "second");
    list.send_failed("bob", first);
    list.sent(sent_to_bob(7, "m7", 1));  // the second one's
    auto rows = list.render(60, 5);
    EXPECT_TRUE(contains(rows, "refused before numbering ✗"));
    EXPECT_TRUE(contains(rows, "#7 <you> second →"));
    list.relayed({"bob", "phone", "p1", 7, "m7", "quota_exceeded"});
    EXPECT_TRUE(contains(list.render(60, 5), "second ✗ not relayed: quota_exceeded"));
    EXPECT_EQ(list.find("bob", std::nullopt).at(0)->seqno, 7U);
}

TEST(ConversationList, OurCopyFromAnotherDeviceIsOurs) {
    ConversationList list;
    list.set_me("alice");
    auto m = from_bob(4, "sent from my phone");
    m.from = "alice";
    m.device = "phone";
    list.received(m);
    list.open("bob");
    EXPECT_TRUE(contains(list.render(60, 5), "#4 <you@phone> sent from my phone"));
    auto found = list.find("bob", 4);
    ASSERT_EQ(found.size(), 1U);
    EXPECT_TRUE(found[0]->own);
    EXPECT_FALSE(found[0]->from_here);
}

TEST(ConversationList, FindsBothMessagesSharingANumber) {
    ConversationList list;
    list.set_me("alice");
    list.received(from_bob(1, "theirs"));
    list.add_own("bob", 1, "ours");
    list.sent(sent_to_bob(1, "m1", 1));
    EXPECT_EQ(list.find("bob", 1).size(), 2U);
    EXPECT_TRUE(list.find("bob", 9).empty());
    EXPECT_TRUE(list.find("nobody", std::nullopt).empty());
}

TEST(ConversationList, AWarningIsShownInItsConversationAndFlagged) {
    ConversationList list;
    note::Warning w{"device_changed", "bob",   "phone",
                    "AA:BB",          "CC:DD", "bob's device phone has a new certificate"};
    list.warning(5, w);
    EXPECT_TRUE(list.warned("bob"));
    EXPECT_EQ(list.render_bar(80), "[server]  · bob (1) !  ");
    list.open("bob");
    EXPECT_FALSE(list.warned("bob"));
    auto rows = list.render(200, 5);
    EXPECT_TRUE(contains(rows,
                         "* WARNING (device_changed) bob's device phone has a new "
                         "certificate [device phone] pinned AA:BB, now CC:DD"))
        << rows.back();
}

TEST(ConversationList, ScrollsBackAndForward) {
    ConversationList list;
    for (int i = 0; i < 30; ++i) {
        list.notice(0, "line " + std::to_string(i));
    }
    EXPECT_TRUE(contains(list.render(40, 5), "line 29"));
    list.scroll_back(10);
    EXPECT_EQ(list.scrolled(), 10U);
    auto rows = list.render(40, 5);
    EXPECT_FALSE(contains(rows, "line 29"));
    EXPECT_TRUE(contains(rows, "line 19"));
    list.scroll_back(1000);
    EXPECT_TRUE(contains(list.render(40, 5), "line 0"));
    list.scroll_forward(100000);
    EXPECT_EQ(list.scrolled(), 0U);
    EXPECT_TRUE(contains(list.render(40, 5), "line 29"));
}

TEST(ConversationList, AHostileServerCannotGrowItWithoutBound) {
    ConversationList list;
    for (std::size_t i = 0; i < ConversationList::kMaxConversations + 50; ++i) {
        auto m = from_bob(1, "spam");
        m.from = m.conversation = "user" + std::to_string(i);
        list.received(m);
    }
    EXPECT_TRUE(list.has("user0"));
    EXPECT_FALSE(list.has("user" + std::to_string(ConversationList::kMaxConversations)));
    // What has no conversation goes to the server's, naming the user.
    EXPECT_TRUE(contains(list.render(60, 3), "user249 (to user249)"));
}

TEST(ConversationList, NamesAndTextsAreRenderedSafely) {
    ConversationList list;
    auto m = from_bob(1, "evil \x1b]2;owned\x07 text");
    list.received(m);
    list.open("bob");
    auto rows = list.render(80, 3);
    for (const auto& row : rows) {
        EXPECT_EQ(row.find('\x1b'), std::string::npos) << row;
    }
    EXPECT_TRUE(contains(rows, "\\x1b]2;owned\\x07"));
}

TEST(TuiCommands, ParsesOpenAndDetailsAndLeavesMsgToLineMode) {
    auto open = parse_tui_command("/open bob");
    ASSERT_TRUE(open);
    EXPECT_EQ(std::get<tc::Open>(*open).user, "bob");
    EXPECT_EQ(std::get<tc::Open>(*parse_tui_command("/open")).user, "");
    EXPECT_EQ(std::get<tc::Open>(*parse_tui_command("/open server")).user, "");
    EXPECT_FALSE(parse_tui_command("/open 1bob"));
    EXPECT_EQ(std::get<tc::Details>(*parse_tui_command("/details")).seqno, std::nullopt);
    EXPECT_EQ(std::get<tc::Details>(*parse_tui_command("/details 12")).seqno, 12U);
    EXPECT_EQ(std::get<tc::Details>(*parse_tui_command("/details #3")).seqno, 3U);
    EXPECT_FALSE(parse_tui_command("/details x"));
    EXPECT_FALSE(parse_tui_command("/details 0"));
    // /msg is line mode's (parse_line), with its own tests.
    EXPECT_TRUE(std::holds_alternative<tc::NotOurs>(*parse_tui_command("/msg bob hello")));
    EXPECT_TRUE(std::holds_alternative<tc::NotOurs>(*parse_tui_command("/opener")));
    EXPECT_TRUE(std::holds_alternative<tc::NotOurs>(*parse_tui_command("/friends")));
    EXPECT_TRUE(std::holds_alternative<tc::NotOurs>(*parse_tui_command("hello")));
}

}  // namespace
}  // namespace sc::client::tui
