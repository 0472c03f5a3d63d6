// Who the client certificate of a connection says it is, as the server uses it at login: the
// identity-binding check (docs/PROTOCOL.md §2.2, "Identity binding") and the device that a
// successful login records (store::DeviceStore). Both read the leaf that the handshake verified.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "pki/certificate.h"
#include "pki/verify.h"
#include "server/auth_service.h"
#include "server/session_registry.h"
#include "store/account_store.h"

namespace sc::server {

// The device of a verified client certificate, as the store keeps it.
struct DeviceOfCertificate {
    std::string fingerprint;  // SHA-256 of the DER, 64 lowercase hex digits
    std::string name;         // from the certificate, "default" when it names none
    Bytes der;                // the leaf and its intermediates (a §10 certificate field)
};
// A certificate that names no valid device (a malformed device URI, a CN that is no username)
// still is one: binding off lets it in, and it is recorded as the device "default".
DeviceOfCertificate device_of(const pki::VerifiedCertificate& verified);

// What a login or registration carries from its start on the strand, through its job on a
// worker, back to the strand.
struct AuthAttempt {
    DeviceOfCertificate device;
    SessionRegistry::Ticket ticket = 0;
    std::optional<store::StoreError> device_error;  // the job could not record the device
};

// Usernames compare as the account store compares them: ASCII case-insensitively.
bool same_username(std::string_view a, std::string_view b);

// With binding on, a register or login for `requested` from `leaf`: nullopt when the leaf names
// that user; otherwise the identity_mismatch refusal. The refusal depends on the certificate
// and the request only, never on the store, so it is the same whether the account exists.
std::optional<AuthRefusal> identity_mismatch(const pki::Certificate& leaf,
                                             std::string_view requested, bool registering);

}  // namespace sc::server
