#include "client/client_settings.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "support/temp_dir.h"

namespace sc::client {
namespace {

TEST(ServerAddress, ParsesHostAndPortWithIpv6InBrackets) {
    auto v4 = parse_server_address("127.0.0.1:6000");
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->host, "127.0.0.1");
    EXPECT_EQ(v4->port, 6000);
    EXPECT_EQ(v4->text(), "127.0.0.1:6000");
    auto v6 = parse_server_address("[::1]:6000");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->text(), "[::1]:6000");
    auto name = parse_server_address("chat.example:443");
    ASSERT_TRUE(name);
    EXPECT_EQ(name->host, "chat.example");
}

TEST(ServerAddress, RefusesWhatIsNotHostColonPort) {
    for (const char* bad : {"", "host", "host:", ":6000", "host:0", "host:65536", "host:6x",
                            "::1:6000", "[::1]6000", "[::1]:", "host:99999999999999999999"}) {
        EXPECT_FALSE(parse_server_address(bad)) << bad;
    }
}

TEST(DataDir, FollowsXdgThenHome) {
    std::string saved_xdg = std::getenv("XDG_DATA_HOME") ? std::getenv("XDG_DATA_HOME") : "";
    std::string saved_home = std::getenv("HOME") ? std::getenv("HOME") : "";
    ::setenv("XDG_DATA_HOME", "/xdg", 1);
    EXPECT_EQ(default_data_dir().value(), std::filesystem::path("/xdg/securechat"));
    ::setenv("XDG_DATA_HOME", "relative", 1);  // invalid per the spec: ignored
    ::setenv("HOME", "/home/someone", 1);
    EXPECT_EQ(default_data_dir().value(),
              std::filesystem::path("/home/someone/.local/share/securechat"));
    ::unsetenv("XDG_DATA_HOME");
    ::unsetenv("HOME");
    EXPECT_FALSE(default_data_dir());
    saved_xdg.empty() ? ::unsetenv("XDG_DATA_HOME")
                      : ::setenv("XDG_DATA_HOME", saved_xdg.c_str(), 1);
    saved_home.empty() ? ::unsetenv("HOME") : ::setenv("HOME", saved_home.c_str(), 1);
}

TEST(DataDir, CreatedPrivate) {
    test::TempDir tmp;
    auto dir = tmp / "a" / "b" / "transcripts";
    ASSERT_TRUE(ensure_private_dir(dir));
    for (auto p : {tmp / "a", tmp / "a" / "b", dir}) {
        struct stat st {};
        ASSERT_EQ(::stat(p.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777U, 0700U) << p;
    }
    EXPECT_TRUE(ensure_private_dir(dir)) << "existing directories are fine";
    test::write_text(tmp / "file", "x");
    EXPECT_FALSE(ensure_private_dir(tmp / "file" / "sub"));
}

// The evidence directory must be ours, private and real, and nobody else may be able to swap it
// (L13). Each refusal names the path and what to do.
TEST(Hardening, L13_EvidenceDirectoryMustBePrivateRealAndOurs) {
    test::TempDir tmp;
    auto open_dir = tmp / "open" / "transcripts";
    ASSERT_EQ(::mkdir((tmp / "open").c_str(), 0700), 0);
    ASSERT_EQ(::mkdir(open_dir.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(open_dir.c_str(), 0755), 0);
    auto refused = ensure_private_dir(open_dir);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find(open_dir.string()), std::string::npos);
    EXPECT_NE(refused.error().message.find("mode 0755"), std::string::npos);
    EXPECT_NE(refused.error().message.find("chmod 700 " + open_dir.string()), std::string::npos)
        << refused.error().message;
    ASSERT_EQ(::chmod(open_dir.c_str(), 0700), 0);
    EXPECT_TRUE(ensure_private_dir(open_dir)) << "after the fix it names";

    // A symbolic link, even to a private directory of ours, could be re-pointed.
    auto target = tmp / "elsewhere";
    ASSERT_EQ(::mkdir(target.c_str(), 0700), 0);
    auto linked = tmp / "linked";
    ASSERT_EQ(::mkdir(linked.c_str(), 0700), 0);
    ASSERT_EQ(::symlink(target.c_str(), (linked / "transcripts").c_str()), 0);
    refused = ensure_private_dir(linked / "transcripts");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("symbolic link"), std::string::npos)
        << refused.error().message;

    // A parent anyone may write to lets anyone rename our directory away, unless it is sticky.
    auto shared = tmp / "shared";
    ASSERT_EQ(::mkdir(shared.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(shared.c_str(), 0777), 0);
    refused = ensure_private_dir(shared / "data" / "transcripts");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("chmod o-w " + shared.string()), std::string::npos)
        << refused.error().message;
    ASSERT_EQ(::chmod(shared.c_str(), 01777), 0);  // like /tmp
    EXPECT_TRUE(ensure_private_dir(shared / "data" / "transcripts"));

    // Somebody else's directory (needs root to create one here).
    if (::geteuid() == 0) {
        auto theirs = tmp / "theirs";
        ASSERT_EQ(::mkdir(theirs.c_str(), 0700), 0);
        ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
        refused = ensure_private_dir(theirs);
        ASSERT_FALSE(refused);
        EXPECT_NE(refused.error().message.find("belongs to another user"), std::string::npos)
            << refused.error().message;
        refused = ensure_private_dir(theirs / "transcripts");
        EXPECT_FALSE(refused) << "nor under it";
    }
}

}  // namespace
}  // namespace sc::client
