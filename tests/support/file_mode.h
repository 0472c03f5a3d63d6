// The permission bits of a path itself (0600, 0644...; lstat, so a symlink is not followed),
// for tests of who may read what was written.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace sc::test {

inline unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
}

}  // namespace sc::test
