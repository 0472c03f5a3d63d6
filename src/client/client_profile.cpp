#include "client/client_profile.h"

#include <toml++/toml.h>

#include <array>
#include <cstdlib>
#include <string_view>

#include "common/files.h"

namespace sc::client {
namespace fs = std::filesystem;
namespace {

// A profile file is a few lines; the bound keeps a wrong path from reading gigabytes.
constexpr std::size_t kMaxProfileFileBytes = 64 * 1024;

constexpr std::array<std::string_view, 2> kTopLevelKeys{"default_profile", "profile"};

enum class Kind { text, path };
struct Key {
    std::string_view name;
    Kind kind;
};
constexpr std::array<Key, 7> kProfileKeys{{{"server", Kind::text},
                                           {"server_name", Kind::text},
                                           {"ca", Kind::path},
                                           {"crl", Kind::path},
                                           {"cert", Kind::path},
                                           {"key", Kind::path},
                                           {"data_dir", Kind::path}}};

std::optional<std::string> home_dir() {
    const char* home = std::getenv("HOME");
    if (home == nullptr || home[0] != '/') {
        return std::nullopt;
    }
    return std::string(home);
}

// "~" and "~/x" are the user's home; a relative path is relative to the profile file, so a
// profile means the same thing from whichever directory `securechat chat` is started.
Result<fs::path> resolve_path(const std::string& text, const fs::path& file,
                              const std::string& where) {
    if (text.empty()) {
        return fail(where + " is empty");
    }
    if (text == "~" || text.starts_with("~/")) {
        auto home = home_dir();
        if (!home) {
            return fail(where + " starts with ~ but HOME is not set");
        }
        return (fs::path(*home) / text.substr(text == "~" ? 1 : 2)).lexically_normal();
    }
    if (text.starts_with("~")) {
        return fail(where + " starts with '" + text.substr(0, text.find('/')) +
                    "': only ~ and ~/ (your own home) are expanded");
    }
    fs::path path(text);
    if (path.is_absolute()) {
        return path.lexically_normal();
    }
    std::error_code ec;
    fs::path base = fs::absolute(file, ec);
    if (ec) {
        return fail("cannot resolve " + where + ": " + ec.message());
    }
    return (base.parent_path() / path).lexically_normal();
}

Status read_profile(const toml::table& table, const std::string& name, const fs::path& file,
                    ProfileValues& out) {
    for (const auto& [key, node] : table) {
        std::string where =
            "'profile." + name + "." + std::string(key.str()) + "' in " + file.string();
        const Key* known = nullptr;
        for (const auto& candidate : kProfileKeys) {
            if (candidate.name == key.str()) {
                known = &candidate;
            }
        }
        if (known == nullptr) {
            return fail("unknown key " + where +
                        " (a profile knows server, server_name, ca, crl, cert, key, data_dir)");
        }
        const auto* value = node.as_string();
        if (value == nullptr) {
            return fail(where + " must be a string");
        }
        const std::string& text = value->get();
        if (known->kind == Kind::text) {
            if (text.empty()) {
                return fail(where + " is empty");
            }
            (known->name == "server" ? out.server : out.server_name) = text;
            continue;
        }
        SC_TRY_ASSIGN(auto path, resolve_path(text, file, where));
        if (known->name == "ca") {
            out.ca = path;
        } else if (known->name == "crl") {
            out.crl = path;
        } else if (known->name == "cert") {
            out.cert = path;
        } else if (known->name == "key") {
            out.key = path;
        } else {
            out.data_dir = path;
        }
    }
    return {};
}

std::string profile_names(const toml::table& profiles) {
    std::string out;
    for (const auto& [key, value] : profiles) {
        (void)value;
        out += (out.empty() ? "" : ", ") + std::string(key.str());
    }
    return out.empty() ? "none" : out;
}

Result<ClientProfile> pick_profile(const toml::table& root, const fs::path& file,
                                   const std::string& requested) {
    for (const auto& [key, value] : root) {
        (void)value;
        bool known = false;
        for (auto name : kTopLevelKeys) {
            known = known || name == key.str();
        }
        if (!known) {
            return fail("unknown key '" + std::string(key.str()) + "' in " + file.string() +
                        " (the top level knows default_profile and [profile.NAME] tables)");
        }
    }
    const toml::table empty;
    const toml::table* profiles = &empty;
    if (const toml::node* node = root.get("profile")) {
        profiles = node->as_table();
        if (profiles == nullptr) {
            return fail("'profile' in " + file.string() + " must be a table: [profile.NAME]");
        }
    }
    std::string name = requested;
    if (name.empty()) {
        if (const toml::node* node = root.get("default_profile")) {
            const auto* text = node->as_string();
            if (text == nullptr) {
                return fail("'default_profile' in " + file.string() + " must be a string");
            }
            name = text->get();
        } else if (profiles->size() == 1) {
            name = std::string(profiles->begin()->first.str());
        } else if (profiles->empty()) {
            return fail(file.string() + " has no [profile.NAME] table");
        } else {
            return fail(file.string() + " has several profiles (" + profile_names(*profiles) +
                        ") and no default_profile; choose one with --profile NAME");
        }
    }
    const toml::node* chosen = profiles->get(name);
    if (chosen == nullptr) {
        return fail("no profile '" + name + "' in " + file.string() + " (it has " +
                    profile_names(*profiles) + ")");
    }
    const auto* table = chosen->as_table();
    if (table == nullptr) {
        return fail("'profile." + name + "' in " + file.string() + " must be a table");
    }
    ClientProfile out{name, file, {}};
    SC_TRY(read_profile(*table, name, file, out.values));
    return out;
}

}  // namespace

Result<fs::path> default_profile_file() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    // The XDG spec says relative values are invalid and must be ignored.
    if (xdg != nullptr && xdg[0] == '/') {
        return fs::path(xdg) / "securechat" / "client.toml";
    }
    auto home = home_dir();
    if (!home) {
        return fail("cannot find the client profile: neither XDG_CONFIG_HOME nor HOME is set");
    }
    return fs::path(*home) / ".config" / "securechat" / "client.toml";
}

Result<ClientProfile> load_profile(const fs::path& file, const std::string& name) {
    SC_TRY_ASSIGN(auto text, read_file(file, kMaxProfileFileBytes));
    // toml++ as packaged reports parse errors by exception; they stop at this boundary.
    try {
        toml::table root = toml::parse(text, file.string());
        return pick_profile(root, file, name);
    } catch (const toml::parse_error& err) {
        return fail(file.string() + ":" + std::to_string(err.source().begin.line) + ": " +
                    std::string(err.description()));
    }
}

std::string missing_profile_help(const fs::path& file) {
    return "no client profile: " + file.string() +
           " does not exist. Give --server, --ca, --cert and --key, or write that file, "
           "for example:\n\n"
           "  [profile.work]\n"
           "  server = \"chat.example:6000\"\n"
           "  ca = \"ca.crt\"          # relative to the file's directory\n"
           "  cert = \"alice.crt\"\n"
           "  key = \"alice.key\"\n";
}

}  // namespace sc::client
