#include "client/device_pins.h"

#include <nlohmann/json.hpp>

#include <system_error>

#include "common/files.h"
#include "common/usernames.h"

namespace sc::client {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxPinsFileBytes = 4 * 1024 * 1024;

Bytes bytes_from_hex(const json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_string()) {
        return {};
    }
    auto bytes = from_hex(j[key].get<std::string>());
    return bytes ? *bytes : Bytes{};
}

std::string text(const json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

}  // namespace

Result<DevicePins> DevicePins::load(std::filesystem::path file) {
    DevicePins pins;
    pins.file_ = std::move(file);
    std::error_code ec;
    if (!std::filesystem::exists(pins.file_, ec)) {
        return pins;
    }
    SC_TRY_ASSIGN(auto content, read_file(pins.file_, kMaxPinsFileBytes));
    auto doc = json::parse(content, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("contacts") ||
        !doc["contacts"].is_object()) {
        return fail("the device pins in " + pins.file_.string() + " do not parse");
    }
    for (const auto& [user, list] : doc["contacts"].items()) {
        if (!is_valid_username(user) || !list.is_array()) {
            return fail("the device pins in " + pins.file_.string() + " name an invalid user");
        }
        auto& devices = pins.contacts_[canonical_username(user)];
        for (const auto& d : list) {
            if (!d.is_object()) {
                return fail("the device pins in " + pins.file_.string() + " do not parse");
            }
            PinnedDevice p;
            p.name = text(d, "name");
            p.fingerprint = text(d, "fingerprint");
            p.cert_der = bytes_from_hex(d, "cert");
            p.first_seen = d.value("first_seen", std::uint64_t{0});
            p.changed = text(d, "state") == "changed";
            p.pending_fingerprint = text(d, "pending_fingerprint");
            p.pending_cert_der = bytes_from_hex(d, "pending_cert");
            if (!is_valid_device_name(p.name) || p.fingerprint.size() != 64) {
                return fail("the device pins in " + pins.file_.string() +
                            " hold an invalid device");
            }
            devices.push_back(std::move(p));
        }
    }
    return pins;
}

bool DevicePins::knows(std::string_view user) const {
    auto it = contacts_.find(canonical_username(user));
    return it != contacts_.end() && !it->second.empty();
}

PinCheck DevicePins::check(const e2e::VerifiedDevice& device, bool known_contact,
                           std::uint64_t now_ms) {
    auto& devices = contacts_[canonical_username(device.user)];
    const std::string fp = device.fp.hex();
    for (auto& pinned : devices) {
        if (pinned.name != device.name) {
            continue;
        }
        if (pinned.fingerprint == fp) {
            return {PinCheck::Verdict::known, {}, false};
        }
        PinCheck check{PinCheck::Verdict::changed, pinned.fingerprint, false};
        if (!pinned.changed || pinned.pending_fingerprint != fp) {
            check.newly_changed = true;
            pinned.changed = true;
            pinned.pending_fingerprint = fp;
            pinned.pending_cert_der = device.cert_der;
            unsaved_ = true;
        }
        return check;
    }
    devices.push_back(PinnedDevice{device.name, fp, device.cert_der, now_ms, false, {}, {}});
    unsaved_ = true;
    return {known_contact ? PinCheck::Verdict::added : PinCheck::Verdict::first_contact, {}, false};
}

Status DevicePins::trust(std::string_view user, std::string_view name, std::uint64_t now_ms) {
    auto it = contacts_.find(canonical_username(user));
    if (it != contacts_.end()) {
        for (auto& pinned : it->second) {
            if (pinned.name != name) {
                continue;
            }
            if (!pinned.changed) {
                return fail("the device " + std::string(name) + " of " + std::string(user) +
                            " has not changed: nothing to accept");
            }
            pinned.fingerprint = std::move(pinned.pending_fingerprint);
            pinned.cert_der = std::move(pinned.pending_cert_der);
            pinned.first_seen = now_ms;
            pinned.changed = false;
            pinned.pending_fingerprint.clear();
            pinned.pending_cert_der.clear();
            unsaved_ = true;
            return {};
        }
    }
    return fail(std::string(user) + " has no device " + std::string(name) +
                " that we have seen (/devices " + std::string(user) + " lists them)");
}

const PinnedDevice* DevicePins::find(std::string_view user, std::string_view fp_hex) const {
    auto it = contacts_.find(canonical_username(user));
    if (it == contacts_.end()) {
        return nullptr;
    }
    for (const auto& pinned : it->second) {
        // A device whose name now shows another certificate gets nothing until /trust (§10.1),
        // not even through its old certificate's session.
        if (pinned.fingerprint == fp_hex && !pinned.changed) {
            return &pinned;
        }
    }
    return nullptr;
}

const std::vector<PinnedDevice>* DevicePins::devices(std::string_view user) const {
    auto it = contacts_.find(canonical_username(user));
    return it == contacts_.end() ? nullptr : &it->second;
}

Status DevicePins::save() {
    if (!unsaved_) {
        return {};  // a known device seen again: nothing to write (one rename and fsync less)
    }
    json contacts = json::object();
    for (const auto& [user, devices] : contacts_) {
        json list = json::array();
        for (const auto& d : devices) {
            list.push_back({{"name", d.name},
                            {"fingerprint", d.fingerprint},
                            {"cert", to_hex(d.cert_der)},
                            {"first_seen", d.first_seen},
                            {"state", d.changed ? "changed" : "trusted"},
                            {"pending_fingerprint", d.pending_fingerprint},
                            {"pending_cert", to_hex(d.pending_cert_der)}});
        }
        contacts[user] = std::move(list);
    }
    json doc{{"version", 1}, {"contacts", std::move(contacts)}};
    auto text = doc.dump(1);
    SC_TRY(write_file_atomically(file_, as_bytes(text), FileMode::private_0600, Replace::yes));
    unsaved_ = false;
    return {};
}

}  // namespace sc::client
