#include "common/usernames.h"

#include <algorithm>

#include "proto/limits.h"

namespace sc {
namespace {

bool is_letter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_name_char(char c) {
    return is_letter(c) || is_digit(c) || c == '_' || c == '.' || c == '-';
}

}  // namespace

std::optional<std::string> username_problem(std::string_view name) {
    if (name.size() < proto::kMinUsernameBytes || name.size() > proto::kMaxUsernameBytes) {
        return "username must be " + std::to_string(proto::kMinUsernameBytes) + "-" +
               std::to_string(proto::kMaxUsernameBytes) + " characters";
    }
    if (!std::all_of(name.begin(), name.end(), is_name_char)) {
        return "username may only contain letters, digits, '_', '.', '-'";
    }
    if (!is_letter(name.front())) {
        return "username must start with a letter";
    }
    return std::nullopt;
}

bool is_valid_username(std::string_view name) {
    return !username_problem(name).has_value();
}

std::string canonical_username(std::string_view name) {
    std::string out(name);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return out;
}

std::optional<std::string> device_name_problem(std::string_view name) {
    if (name.empty() || name.size() > proto::kMaxDeviceNameBytes) {
        return "device name must be 1-" + std::to_string(proto::kMaxDeviceNameBytes) +
               " characters";
    }
    if (!std::all_of(name.begin(), name.end(), is_name_char)) {
        return "device name may only contain letters, digits, '_', '.', '-'";
    }
    return std::nullopt;
}

bool is_valid_device_name(std::string_view name) {
    return !device_name_problem(name).has_value();
}

}  // namespace sc
