#include "pki/user_identity.h"

#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "common/usernames.h"
#include "crypto/ossl.h"
#include "pki/certificate_request.h"

namespace sc::pki {
namespace ossl = crypto::ossl;
namespace {

// nullopt when the string does not decode (ASN1_STRING_to_UTF8 refuses it).
std::optional<std::string> utf8_text(const ASN1_STRING* s) {
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, s);
    if (len < 0) {
        ossl::clear_errors();
        return std::nullopt;
    }
    std::string text(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    return text;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
           });
}

Result<std::string> username_from(const X509_NAME* subject) {
    int first = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (first < 0) {
        return fail("it names no user: the subject has no common name (CN)");
    }
    if (X509_NAME_get_index_by_NID(subject, NID_commonName, first) >= 0) {
        return fail("its subject has more than one common name (CN); it must name one user");
    }
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, first);
    auto name = utf8_text(X509_NAME_ENTRY_get_data(entry));
    if (!name) {
        return fail("its common name (CN) cannot be decoded");
    }
    if (auto problem = username_problem(*name)) {
        return fail("its common name '" + *name + "' is not a username: " + *problem);
    }
    return *name;
}

// `names` may be null (no subjectAltName). URIs of other schemes are not ours and are ignored.
Result<std::string> device_from(const GENERAL_NAMES* names) {
    std::optional<std::string> device;
    for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
        if (gn->type != GEN_URI) {
            continue;
        }
        auto uri = utf8_text(gn->d.uniformResourceIdentifier);
        if (!uri) {
            return fail("a subjectAltName URI cannot be decoded");
        }
        // URN namespace identifiers are case-insensitive (RFC 8141): a different case must not
        // smuggle in a second device name that this check would miss.
        if (!starts_with_ignoring_case(*uri, kDeviceUriPrefix)) {
            continue;
        }
        if (device) {
            return fail("it carries more than one device name (" + std::string(kDeviceUriPrefix) +
                        "...)");
        }
        std::string name = uri->substr(kDeviceUriPrefix.size());
        if (auto problem = device_name_problem(name)) {
            return fail("its device URI '" + *uri + "' is malformed: " + *problem);
        }
        device = std::move(name);
    }
    return device.value_or(std::string(kDefaultDeviceName));
}

Result<UserIdentity> identity_from(const X509_NAME* subject, const GENERAL_NAMES* names) {
    SC_TRY_ASSIGN(auto username, username_from(subject));
    SC_TRY_ASSIGN(auto device, device_from(names));
    return UserIdentity{std::move(username), std::move(device)};
}

}  // namespace

Result<UserIdentity> user_identity(const Certificate& leaf) {
    int critical = 0;
    ossl::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(leaf.native(), NID_subject_alt_name, &critical, nullptr)));
    // -2: the extension appears twice; -1 absent; otherwise a value that did not decode if null.
    if (critical == -2 || (critical >= 0 && !names)) {
        ossl::clear_errors();
        return fail("its subjectAltName extension is duplicated or malformed");
    }
    return identity_from(X509_get_subject_name(leaf.native()), names.get());
}

Result<UserIdentity> user_identity(const CertificateRequest& request) {
    // A request carries its wished-for extensions in one extensionRequest attribute.
    ossl::clear_errors();
    STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(request.native());
    int critical = -1;
    ossl::GeneralNamesPtr names;
    if (extensions != nullptr) {
        names.reset(static_cast<GENERAL_NAMES*>(
            X509V3_get_d2i(extensions, NID_subject_alt_name, &critical, nullptr)));
        sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
    }
    if (critical == -2 || (critical >= 0 && !names)) {
        ossl::clear_errors();
        return fail("its requested subjectAltName is duplicated or malformed");
    }
    ossl::clear_errors();
    return identity_from(X509_REQ_get_subject_name(request.native()), names.get());
}

std::string device_id(const Certificate& leaf) {
    return leaf.fingerprint_text();
}

std::string device_san(std::string_view device_name) {
    return "URI:" + std::string(kDeviceUriPrefix) + std::string(device_name);
}

}  // namespace sc::pki
