#include "client/line_commands.h"

#include <gtest/gtest.h>

namespace sc::client {
namespace {

template <class T>
T parsed_as(std::string_view line) {
    auto parsed = parse_line(line);
    EXPECT_TRUE(parsed) << line << ": " << (parsed ? "" : parsed.error().message);
    EXPECT_TRUE(std::holds_alternative<T>(*parsed)) << line;
    return std::get<T>(*parsed);
}

std::string error_of(std::string_view line) {
    auto parsed = parse_line(line);
    EXPECT_FALSE(parsed) << line;
    return parsed ? "" : parsed.error().message;
}

TEST(LineCommands, RegisterAndLoginTakeTheRestOfTheLineAsPassword) {
    auto r = parsed_as<cmd::Register>("/register a@example.com alice correct horse  battery");
    EXPECT_EQ(r.email, "a@example.com");
    EXPECT_EQ(r.username, "alice");
    EXPECT_EQ(r.password, "correct horse  battery");
    auto l = parsed_as<cmd::Login>("/login   alice\tsecret-password\r");
    EXPECT_EQ(l.username, "alice");
    EXPECT_EQ(l.password, "secret-password");
}

TEST(LineCommands, MissingArgumentsSayHowTheCommandIsWritten) {
    EXPECT_EQ(error_of("/login onlyuser"), "usage: /login USERNAME PASSWORD");
    EXPECT_EQ(error_of("/login"), "usage: /login USERNAME PASSWORD");
    EXPECT_EQ(error_of("/register a@example.com alice"),
              "usage: /register EMAIL USERNAME PASSWORD");
    EXPECT_EQ(error_of("/quit now"), "usage: /quit (no arguments)");
}

TEST(LineCommands, EndToEndCommandsNameAUserAndKeepTheTextAsTyped) {
    auto m = parsed_as<cmd::SendTo>("/msg bob  hello  there, bob ");
    EXPECT_EQ(m.user, "bob");
    EXPECT_EQ(m.text, "hello  there, bob ");
    EXPECT_EQ(parsed_as<cmd::ShowDevices>("/devices carol").user, "carol");
    auto t = parsed_as<cmd::TrustDevice>("/trust bob laptop");
    EXPECT_EQ(t.user, "bob");
    EXPECT_EQ(t.device, "laptop");
    EXPECT_EQ(error_of("/msg bob"), "usage: /msg USER TEXT");
    EXPECT_EQ(error_of("/devices"), "usage: /devices USER");
    EXPECT_EQ(error_of("/trust bob"), "usage: /trust USER DEVICE");
    EXPECT_EQ(error_of("/trust bob laptop extra"), "usage: /trust USER DEVICE");
    EXPECT_NE(error_of("/msg 1bob hi").find("is not a username"), std::string::npos);
    EXPECT_NE(error_of("/trust bob lap/top").find("is not a device name"), std::string::npos);
    EXPECT_TRUE(is_e2e_command("/msg"));
    EXPECT_FALSE(is_e2e_command("/friend"));
}

TEST(LineCommands, Sleep) {
    EXPECT_EQ(parsed_as<cmd::Sleep>("/sleep 2").duration, std::chrono::milliseconds(2000));
    EXPECT_EQ(parsed_as<cmd::Sleep>("/sleep 0.25").duration, std::chrono::milliseconds(250));
    EXPECT_EQ(parsed_as<cmd::Sleep>("/sleep 0").duration, std::chrono::milliseconds(0));
    for (const char* bad : {"/sleep", "/sleep -1", "/sleep soon", "/sleep 1 2", "/sleep nan",
                            "/sleep 1e9", "/sleep inf"}) {
        EXPECT_FALSE(parse_line(bad)) << bad;
    }
}

TEST(LineCommands, MessagesBlankLinesAndEscapes) {
    EXPECT_EQ(parsed_as<cmd::Say>("hello there").text, "hello there");
    EXPECT_EQ(parsed_as<cmd::Say>("  leading spaces kept").text, "  leading spaces kept");
    EXPECT_EQ(parsed_as<cmd::Say>("//login is not a command").text, "/login is not a command");
    EXPECT_EQ(parsed_as<cmd::Say>("line\r").text, "line");
    parsed_as<cmd::Blank>("");
    parsed_as<cmd::Blank>("   \t");
    parsed_as<cmd::Quit>("/quit");
    parsed_as<cmd::Help>("/help");
}

TEST(LineCommands, UnknownCommandIsNamed) {
    auto message = error_of("/frobnicate now");
    EXPECT_EQ(message.rfind("unknown command /frobnicate", 0), 0U) << message;
}

}  // namespace
}  // namespace sc::client
