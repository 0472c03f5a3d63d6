// Whether a device's certificate may be used (docs/PROTOCOL.md §10.1): chain to the root CA,
// client purpose, validity now, not revoked under the CRL held, and CN = the expected user.
// The only maker of VerifiedDevice. THE CONTRACT OF ISSUE 11 (lead); the client helper owns it.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "e2e/device_sessions.h"
#include "proto/environment.h"
#include "proto/messages.h"

namespace sc::e2e {

struct DeviceRefusal {
    std::string code;     // "bad_certificate" or "bad_prekey"
    std::string message;  // names the reason: "expired", "revoked", "names carol, not bob", ...
};

// `cert_der` is a §10.1 certificate field: the leaf's DER, then its intermediates'. `trust` is
// the client's proto::Trust (root CA and CRL). `now_ms` is the client's clock.
Result<VerifiedDevice, DeviceRefusal> verify_device(ByteView cert_der,
                                                    std::string_view expected_user,
                                                    const proto::Trust& trust,
                                                    std::uint64_t now_ms);
// The certificate (as above) and both prekey signatures of §10.2.
Result<VerifiedBundle, DeviceRefusal> verify_bundle(const proto::msg::KeyBundle& bundle,
                                                    std::string_view expected_user,
                                                    const proto::Trust& trust,
                                                    std::uint64_t now_ms);

}  // namespace sc::e2e
