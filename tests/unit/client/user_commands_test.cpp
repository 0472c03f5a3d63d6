// The line commands of issue 10 (friends, who, admin): each becomes the request it names, with
// its username checked locally, so a bad one sends nothing.
#include <gtest/gtest.h>

#include "client/line_commands.h"
#include "common/display_text.h"

namespace sc::client {
namespace {

namespace msg = proto::msg;

template <class T>
T request_of(std::string_view line) {
    auto parsed = parse_line(line);
    EXPECT_TRUE(parsed) << line << ": " << (parsed ? "" : parsed.error().message);
    if (!parsed) {
        return T{};
    }
    auto* command = std::get_if<cmd::Request>(&*parsed);
    EXPECT_NE(command, nullptr) << line;
    if (command == nullptr || !std::holds_alternative<T>(command->request)) {
        ADD_FAILURE() << line << " is not a " << T::kType;
        return T{};
    }
    return std::get<T>(std::move(command->request));
}

std::string error_of(std::string_view line) {
    auto parsed = parse_line(line);
    EXPECT_FALSE(parsed) << line;
    return parsed ? "" : parsed.error().message;
}

TEST(UserCommands, FriendTakesAnOperationAndAUser) {
    auto request = request_of<msg::FriendCommand>("/friend request bob");
    EXPECT_EQ(request.op, msg::FriendOp::request);
    EXPECT_EQ(request.user, "bob");
    EXPECT_EQ(request_of<msg::FriendCommand>("/friend accept  bob\r").op, msg::FriendOp::accept);
    EXPECT_EQ(request_of<msg::FriendCommand>("/friend decline bob").op, msg::FriendOp::decline);
    EXPECT_EQ(request_of<msg::FriendCommand>("/friend\tremove bob").op, msg::FriendOp::remove);
    EXPECT_EQ(request_of<msg::FriendCommand>("/friend remove bob").id, 0U)
        << "the session numbers requests, not the parser";
}

TEST(UserCommands, ListsTakeNoArguments) {
    request_of<msg::ListFriends>("/friends");
    request_of<msg::Who>("/who");
    EXPECT_EQ(error_of("/friends all"), "usage: /friends (no arguments)");
    EXPECT_EQ(error_of("/who alice"), "usage: /who (no arguments)");
}

TEST(UserCommands, AdminCommandsNameTheirOperation) {
    auto disable = request_of<msg::UserCommand>("/disable mallory");
    EXPECT_EQ(disable.op, msg::UserOp::disable);
    EXPECT_EQ(disable.user, "mallory");
    EXPECT_EQ(request_of<msg::UserCommand>("/enable mallory").op, msg::UserOp::enable);
    EXPECT_EQ(request_of<msg::UserCommand>("/kick mallory").op, msg::UserOp::kick);
}

TEST(UserCommands, UserAddKeepsThePasswordInWipedMemoryWithItsSpaces) {
    auto add = request_of<msg::UserAdd>("/useradd carol@example.com carol correct horse  battery");
    EXPECT_EQ(add.email, "carol@example.com");
    EXPECT_EQ(add.username, "carol");
    EXPECT_EQ(add.password.reveal_text(crypto::SecretAccess{}), "correct horse  battery");
}

TEST(UserCommands, BadArgumentsSayHowTheCommandIsWritten) {
    const std::string friend_usage = "usage: /friend request|accept|decline|remove USER";
    EXPECT_EQ(error_of("/friend"), friend_usage);
    EXPECT_EQ(error_of("/friend bob"), friend_usage);
    EXPECT_EQ(error_of("/friend befriend bob"), friend_usage);
    EXPECT_EQ(error_of("/friend request"), friend_usage);
    EXPECT_EQ(error_of("/friend request bob carol"), friend_usage);
    EXPECT_EQ(error_of("/kick"), "usage: /kick USER");
    EXPECT_EQ(error_of("/disable a b"), "usage: /disable USER");
    EXPECT_EQ(error_of("/enable"), "usage: /enable USER");
    EXPECT_EQ(error_of("/useradd carol@example.com carol"),
              "usage: /useradd EMAIL USERNAME PASSWORD");
}

TEST(UserCommands, BadUsernamesAreRefusedLocallyWithTheRule) {
    EXPECT_EQ(error_of("/friend request 1bob"),
              "'1bob' is not a username: username must start with a letter; nothing was sent");
    EXPECT_NE(error_of("/kick ab").find("is not a username"), std::string::npos);
    EXPECT_NE(error_of("/disable bob@example").find("is not a username"), std::string::npos);
    EXPECT_NE(error_of("/useradd c@example.com c/a pw").find("is not a username"),
              std::string::npos);
    EXPECT_NE(error_of("/enable " + std::string(40, 'a')).find("is not a username"),
              std::string::npos);
}

// Typed out of order, the password may stand where the username belongs: the error names the
// position and the rule, never a word of the line.
TEST(UserCommands, UserAddNeverQuotesAWordOfItsLineInAnError) {
    for (const char* line : {"/useradd a@b.c S3cret!pw alice", "/useradd S3cret!pw a@b.c alice",
                             "/useradd alice@b.c 1S3cretpw x"}) {
        auto message = error_of(line);
        EXPECT_EQ(message.find("S3cret"), std::string::npos) << message;
        EXPECT_EQ(message.find("alice"), std::string::npos) << message;
        EXPECT_EQ(message.find("a@b.c"), std::string::npos) << message;
        EXPECT_NE(message.find("the second word of /useradd EMAIL USERNAME PASSWORD is not a "
                               "username"),
                  std::string::npos)
            << message;
    }
    EXPECT_EQ(error_of("/useradd a@b.c S3cret!pw alice"),
              "the second word of /useradd EMAIL USERNAME PASSWORD is not a username: username "
              "may only contain letters, digits, '_', '.', '-'; nothing was sent");
}

TEST(UserCommands, AUsernameWithAnEscapeIsShownInertInTheError) {
    auto message = error_of("/friend request bob\x1b[2J");
    EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
    EXPECT_TRUE(is_display_safe(message)) << message;
    EXPECT_NE(message.find("is not a username"), std::string::npos);
}

TEST(UserCommands, TheTerminalUiKnowsWhichNamesAreRequests) {
    for (const char* name :
         {"/friend", "/friends", "/who", "/useradd", "/disable", "/enable", "/kick"}) {
        EXPECT_TRUE(is_request_command(name)) << name;
    }
    EXPECT_FALSE(is_request_command("/login"));
    EXPECT_FALSE(is_request_command("/friendz"));
    EXPECT_NE(std::string(line_mode_help()).find("/friend request|accept|decline|remove USER"),
              std::string::npos);
}

}  // namespace
}  // namespace sc::client
