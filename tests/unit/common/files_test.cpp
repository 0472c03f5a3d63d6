#include "common/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/temp_dir.h"

namespace sc {
namespace {

unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 0777;
}

std::size_t entries_in(const std::filesystem::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) {
        ++n;
    }
    return n;
}

TEST(AtomicFile, WritesWithExactModeEvenUnderPermissiveUmask) {
    test::TempDir dir;
    mode_t old = ::umask(0);
    ASSERT_TRUE(
        write_file_atomically(dir / "k", as_bytes("secret"), FileMode::private_0600, Replace::no));
    ASSERT_TRUE(
        write_file_atomically(dir / "c", as_bytes("cert"), FileMode::public_0644, Replace::no));
    ::umask(old);
    EXPECT_EQ(mode_of(dir / "k"), 0600u);
    EXPECT_EQ(mode_of(dir / "c"), 0644u);
    EXPECT_EQ(test::read_text(dir / "k"), "secret");
}

TEST(AtomicFile, ReplaceNoRefusesAnExistingFileAndLeavesItIntact) {
    test::TempDir dir;
    test::write_text(dir / "f", "original");
    auto r = write_file_atomically(dir / "f", as_bytes("new"), FileMode::public_0644, Replace::no);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("already exists"), std::string::npos);
    EXPECT_EQ(test::read_text(dir / "f"), "original");
    EXPECT_EQ(entries_in(dir.path()), 1u) << "no temporary file left behind";
}

TEST(AtomicFile, ReplaceYesSwapsContents) {
    test::TempDir dir;
    test::write_text(dir / "f", "original");
    ASSERT_TRUE(
        write_file_atomically(dir / "f", as_bytes("new"), FileMode::public_0644, Replace::yes));
    EXPECT_EQ(test::read_text(dir / "f"), "new");
}

TEST(AtomicFile, UncommittedFileNeverAppears) {
    test::TempDir dir;
    {
        auto file = AtomicFile::create(dir / "f", FileMode::private_0600);
        ASSERT_TRUE(file);
        ASSERT_TRUE(file->write(as_bytes("partial")));
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "f"));
    EXPECT_EQ(entries_in(dir.path()), 0u);
}

TEST(ReadFile, BoundsTheSizeAndNamesMissingFiles) {
    test::TempDir dir;
    test::write_text(dir / "big", std::string(100, 'x'));
    auto big = read_file(dir / "big", 10);
    ASSERT_FALSE(big);
    EXPECT_NE(big.error().message.find("larger than"), std::string::npos);
    auto missing = read_file(dir / "nope");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
}

TEST(DirectoryLock, CanBeTakenAgainAfterRelease) {
    test::TempDir dir;
    {
        auto lock = DirectoryLock::acquire(dir.path());
        ASSERT_TRUE(lock);
    }
    auto again = DirectoryLock::acquire(dir.path());
    EXPECT_TRUE(again);
}

}  // namespace
}  // namespace sc
