#include "client/client_settings.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "common/files.h"
#include "crypto/key_file.h"
#include "crypto/secret.h"
#include "pki/ca_directory.h"
#include "proto/limits.h"

namespace sc::client {
namespace fs = std::filesystem;

std::string ServerAddress::text() const {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ServerAddress> parse_server_address(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return fail("server address '" + std::string(text) + "' must look like [::1]:6000");
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) {
            return fail("server address '" + std::string(text) +
                        "' must look like 127.0.0.1:6000 (IPv6 in brackets: [::1]:6000)");
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (host.empty()) {
        return fail("server address '" + std::string(text) + "' has no host");
    }
    unsigned long value = 0;
    for (char c : port) {
        if (c < '0' || c > '9' || value > 65535) {
            value = 65536;
            break;
        }
        value = value * 10 + static_cast<unsigned long>(c - '0');
    }
    if (port.empty() || value == 0 || value > 65535) {
        return fail("server address '" + std::string(text) + "' needs a port from 1 to 65535");
    }
    return ServerAddress{std::string(host), static_cast<unsigned short>(value)};
}

Result<fs::path> default_data_dir() {
    const char* xdg = std::getenv("XDG_DATA_HOME");
    // The XDG spec says relative values are invalid and must be ignored.
    if (xdg != nullptr && xdg[0] == '/') {
        return fs::path(xdg) / "securechat";
    }
    const char* home = std::getenv("HOME");
    if (home == nullptr || home[0] != '/') {
        return fail("cannot find a data directory: HOME is not set; use --data-dir");
    }
    return fs::path(home) / ".local" / "share" / "securechat";
}

namespace {

std::string mode_text(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

// A directory on the way to ours. Symbolic links are followed here (a /home that links to
// /usr/home is common), but whoever may rename entries in it could swap our directory for
// theirs: it must belong to us or to root, and if others may write to it, it must be sticky
// (like /tmp), so that they cannot remove what we own.
Status check_parent(const fs::path& path, uid_t me) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return fail("cannot use directory " + path.string() + ": " + errno_text(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        return fail("cannot create directory " + path.string() +
                    ": it exists and is not a directory");
    }
    if (st.st_uid != me && st.st_uid != 0) {
        return fail("cannot keep evidence under " + path.string() +
                    ": it belongs to another user (uid " + std::to_string(st.st_uid) +
                    "), who could replace what we write there; choose a "
                    "directory of your own with --data-dir");
    }
    if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0) {
        return fail("cannot keep evidence under " + path.string() +
                    ": every user may write to it (mode " + mode_text(st.st_mode) +
                    ") and could replace what we write there; make it "
                    "private with: chmod o-w " +
                    path.string() + " (or choose another --data-dir)");
    }
    return {};
}

// Our own directory: not a link, ours, and closed to everyone else.
Status check_final(const fs::path& path, uid_t me) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        return fail("cannot use directory " + path.string() + ": " + errno_text(errno));
    }
    if (S_ISLNK(st.st_mode)) {
        return fail("cannot keep evidence in " + path.string() +
                    ": it is a symbolic link, which "
                    "could point anywhere; replace it with a real directory (mkdir -m 700) or "
                    "choose another --data-dir");
    }
    if (!S_ISDIR(st.st_mode)) {
        return fail("cannot create directory " + path.string() +
                    ": it exists and is not a directory");
    }
    if (st.st_uid != me) {
        return fail("cannot keep evidence in " + path.string() +
                    ": it belongs to another user (uid " + std::to_string(st.st_uid) +
                    "); choose a directory of your own with --data-dir");
    }
    if ((st.st_mode & 077) != 0) {
        return fail("cannot keep evidence in " + path.string() +
                    ": other users may access it (mode " + mode_text(st.st_mode) +
                    "); make it private with: chmod 700 " + path.string());
    }
    return {};
}

}  // namespace

Status ensure_private_dir(const fs::path& dir) {
    uid_t me = ::geteuid();
    fs::path built;
    for (auto it = dir.begin(); it != dir.end(); ++it) {
        built /= *it;
        bool last = std::next(it) == dir.end();
        if (::mkdir(built.c_str(), 0700) != 0 && errno != EEXIST) {
            return fail("cannot create directory " + built.string() + ": " + errno_text(errno));
        }
        // Checked whether we just made it or it was there: a directory created a moment ago
        // can still have been replaced by someone allowed to write to its parent.
        SC_TRY(last ? check_final(built, me) : check_parent(built, me));
    }
    return {};
}

Result<ClientCredentials> load_credentials(const ClientSettings& settings) {
    auto chain = pki::load_certificate_chain(settings.cert);
    if (!chain) {
        return fail("cannot load the certificate: " + chain.error().message);
    }
    // read(2) into wiped memory (review I3); a key type the protocol has no scheme for is
    // refused before connecting (review L11).
    auto key = crypto::load_private_key(settings.key);
    if (!key) {
        return fail("cannot load the private key: " + key.error().message);
    }
    if (auto usable = crypto::check_protocol_key(key->describe()); !usable) {
        return fail("cannot use the private key " + settings.key.string() + ": " +
                    usable.error().message);
    }
    if (!key->public_key().same_key_as(chain->front().public_key())) {
        return fail("the private key " + settings.key.string() +
                    " does not belong to the certificate " + settings.cert.string());
    }
    auto ca = pki::load_certificate_chain(settings.ca);
    if (!ca) {
        return fail("cannot load the CA certificate: " + ca.error().message);
    }
    ClientCredentials out{
        proto::Identity{std::move(chain).value(),
                        std::make_shared<const crypto::PrivateKey>(std::move(key).value())},
        proto::Trust{
            ca->front(), {}, proto::kDefaultCertificateSkew, settings.allow_legacy_seed_certs}};
    if (!settings.crl.empty()) {
        auto crls = pki::load_crls(settings.crl);
        if (!crls) {
            return fail("cannot load the CRL: " + crls.error().message);
        }
        out.trust.crls = std::move(crls).value();
    }
    return out;
}

}  // namespace sc::client
