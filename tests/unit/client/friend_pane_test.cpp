// The terminal UI's friend pane as a model: the list, presence changes, incoming requests
// marked so they can be answered, the bound, and the pane drawn beside the conversation.
#include <gtest/gtest.h>

#include "client/tui/friend_pane.h"
#include "client/tui/input_line.h"
#include "common/display_text.h"
#include "proto/limits.h"

namespace sc::client::tui {
namespace {

note::Friends sample() {
    return note::Friends{{{"carol", false}, {"bob", true}}, {"dave"}, {"erin"}};
}

TEST(FriendPane, ShowsRequestsFirstThenOnlineOfflineAndOurRequests) {
    FriendPane pane;
    EXPECT_EQ(pane.render(22, 10), std::vector<std::string>{"friends: /friends"});
    pane.set(sample());
    EXPECT_EQ(pane.render(22, 10), (std::vector<std::string>{"friends (1 online)", "? dave asks",
                                                             "● bob", "○ carol", "… erin"}));
    EXPECT_EQ(pane.render(22, 3).size(), 3U);
    EXPECT_EQ(pane.render(8, 10)[0], "friends ");
}

TEST(FriendPane, PresenceUpdatesFriendsOnly) {
    FriendPane pane;
    pane.set(sample());
    pane.presence({"carol", true});
    pane.presence({"bob", false});
    pane.presence({"stranger", true});
    EXPECT_EQ(pane.render(22, 10), (std::vector<std::string>{"friends (1 online)", "? dave asks",
                                                             "● carol", "○ bob", "… erin"}));
}

TEST(FriendPane, ARequestIsMarkedUntilAcceptedOrRemoved) {
    FriendPane pane;
    pane.set(note::Friends{});
    pane.requested({"frank"});
    EXPECT_EQ(pane.render(22, 10),
              (std::vector<std::string>{"friends (0 online)", "? frank asks"}));
    pane.added({"frank"});
    pane.presence({"frank", true});
    EXPECT_EQ(pane.render(22, 10), (std::vector<std::string>{"friends (1 online)", "● frank"}));
    pane.requested({"frank"});  // already a friend: nothing to answer
    EXPECT_EQ(pane.rows().size(), 1U);
    pane.removed({"frank"});
    EXPECT_TRUE(pane.rows().empty());
    pane.clear();
    EXPECT_FALSE(pane.loaded());
}

TEST(FriendPane, AHostileServerCannotGrowItWithoutBound) {
    FriendPane pane;
    for (int i = 0; i < 2000; ++i) {
        pane.requested({"user" + std::to_string(i)});
    }
    EXPECT_EQ(pane.rows().size(),
              proto::kMaxFriends + proto::kMaxIncomingRequests + proto::kMaxOutgoingRequests);
}

TEST(FriendPane, NamesWithEscapesAreDrawnInert) {
    FriendPane pane;
    pane.requested({"ev\x1b[2Jil"});
    for (const auto& row : pane.render(40, 5)) {
        EXPECT_TRUE(is_display_safe(row)) << row;
    }
}

TEST(FriendPane, SitsBesideTheConversationBottomAligned) {
    auto rows =
        side_by_side({"hello", "a much longer conversation row"}, 10, {"friends", "● bob"}, 3);
    EXPECT_EQ(rows,
              (std::vector<std::string>{"          │friends", "hello     │● bob", "a much lon│"}));
    auto cut = side_by_side({"1", "2", "3", "4"}, 2, {}, 2);
    EXPECT_EQ(cut, (std::vector<std::string>{"3 │", "4 │"}));
}

TEST(InputLine, ALineHoldingASecretCanBeDroppedFromHistory) {
    InputLine input;
    for (char32_t c : U"/useradd c@x carol pw") {
        if (c != 0) {
            input.apply(Key::character, c);
        }
    }
    input.apply(Key::enter);
    input.forget_last_history();
    input.apply(Key::up);
    EXPECT_TRUE(input.text().empty());
}

}  // namespace
}  // namespace sc::client::tui
