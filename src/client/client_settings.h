// What `securechat chat` needs before it connects: where the server is and the name its
// certificate must carry, our certificate and key, the one CA we trust, how long to wait, and
// where the evidence of each session (transcript, receipts, the server's certificate) is kept.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"
#include "proto/environment.h"

namespace sc::client {

struct ServerAddress {
    std::string host;  // without brackets: "::1", "127.0.0.1", "chat.example"
    unsigned short port = 0;
    std::string text() const;  // "127.0.0.1:6000", "[::1]:6000"
};

// "HOST:PORT", with IPv6 literals in brackets: "[::1]:6000".
Result<ServerAddress> parse_server_address(std::string_view text);

struct ClientSettings {
    ServerAddress server;
    std::string server_name;  // the name the server's certificate must carry (default: host)
    std::filesystem::path ca;
    std::filesystem::path crl;  // optional
    std::filesystem::path cert;
    std::filesystem::path key;
    std::filesystem::path data_dir;  // transcripts go to data_dir/transcripts
    std::chrono::milliseconds timeout{10'000};
    bool allow_legacy_seed_certs = false;  // server leaf without extendedKeyUsage (review L11)

    std::filesystem::path transcripts_dir() const { return data_dir / "transcripts"; }
};

// $XDG_DATA_HOME/securechat when XDG_DATA_HOME is an absolute path, else
// ~/.local/share/securechat (the XDG base directory default).
Result<std::filesystem::path> default_data_dir();

// Creates `dir` and its missing parents with mode 0700 (evidence names who talked to whom),
// and checks what it finds (L13): `dir` itself must be a real directory (not a symbolic link)
// owned by us with no group or other permissions; each parent must belong to us or root and
// not be writable by everyone unless sticky, so nobody else can swap `dir` afterwards. Refusals
// name the path and the fix.
Status ensure_private_dir(const std::filesystem::path& dir);

// The files behind Identity and Trust, loaded and checked once before connecting, so a wrong
// path or a key that does not belong to the certificate is reported before any network traffic.
struct ClientCredentials {
    proto::Identity identity;
    proto::Trust trust;
};
Result<ClientCredentials> load_credentials(const ClientSettings& settings);

}  // namespace sc::client
