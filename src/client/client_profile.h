// Client profiles: what `securechat chat` needs, read from a TOML file so that a user types
// `securechat chat` and nothing else (README, "Profiles").
//
//   default_profile = "work"          # optional when there is one profile
//   [profile.work]
//   server = "chat.example:6000"
//   server_name = "chat.example"      # optional
//   ca = "work/ca.crt"                # paths: relative to this file's directory, absolute, or
//   ~/... crl = "work/ca.crl"               # optional cert = "work/alice.crt" key =
//   "work/alice.key" data_dir = "~/chat-evidence"      # optional
//
// Unknown keys are errors naming the key and the file: a typo must not silently fall back to
// a default.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/result.h"

namespace sc::client {

// Every value a profile may set; unset ones are nullopt. Paths are already resolved.
struct ProfileValues {
    std::optional<std::string> server;
    std::optional<std::string> server_name;
    std::optional<std::filesystem::path> ca, crl, cert, key, data_dir;
};

struct ClientProfile {
    std::string name;
    std::filesystem::path file;  // where it was read from
    ProfileValues values;
};

// $XDG_CONFIG_HOME/securechat/client.toml when XDG_CONFIG_HOME is an absolute path, else
// ~/.config/securechat/client.toml (the XDG base directory default).
Result<std::filesystem::path> default_profile_file();

// Reads `file` and picks the profile `name`, or when it is empty the file's default_profile,
// or its only profile.
Result<ClientProfile> load_profile(const std::filesystem::path& file, const std::string& name);

// What to tell a user whose profile file does not exist: where it is expected, and a minimal
// example to start from.
std::string missing_profile_help(const std::filesystem::path& file);

}  // namespace sc::client
