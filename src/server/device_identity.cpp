#include "server/device_identity.h"

#include <algorithm>

#include "common/display_text.h"
#include "common/usernames.h"
#include "pki/user_identity.h"

namespace sc::server {

DeviceOfCertificate device_of(const pki::VerifiedCertificate& verified) {
    const auto& leaf = verified.leaf();
    auto identity = pki::user_identity(leaf);
    return {leaf.fingerprint().hex(),
            identity ? identity->device_name : std::string(kDefaultDeviceName),
            verified.presented_der()};
}

bool same_username(std::string_view a, std::string_view b) {
    auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; };
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [&](char x, char y) {
        return lower(static_cast<unsigned char>(x)) == lower(static_cast<unsigned char>(y));
    });
}

std::optional<AuthRefusal> identity_mismatch(const pki::Certificate& leaf,
                                             std::string_view requested, bool registering) {
    auto identity = pki::user_identity(leaf);
    if (identity && same_username(identity->username, requested)) {
        return std::nullopt;
    }
    // The requested name is quoted only when it is a valid username: short, and nothing in it
    // needs escaping. The certificate's is valid by then too.
    std::string as = is_valid_username(requested) ? std::string(requested) : "another user";
    std::string verb = registering ? "register " : "log in as ";
    if (!identity) {
        return AuthRefusal{proto::ErrorCode::identity_mismatch,
                           "this certificate names no user (" +
                               display_text(identity.error().message) + "); it cannot " + verb +
                               as};
    }
    return AuthRefusal{proto::ErrorCode::identity_mismatch,
                       "this certificate is " + identity->username + "'s; it cannot " + verb + as};
}

}  // namespace sc::server
