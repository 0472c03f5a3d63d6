// Who a client certificate names: a user, and which of the user's devices it is (docs/PKI.md,
// "Users and devices"). The CN is the username; a subjectAltName URI
// "urn:securechat:device:<name>" is the device name, and a certificate without one is the
// user's device "default". The device's stable id is the certificate's SHA-256 fingerprint.
//
// This reads names only: call it on a leaf that pki::verify_certificate has accepted (the
// server) or on a request whose signature was checked (the CA). A failure's reason may quote
// the certificate's text, so show it through display_text.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "pki/certificate.h"

namespace sc::pki {

class CertificateRequest;

inline constexpr std::string_view kDeviceUriPrefix = "urn:securechat:device:";

struct UserIdentity {
    std::string username;     // common/usernames.h rules
    std::string device_name;  // common/usernames.h device rules; "default" when unnamed
};

// Fails, in plain words, when the subject has no CN or more than one, the CN is not a valid
// username, or the device URI is malformed, breaks the device-name rules or appears twice.
Result<UserIdentity> user_identity(const Certificate& leaf);
// The same rules for the subject and requested subjectAltName of a certificate request.
Result<UserIdentity> user_identity(const CertificateRequest& request);

// The device's stable id: the certificate's SHA-256 fingerprint, "AB:CD:..." as
// `openssl x509 -fingerprint -sha256` and `securechat pki show` print it.
std::string device_id(const Certificate& leaf);

// "URI:urn:securechat:device:<name>" for an already validated device name.
std::string device_san(std::string_view device_name);

}  // namespace sc::pki
