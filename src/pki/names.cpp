#include "pki/names.h"

#include <arpa/inet.h>

#include <cctype>

namespace sc::pki {
namespace {

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
}

// RFC 1123 host names, with an optional leading "*." wildcard label.
Status check_dns_name(std::string_view name) {
    std::string_view rest = name;
    if (rest.starts_with("*.")) {
        rest.remove_prefix(2);
    }
    if (rest.empty() || rest.size() > 253) {
        return fail("DNS name '" + std::string(name) + "' must be 1-253 characters");
    }
    std::size_t label = 0;
    for (std::size_t i = 0; i <= rest.size(); ++i) {
        if (i == rest.size() || rest[i] == '.') {
            if (label == 0 || label > 63) {
                return fail("DNS name '" + std::string(name) + "' has an empty or over-long label");
            }
            if (rest[i - 1] == '-' || rest[i - label] == '-') {
                return fail("DNS name '" + std::string(name) +
                            "' has a label that starts or ends with '-'");
            }
            label = 0;
            continue;
        }
        char c = rest[i];
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-') {
            return fail("DNS name '" + std::string(name) +
                        "' may only hold letters, digits, '-' and '.'");
        }
        ++label;
    }
    return {};
}

}  // namespace

bool is_ip_literal(std::string_view text) {
    std::string s(text);
    unsigned char buf[16];
    return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Status check_entity_name(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return fail("name must be 1-64 characters");
    }
    if (std::isalnum(static_cast<unsigned char>(name.front())) == 0) {
        return fail("name '" + std::string(name) + "' must start with a letter or digit");
    }
    for (char c : name) {
        if (!is_name_char(c)) {
            return fail("name '" + std::string(name) +
                        "' may only hold letters, digits, '.', '_' and '-'");
        }
    }
    if (name == "ca" || name == "index" || name == "crlnumber") {
        return fail("name '" + std::string(name) + "' is reserved for the CA's own files");
    }
    return {};
}

std::string san_for_name(std::string_view name) {
    return (is_ip_literal(name) ? "IP:" : "DNS:") + std::string(name);
}

Result<std::string> parse_san(std::string_view text) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        return fail("subjectAltName '" + std::string(text) +
                    "' must be DNS:<name> or IP:<address>");
    }
    std::string kind(text.substr(0, colon));
    std::string_view value = text.substr(colon + 1);
    for (auto& c : kind) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (kind == "IP") {
        if (!is_ip_literal(value)) {
            return fail("'" + std::string(value) + "' is not an IPv4 or IPv6 address");
        }
        return "IP:" + std::string(value);
    }
    if (kind == "DNS") {
        SC_TRY(check_dns_name(value));
        return "DNS:" + std::string(value);
    }
    return fail("subjectAltName type '" + kind + "' is not supported (use DNS: or IP:)");
}

}  // namespace sc::pki
