// Client profiles read from real files (client/client_profile.h).
#include "client/client_profile.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "support/temp_dir.h"

namespace sc::client {
namespace {

namespace fs = std::filesystem;

// Sets an environment variable for one test and puts the old value back.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) {
            old_ = old;
        }
        if (value != nullptr) {
            ::setenv(name, value, 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~ScopedEnv() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    const char* name_;
    std::optional<std::string> old_;
};

class Profiles : public ::testing::Test {
  protected:
    fs::path write(const std::string& text) {
        fs::create_directories(tmp_ / "cfg");
        auto file = tmp_ / "cfg" / "client.toml";
        test::write_text(file, text);
        return file;
    }
    std::string error_of(const std::string& text, const std::string& name = "") {
        auto loaded = load_profile(write(text), name);
        return loaded ? "(loaded)" : loaded.error().message;
    }
    test::TempDir tmp_;
};

constexpr const char* kTwoProfiles = R"(
default_profile = "work"
[profile.work]
server = "chat.example:6000"
server_name = "chat.example"
ca = "work/ca.crt"
crl = "/etc/securechat/ca.crl"
cert = "work/alice.crt"
key = "work/alice.key"
data_dir = "~/evidence"
[profile.home]
server = "[::1]:6000"
ca = "../home/ca.crt"
cert = "home.crt"
key = "home.key"
)";

TEST_F(Profiles, DefaultProfileWithPathsRelativeToTheFile) {
    ScopedEnv home("HOME", "/home/alice");
    auto file = write(kTwoProfiles);
    auto p = load_profile(file, "");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->name, "work");
    EXPECT_EQ(p->file, file);
    EXPECT_EQ(p->values.server, "chat.example:6000");
    EXPECT_EQ(p->values.server_name, "chat.example");
    EXPECT_EQ(p->values.ca, tmp_ / "cfg" / "work" / "ca.crt");
    EXPECT_EQ(p->values.crl, fs::path("/etc/securechat/ca.crl"));
    EXPECT_EQ(p->values.cert, tmp_ / "cfg" / "work" / "alice.crt");
    EXPECT_EQ(p->values.key, tmp_ / "cfg" / "work" / "alice.key");
    EXPECT_EQ(p->values.data_dir, fs::path("/home/alice/evidence"));
}

TEST_F(Profiles, NamedProfileLeavesUnsetValuesEmpty) {
    auto p = load_profile(write(kTwoProfiles), "home");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->values.server, "[::1]:6000");
    EXPECT_EQ(p->values.ca, (tmp_ / "home" / "ca.crt").lexically_normal());
    EXPECT_FALSE(p->values.server_name);
    EXPECT_FALSE(p->values.crl);
    EXPECT_FALSE(p->values.data_dir);
}

TEST_F(Profiles, TheOnlyProfileNeedsNoDefault) {
    auto p = load_profile(write("[profile.solo]\nserver = \"h:1\"\n"), "");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->name, "solo");
}

TEST_F(Profiles, UnknownKeysNameTheKeyAndTheFile) {
    auto file = (tmp_ / "cfg" / "client.toml").string();
    auto e = error_of("[profile.work]\nserver = \"h:1\"\ncertificate = \"x\"\n");
    EXPECT_NE(e.find("unknown key 'profile.work.certificate'"), std::string::npos) << e;
    EXPECT_NE(e.find(file), std::string::npos) << e;
    e = error_of("defualt_profile = \"work\"\n[profile.work]\n");
    EXPECT_NE(e.find("unknown key 'defualt_profile'"), std::string::npos) << e;
    EXPECT_NE(e.find(file), std::string::npos) << e;
}

TEST_F(Profiles, RefusesAMissingOrAmbiguousChoice) {
    auto e = error_of(kTwoProfiles, "play");
    EXPECT_NE(e.find("no profile 'play'"), std::string::npos) << e;
    EXPECT_NE(e.find("home, work"), std::string::npos) << e;  // toml++ keeps keys sorted
    e = error_of("[profile.a]\nserver = \"h:1\"\n[profile.b]\nserver = \"h:2\"\n");
    EXPECT_NE(e.find("--profile NAME"), std::string::npos) << e;
    e = error_of("default_profile = \"c\"\n[profile.a]\nserver = \"h:1\"\n");
    EXPECT_NE(e.find("no profile 'c'"), std::string::npos) << e;
    e = error_of("");
    EXPECT_NE(e.find("no [profile.NAME] table"), std::string::npos) << e;
}

TEST_F(Profiles, RefusesWrongTypesAndBadToml) {
    auto e = error_of("[profile.a]\nserver = 6000\n");
    EXPECT_NE(e.find("'profile.a.server'"), std::string::npos) << e;
    EXPECT_NE(e.find("must be a string"), std::string::npos) << e;
    e = error_of("profile = \"a\"\n");
    EXPECT_NE(e.find("must be a table"), std::string::npos) << e;
    e = error_of("[profile.a\nserver = \"x\"\n");
    EXPECT_NE(e.find("client.toml:1"), std::string::npos) << e;
    e = error_of("[profile.a]\nkey = \"\"\n");
    EXPECT_NE(e.find("is empty"), std::string::npos) << e;
    e = error_of("[profile.a]\nkey = \"~bob/alice.key\"\n");
    EXPECT_NE(e.find("only ~ and ~/"), std::string::npos) << e;
}

TEST(ProfileFile, FollowsXdgConfigHomeThenHome) {
    {
        ScopedEnv xdg("XDG_CONFIG_HOME", "/xdg");
        EXPECT_EQ(default_profile_file().value(), fs::path("/xdg/securechat/client.toml"));
    }
    ScopedEnv home("HOME", "/home/alice");
    for (const char* ignored : {"relative/dir", ""}) {
        ScopedEnv xdg("XDG_CONFIG_HOME", ignored);
        EXPECT_EQ(default_profile_file().value(),
                  fs::path("/home/alice/.config/securechat/client.toml"));
    }
    ScopedEnv xdg("XDG_CONFIG_HOME", nullptr);
    EXPECT_EQ(default_profile_file().value(),
              fs::path("/home/alice/.config/securechat/client.toml"));
}

TEST(ProfileFile, MissingFileHelpSaysWhereAndShowsAnExample) {
    auto help = missing_profile_help("/home/alice/.config/securechat/client.toml");
    EXPECT_NE(help.find("/home/alice/.config/securechat/client.toml does not exist"),
              std::string::npos);
    EXPECT_NE(help.find("[profile.work]"), std::string::npos);
    EXPECT_NE(help.find("key = "), std::string::npos);
}

}  // namespace
}  // namespace sc::client
