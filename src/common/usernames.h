// The account and device naming rules, in one place: the store checks usernames at
// registration, the CA checks them before it issues a certificate, and the server reads them
// back out of certificates (pki/user_identity.h). Bounds live in proto/limits.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sc {

// A username: kMinUsernameBytes-kMaxUsernameBytes (3-32) bytes of [A-Za-z0-9_.-], starting with
// a letter. ASCII only, so two different usernames never look alike on a terminal.
bool is_valid_username(std::string_view name);
// The first rule `name` breaks, in words ("username must start with a letter"), or nullopt.
std::optional<std::string> username_problem(std::string_view name);

// The one form of a username that comparisons and keys use: ASCII lower case ("BoB" → "bob").
// Usernames compare case-insensitively, as the store compares them, and they are ASCII, so
// lower-casing the bytes is that comparison. Other bytes pass unchanged.
std::string canonical_username(std::string_view name);

// A device name (the part after the username in a device certificate): 1-kMaxDeviceNameBytes
// (64) bytes of [A-Za-z0-9._-]. No '/', '@' or ':' , so it is safe in a file name and a URN.
bool is_valid_device_name(std::string_view name);
std::optional<std::string> device_name_problem(std::string_view name);

// The device a certificate without a device name belongs to.
inline constexpr std::string_view kDefaultDeviceName = "default";

}  // namespace sc
