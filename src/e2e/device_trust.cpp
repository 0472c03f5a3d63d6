// docs/PROTOCOL.md §10.1 and §10.2: whether a device's certificate, and the prekeys it signed,
// may be used. Every refusal says, in plain words, whose device failed and why.
#include "e2e/device_trust.h"

#include <chrono>

#include "common/display_text.h"
#include "common/usernames.h"
#include "e2e/prekeys.h"
#include "pki/user_identity.h"
#include "pki/verify.h"

namespace sc::e2e {
namespace {

Failure<DeviceRefusal> refuse(std::string code, std::string message) {
    return fail(DeviceRefusal{std::move(code), std::move(message)});
}

// "the certificate of bob's device" — `user` is ours to show (a checked username).
std::string whose(std::string_view user) {
    return "the certificate of " + display_text(user) + "'s device";
}

std::string why(const pki::CertFailure& failure) {
    using pki::CertError;
    switch (failure.code) {
        case CertError::revoked:
            return "is revoked";
        case CertError::expired:
            return "has expired";
        case CertError::not_yet_valid:
            return "is not valid yet";
        case CertError::unknown_issuer:
        case CertError::bad_signature:
        case CertError::issuer_not_ca:
            return "is not issued by our CA";
        case CertError::wrong_purpose:
            return "is not a client certificate";
        case CertError::crl_problem:
            return "cannot be checked: our CRL is not usable";
        case CertError::weak_key_or_algorithm:
        case CertError::unsupported_key:
            return "has a key or algorithm we do not accept";
        case CertError::malformed:
        case CertError::name_mismatch:
            break;
    }
    return "is not valid";
}

}  // namespace

Result<VerifiedDevice, DeviceRefusal> verify_device(ByteView cert_der,
                                                    std::string_view expected_user,
                                                    const proto::Trust& trust,
                                                    std::uint64_t now_ms) {
    auto chain = pki::Certificate::chain_from_der(cert_der);
    if (!chain) {
        return refuse("bad_certificate", whose(expected_user) + " is not a certificate chain (" +
                                             display_text(chain.error().message) + ")");
    }
    pki::VerifyPolicy policy(trust.ca);
    policy.crls = trust.crls;
    policy.purpose = pki::Purpose::client;
    policy.clock_skew = trust.clock_skew;
    policy.allow_legacy_seed_certs = trust.allow_legacy_seed_certs;
    policy.now = std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms));
    auto verified = pki::verify_certificate(*chain, policy);
    if (!verified) {
        return refuse("bad_certificate", whose(expected_user) + " " + why(verified.error()) + " (" +
                                             display_text(verified.error().message()) + ")");
    }
    auto identity = pki::user_identity(verified.value().leaf());
    if (!identity) {
        return refuse("bad_certificate", whose(expected_user) + " names no valid user or device (" +
                                             display_text(identity.error().message) + ")");
    }
    if (canonical_username(identity.value().username) != canonical_username(expected_user)) {
        return refuse("bad_certificate",
                      whose(expected_user) + " names " + display_text(identity.value().username));
    }
    return VerifiedDevice{
        canonical_username(identity.value().username), std::move(identity.value().device_name),
        verified.value().leaf().fingerprint(), Bytes(cert_der.begin(), cert_der.end()),
        verified.value().leaf().public_key()};
}

Result<VerifiedBundle, DeviceRefusal> verify_bundle(const proto::msg::KeyBundle& bundle,
                                                    std::string_view expected_user,
                                                    const proto::Trust& trust,
                                                    std::uint64_t now_ms) {
    auto device = verify_device(bundle.cert, expected_user, trust, now_ms);
    if (!device) {
        return fail(std::move(device).error());
    }
    auto& d = device.value();
    const std::string device_text =
        display_text(expected_user) + "'s device " + display_text(d.name);
    if (bundle.device != d.fp.hex()) {
        return refuse("bad_certificate",
                      "the bundle for " + device_text + " holds the certificate of another device");
    }
    if (!verify_prekey(d.key, PrekeyKind::signed_prekey, d.fp, bundle.spk_id, bundle.spk,
                       bundle.spk_ts, bundle.spk_sig)) {
        return refuse("bad_prekey",
                      "the signed prekey's signature does not verify for " + device_text);
    }
    if (bundle.otk_id != 0) {
        if (!verify_prekey(d.key, PrekeyKind::one_time, d.fp, bundle.otk_id, bundle.otk,
                           bundle.otk_ts, bundle.otk_sig)) {
            return refuse("bad_prekey",
                          "the one-time prekey's signature does not verify for " + device_text);
        }
    } else if (!bundle.otk.empty() || !bundle.otk_sig.empty()) {
        return refuse("bad_prekey",
                      "the bundle for " + device_text + " holds a one-time prekey without an id");
    }
    VerifiedBundle out{std::move(d), bundle.spk_id, bundle.spk, bundle.otk_id, bundle.otk};
    return out;
}

}  // namespace sc::e2e
